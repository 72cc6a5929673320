"""Append-only storage: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) on every
ledger table, for the owner too; on PostgreSQL the service role can only read and append through
``parledger_append``. Every refused statement leaves the ledger as it was."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest

from cli.main import main
from integrity.verify import verify
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.task import ReportTaskProgress
from persistence.records import APPEND_ONLY_TABLES, COMMANDS_TABLE
from persistence.settings import parse_database_url
from tests.conftest import ctx, vn
from tests.factories import small_plan
from tests.integration.test_audit_trail import OFFICER

PLAN = "thu-nghiem-2023"


def _seed(app: ParLedger) -> None:
    """Rows in every ledger table (an idempotent command writes the commands table)."""
    import_plan(app, small_plan(), ctx())
    app.handle(
        ctx(OFFICER, effective=vn(2023, 2, 1), key="k-1"),
        ReportTaskProgress(plan=PLAN, number="1", percent=10, note="Bắt đầu"),
    )


def _tables(app: ParLedger) -> list[str]:
    return [getattr(app.recorder, "events_table_name"), *APPEND_ONLY_TABLES]  # noqa: B009


def _column(table: str) -> str:
    return "key" if table == COMMANDS_TABLE else "notification_id"


def _snapshot(app: ParLedger) -> tuple[int, bytes]:
    report = verify(app.ledger_recorder)
    assert report.ok, report.problems
    return report.events, report.head


def test_sqlite_triggers_refuse_changes_to_every_ledger_table(tmp_path: object) -> None:
    path = f"{tmp_path}/ledger.sqlite3"
    app = ParLedger(parse_database_url(f"sqlite:///{path}"))
    _seed(app)
    before = _snapshot(app)
    conn = sqlite3.connect(path)
    try:
        for table in _tables(app):
            for statement in (f"UPDATE {table} SET rowid = rowid", f"DELETE FROM {table}"):
                with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                    conn.execute(statement)
    finally:
        conn.close()
    assert _snapshot(app) == before
    app.close()


@pytest.fixture
def pg_ledger(postgres_schema: str) -> Iterator[tuple[ParLedger, str, str]]:
    app = ParLedger(parse_database_url(postgres_schema))
    _seed(app)
    schema = postgres_schema.rsplit("schema=", 1)[1]
    try:
        yield app, postgres_schema, schema
    finally:
        app.close()


@pytest.mark.postgres
def test_postgres_triggers_refuse_the_owner_too(pg_ledger: tuple[ParLedger, str, str]) -> None:
    app, url, schema = pg_ledger
    before = _snapshot(app)
    base = url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:  # the superuser who owns the tables
        conn.execute(f'SET search_path TO "{schema}"')
        # Also when replication mode would skip ordinary triggers.
        conn.execute("SET session_replication_role = replica")
        for table in _tables(app):
            for statement in (
                f"UPDATE {table} SET {_column(table)} = {_column(table)}",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    conn.execute(statement)
    assert _snapshot(app) == before


@pytest.mark.postgres
def test_postgres_service_role_reads_and_appends_but_cannot_change(
    pg_ledger: tuple[ParLedger, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url, schema = pg_ledger
    role = f"svc_{uuid4().hex[:10]}"
    base = url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        monkeypatch.setenv("PARLEDGER_DATABASE_URL", url)
        assert main(["db", "grant-service", role]) == 0
        before = _snapshot(app)
        service_url = url.replace("postgres@", f"{role}@", 1)
        with psycopg.connect(service_url.split("?", 1)[0], autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            for table in _tables(app):
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() is not None
                for statement in (
                    f"UPDATE {table} SET {_column(table)} = {_column(table)}",
                    f"DELETE FROM {table}",
                    f"TRUNCATE {table}",
                    f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1",
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        conn.execute(statement)
        assert _snapshot(app) == before
        # The service itself, as that role and without DDL, records a change.
        service = ParLedger(parse_database_url(service_url), env={"CREATE_TABLE": "no"})
        try:
            service.handle(
                ctx(OFFICER, effective=vn(2023, 3, 1)),
                ReportTaskProgress(plan=PLAN, number="2", percent=30, note="Đã làm"),
            )
            report = verify(service.ledger_recorder)
            assert report.ok and report.events == before[0] + 1
        finally:
            service.close()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
