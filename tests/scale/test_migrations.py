"""Versioned migrations: version 1 is what earlier releases created; services check, never
migrate; concurrent migrators and starting services never deadlock."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from ledger.application import ParLedger
from persistence.credentials import Credentials
from persistence.merkle import merkle_table_statement, postgres_merkle_table_statement
from persistence.migrations import (
    CURRENT,
    Migrated,
    SchemaMismatch,
    migrate,
    open_datastore,
    schema_version,
)
from persistence.migrations.v0002_shared_state import BUCKETS_TABLE, LEASES_TABLE
from persistence.postgres import LedgerPostgresRecorder
from persistence.records import VERIFICATIONS_TABLE
from persistence.settings import database_from_env, parse_database_url
from persistence.sqlite import LedgerSQLiteRecorder
from persistence.vault import vault_table_statement
from persistence.viewstore import PostgresLedgerView, SQLiteLedgerView
from projections import live
from projections.rebuild import rebuild
from tests.cat_hai import seed
from tests.compat.answers import SQLITE_FILE
from tests.conftest import POSTGRES_URL
from tests.scale.processes import cli, servers, wait_healthy

RELEASE = Path(__file__).resolve().parents[1] / "compat" / "release-0.2"
# Made by versions after 1 (and the version table itself): left out of version 1's comparison.
LATER = {
    "parledger_schema_version",
    LEASES_TABLE,
    BUCKETS_TABLE,
    VERIFICATIONS_TABLE,
    f"{VERIFICATIONS_TABLE}_ok",
}


def _sqlite_schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
        rows = [r for r in rows if r[1] not in LATER]
    return [(t, n, " ".join((s or "").split())) for t, n, s in rows]


def test_version_1_on_sqlite_is_what_the_recorders_created(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.sqlite3"
    datastore, close = open_datastore(parse_database_url(f"sqlite:///{legacy}"))
    try:  # the start-up of releases before migrations, statement for statement
        LedgerSQLiteRecorder(datastore).create_table()
        SQLiteLedgerView(datastore).create_table()
        with datastore.transaction(commit=True) as c:
            c.execute(vault_table_statement("sqlite", None))
            c.execute(merkle_table_statement())
        Credentials(datastore, "sqlite", create=True)
    finally:
        close()
    migrated = tmp_path / "migrated.sqlite3"
    assert migrate(parse_database_url(f"sqlite:///{migrated}")).after == CURRENT
    assert _sqlite_schema(migrated) == _sqlite_schema(legacy)


def _drop(postgres_url: str, *schemas: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _versions(postgres_url: str, schema: str) -> list[int]:
    """The schema versions recorded in ``schema``, as the table holds them."""
    with psycopg.connect(postgres_url) as conn:
        query = f'SELECT version FROM "{schema}".parledger_schema_version'
        return [row[0] for row in conn.execute(query).fetchall()]


def _pg_catalog(schema: str) -> dict[str, Any]:
    with psycopg.connect(POSTGRES_URL) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM "
            "information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            (schema,),
        ).fetchall()
        columns = [c for c in columns if c[0] not in LATER]
        indexes = conn.execute(
            "SELECT tablename, indexname, replace(indexdef, %s, 'S') FROM pg_indexes "
            "WHERE schemaname = %s ORDER BY 2",
            (schema, schema),
        ).fetchall()
        indexes = [i for i in indexes if i[0] not in LATER]
        triggers = conn.execute(
            "SELECT event_object_table, trigger_name, event_manipulation, action_statement "
            "FROM information_schema.triggers WHERE trigger_schema = %s ORDER BY 1, 2, 3",
            (schema,),
        ).fetchall()
        functions = conn.execute(
            "SELECT p.proname, replace(pg_get_functiondef(p.oid), %s, 'S') FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s ORDER BY 1",
            (schema, schema),
        ).fetchall()
    return {
        "columns": columns,
        "indexes": indexes,
        "triggers": [(t, n, e, a.replace(schema, "S")) for t, n, e, a in triggers],
        "functions": functions,
    }


@pytest.mark.postgres
def test_version_1_on_postgres_is_what_the_recorders_created(postgres_url: str) -> None:
    legacy, migrated = f"l_{uuid4().hex[:12]}", f"m_{uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{legacy}"')
    try:
        datastore, close = open_datastore(parse_database_url(f"{postgres_url}?schema={legacy}"))
        try:
            LedgerPostgresRecorder(datastore, events_table_name="parledger_events").create_table()
            PostgresLedgerView(datastore).create_table()
            with datastore.transaction(commit=True) as curs:
                curs.execute(vault_table_statement("postgres", legacy))
                curs.execute(postgres_merkle_table_statement(legacy))
            Credentials(datastore, "postgres", create=True)
        finally:
            close()
        # db migrate creates a schema the URL names that does not exist yet
        assert migrate(parse_database_url(f"{postgres_url}?schema={migrated}")).after == CURRENT
        assert _pg_catalog(migrated) == _pg_catalog(legacy)
    finally:
        _drop(postgres_url, legacy, migrated)


def test_a_release_0_2_store_is_adopted_unchanged(tmp_path: Path) -> None:
    if not (RELEASE / SQLITE_FILE).exists():
        pytest.skip("the release 0.2 store is not in this checkout")
    path = tmp_path / SQLITE_FILE
    shutil.copyfile(RELEASE / SQLITE_FILE, path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall()
        chain = conn.execute("SELECT * FROM parledger_chain ORDER BY leaf_index").fetchall()
    env = {"PARLEDGER_DATABASE_URL": f"sqlite:///{path}", "PARLEDGER_AUTO_MIGRATE": "no"}
    refused = cli(env, "plan", "show")
    assert refused.returncode == 2 and "chưa được khởi tạo" in refused.stderr
    assert "phiên bản 0" in cli(env, "db", "version").stdout
    upgraded = f"Đã nâng lược đồ từ phiên bản 0 lên {CURRENT}."
    assert cli(env, "db", "migrate").stdout.strip() == upgraded
    unchanged = f"Lược đồ đã ở phiên bản {CURRENT}; không đổi gì."
    assert cli(env, "db", "migrate").stdout.strip() == unchanged
    with sqlite3.connect(path) as conn:
        assert (
            conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall() == before
        )
        assert conn.execute("SELECT * FROM parledger_chain ORDER BY leaf_index").fetchall() == chain
    shown = cli(env, "verify")
    assert shown.returncode == 0, shown.stderr


def test_a_newer_schema_is_refused_with_a_clear_message(db_url: str) -> None:
    database = parse_database_url(db_url)
    migrate(database)
    datastore, close = open_datastore(database)
    try:
        with datastore.transaction(commit=True) as c:
            table = (
                f'"{datastore.schema}".parledger_schema_version'
                if database.backend == "postgres"
                else "parledger_schema_version"
            )
            c.execute(
                f"INSERT INTO {table} (version, name, applied_at) VALUES (99, 'future', "
                + ("now())" if database.backend == "postgres" else "'x')")
            )
        assert schema_version(datastore, database.backend) == 99
    finally:
        close()
    with pytest.raises(SchemaMismatch, match=f"phiên bản 99, mới hơn phiên bản {CURRENT}"):
        ParLedger(database)
    with pytest.raises(SchemaMismatch, match="mới hơn"):
        migrate(database)  # nor does an older ParLedger "migrate" it back
    refused = cli({"PARLEDGER_DATABASE_URL": db_url}, "plan", "show")
    assert refused.returncode == 2 and "hãy cập nhật ParLedger" in refused.stderr
    assert "lỗi hệ thống" not in refused.stderr


@pytest.mark.postgres
def test_a_service_on_postgres_checks_and_never_migrates(postgres_url: str) -> None:
    schema = f"n_{uuid4().hex[:12]}"
    url = f"{postgres_url}?schema={schema}"
    try:
        with pytest.raises(SchemaMismatch, match=r"chưa được khởi tạo.*parledger db migrate"):
            ParLedger(database_from_env({"PARLEDGER_DATABASE_URL": url}))
        with psycopg.connect(postgres_url) as conn:  # it did not even create the schema
            found = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
        assert found is None
        started = cli({"PARLEDGER_DATABASE_URL": url}, "init", "--format", "json")
        assert started.returncode == 0, started.stderr  # init migrates: the schema is made
        assert "lỗi hệ thống" not in started.stderr
    finally:
        _drop(postgres_url, schema)


@pytest.mark.postgres
def test_concurrent_migrators_end_at_one_version(postgres_url: str) -> None:
    schema = f"c_{uuid4().hex[:12]}"
    env = {"PARLEDGER_DATABASE_URL": f"{postgres_url}?schema={schema}"}
    try:
        with ThreadPoolExecutor(10) as pool:
            runs = list(pool.map(lambda _: cli(env, "db", "migrate"), range(10)))
        assert [r.returncode for r in runs] == [0] * 10, [r.stderr for r in runs]
        assert sum(f"lên {CURRENT}" in r.stdout for r in runs) == 1  # one did the work
        assert _versions(postgres_url, schema) == list(range(1, CURRENT + 1))
    finally:
        _drop(postgres_url, schema)


@pytest.mark.postgres
def test_ten_services_starting_at_once_never_deadlock(postgres_url: str) -> None:
    """Each starts on the empty database with auto-migration on: one migrates under the
    advisory lock, the others wait and find the work done; none runs DDL of its own."""
    schema = f"s_{uuid4().hex[:12]}"
    env = {
        "PARLEDGER_DATABASE_URL": f"{postgres_url}?schema={schema}",
        "PARLEDGER_AUTO_MIGRATE": "yes",
        # Small pools: ten processes share the test server with other tests.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "1",
    }
    try:
        with servers(env, 10) as started:
            for port, process in started:
                wait_healthy(port, process, seconds=180)
        assert _versions(postgres_url, schema) == list(range(1, CURRENT + 1))
    finally:
        _drop(postgres_url, schema)


def test_version_4_moves_sqlite_documents_into_rowid_tables(tmp_path: Path) -> None:
    """A store whose views were WITHOUT ROWID tables (versions 1-3) keeps every document, its
    plan and the plan index, in a rowid table keyed by a unique (kind, key) index; the view
    still reads, upserts and promotes."""
    path = tmp_path / "v3.sqlite3"
    url = f"sqlite:///{path}"
    app = ParLedger(parse_database_url(url))
    seed(app)
    live.catch_up(app)
    head = int(app.recorder.max_notification_id() or 0)
    app.close()
    with sqlite3.connect(path) as conn:  # the tables as versions 1-3 made them
        docs = conn.execute("SELECT kind, key, doc, plan FROM parledger_view_docs").fetchall()
        for table in ("parledger_view_docs", "parledger_view_shadow"):
            conn.execute(f"DROP TABLE {table}")
            conn.execute(
                f"CREATE TABLE {table} (kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, "
                "plan TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID"
            )
        conn.execute("CREATE INDEX parledger_view_docs_plan ON parledger_view_docs (plan)")
        conn.executemany("INSERT INTO parledger_view_docs VALUES (?, ?, ?, ?)", docs)
        conn.execute("DELETE FROM parledger_schema_version WHERE version > 3")
    assert len(docs) > 50
    assert migrate(parse_database_url(url)) == Migrated(before=3, after=CURRENT)
    with sqlite3.connect(path) as conn:
        assert sorted(conn.execute("SELECT kind, key, doc, plan FROM parledger_view_docs")) == (
            sorted(docs)
        )
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    for table in ("parledger_view_docs", "parledger_view_shadow"):
        assert "WITHOUT ROWID" not in tables[table] and "UNIQUE (kind, key)" in tables[table]
    assert "parledger_view_docs_plan" in indexes
    app = ParLedger(parse_database_url(url))
    try:
        assert live.status(app)["consistent"] is True
        rebuild(app)
        assert app.view.standing(app.name) == (head, 1)
        assert live.status(app)["consistent"] is True
    finally:
        app.close()
