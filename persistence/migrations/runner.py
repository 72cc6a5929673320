"""Running migrations, and reading a store's schema version."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import psycopg
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier

from persistence.migrations import (
    v0001_baseline,
    v0002_shared_state,
    v0003_verifications,
    v0004_view_rowid,
)
from persistence.records import APPEND_ONLY_TABLES
from persistence.settings import ConfigurationError

VERSION_TABLE = "parledger_schema_version"
# One module per version, in order; a module has NAME, sqlite(datastore, cursor, events
# table) and postgres(datastore, events table).
MIGRATIONS: tuple[ModuleType, ...] = (
    v0001_baseline,
    v0002_shared_state,
    v0003_verifications,
    v0004_view_rowid,
)
CURRENT = len(MIGRATIONS)
# The events table each backend's recorder writes (the library names them).
EVENTS_TABLES = {
    "sqlite": "stored_events",
    "memory": "stored_events",
    "postgres": "parledger_events",
}


class SchemaMismatch(ConfigurationError):
    """The store's schema is at another version than this code's."""


@dataclass(frozen=True)
class Migrated:
    before: int
    after: int


def _now() -> str:
    return datetime.now(UTC).isoformat()


# -- SQLite -------------------------------------------------------------------------------------


def _sqlite_version(c: SQLiteCursor | sqlite3.Cursor) -> int:
    c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,))
    if c.fetchone() is None:
        return 0
    c.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}")
    row = c.fetchone()
    return int(row[0] or 0)


def _migrate_sqlite(datastore: SQLiteDatastore, events_table: str, target: int) -> Migrated:
    # One write transaction: BEGIN IMMEDIATE (persistence/sqlitelock.py) holds the write lock
    # from its first statement, so a second migrator waits, then finds the work done.
    with datastore.transaction(commit=True) as c:
        before = _sqlite_version(c)
        if before > CURRENT:
            raise newer(before)
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version in range(before + 1, target + 1):
            module = MIGRATIONS[version - 1]
            module.sqlite(datastore, c, events_table)
            c.execute(
                f"INSERT INTO {VERSION_TABLE} VALUES (?, ?, ?)", (version, module.NAME, _now())
            )
        # The append-only triggers come back whenever the store is migrated (an embedded store
        # is, each time it is opened): an insider who dropped them to edit a row does not
        # leave the ledger unguarded, as before migrations existed.
        for table in (events_table, *APPEND_ONLY_TABLES):
            for verb in ("UPDATE", "DELETE"):
                c.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON "
                    f"{table} BEGIN SELECT RAISE(ABORT, 'parledger: {table} is append-only'); END"
                )
    return Migrated(before, max(before, target))


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_conninfo(datastore: PostgresDatastore) -> dict[str, Any]:
    made = datastore.pool.kwargs
    kwargs: dict[str, Any] = dict(made) if isinstance(made, dict) else {}
    kwargs.pop("row_factory", None)
    return kwargs


@contextmanager
def _advisory_lock(datastore: PostgresDatastore) -> Iterator[psycopg.Connection[Any]]:
    """A session lock keyed by the schema: one migrator per schema at a time, on a connection
    of its own (the migration's statements run on the datastore's pool)."""
    with psycopg.connect(**_pg_conninfo(datastore), autocommit=True) as conn:
        key = f"parledger:migrate:{datastore.schema}"
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))


def _pg_version(conn: psycopg.Connection[Any], schema: str) -> int:
    row = conn.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
        (schema, VERSION_TABLE),
    ).fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute(
        SQL("SELECT MAX(version) FROM {}.{}").format(Identifier(schema), Identifier(VERSION_TABLE))
    ).fetchone()
    return int(found[0] or 0) if found else 0


def _migrate_postgres(datastore: PostgresDatastore, events_table: str, target: int) -> Migrated:
    schema = datastore.schema
    names = {"schema": Identifier(schema), "table": Identifier(VERSION_TABLE)}
    with _advisory_lock(datastore) as conn:
        before = _pg_version(conn, schema)
        if before > CURRENT:
            raise newer(before)
        if before >= target:
            return Migrated(before, before)
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {schema}").format(**names))
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL)"
            ).format(**names)
        )
        for version in range(before + 1, target + 1):
            module = MIGRATIONS[version - 1]
            module.postgres(datastore, events_table)
            conn.execute(
                SQL("INSERT INTO {schema}.{table} VALUES (%s, %s, now())").format(**names),
                (version, module.NAME),
            )
    return Migrated(before, target)


# -- both ---------------------------------------------------------------------------------------


def migrate_store(datastore: Any, backend: str, events_table: str | None = None) -> Migrated:
    """Bring the store behind ``datastore`` to :data:`CURRENT` (safe to run concurrently)."""
    table = events_table or EVENTS_TABLES[backend]
    if backend == "postgres":
        return _migrate_postgres(datastore, table, CURRENT)
    return _migrate_sqlite(datastore, table, CURRENT)


def schema_version(datastore: Any, backend: str) -> int:
    if backend == "postgres":
        try:
            with psycopg.connect(**_pg_conninfo(datastore), autocommit=True) as conn:
                return _pg_version(conn, datastore.schema)
        except psycopg.OperationalError as error:  # the server is down: a 503, not a 500
            raise OperationalError(str(error)) from error
    with datastore.transaction(commit=False) as c:
        return _sqlite_version(c)


def newer(found: int) -> SchemaMismatch:
    return SchemaMismatch(
        f"lược đồ cơ sở dữ liệu ở phiên bản {found}, mới hơn phiên bản {CURRENT} mà bản "
        "ParLedger này hiểu; hãy cập nhật ParLedger trước khi chạy"
    )


def older(found: int) -> SchemaMismatch:
    where = "chưa được khởi tạo" if found == 0 else f"ở phiên bản {found}"
    return SchemaMismatch(
        f"lược đồ cơ sở dữ liệu {where}, cần phiên bản {CURRENT}; "
        "hãy chạy `parledger db migrate` (hoặc `parledger init`) trước"
    )


def check(datastore: Any, backend: str) -> int:
    """The store's version, or :class:`SchemaMismatch` if it is not :data:`CURRENT`."""
    found = schema_version(datastore, backend)
    if found > CURRENT:
        raise newer(found)
    if found < CURRENT:
        raise older(found)
    return found
