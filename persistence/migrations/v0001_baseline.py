"""Version 1: the schema releases 0.2 and 0.3 created on start, and the upgrades they ran.

The ledger's tables (events, index, commands, chain and their append-only triggers; on
PostgreSQL the ``parledger_append`` function), the live view and checkpoint tables with their
tracking table, the personal-data key vault, the Merkle subtree cache and the pages'
credentials. The statements are the recorders' own (``persistence/sqlite.py``, ``postgres.py``,
``viewstore.py``, ``vault.py``, ``merkle.py``; the credentials' copied from
``credentials.py``), all ``IF NOT EXISTS``, so a store of an earlier release is adopted as it is.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from persistence.credentials import CREDENTIALS_TABLE, SESSIONS_TABLE
from persistence.merkle import merkle_table_statement, postgres_merkle_table_statement
from persistence.postgres import LedgerPostgresRecorder
from persistence.sqlite import LedgerSQLiteRecorder
from persistence.vault import vault_table_statement
from persistence.viewstore import PostgresLedgerView, SQLiteLedgerView

NAME = "baseline: ledger, index, commands, chain, views, vault, Merkle cache, credentials"


def credentials_statements(schema: str | None) -> list[str]:
    """The pages' password and session tables (``persistence/credentials.py``), as it
    created them on start before migrations."""
    prefix = f'"{schema}".' if schema else ""
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}{CREDENTIALS_TABLE} (name text PRIMARY KEY, "
        "hash text, failures integer NOT NULL DEFAULT 0, locked_until text, "
        "plan text, updated_at text NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}{SESSIONS_TABLE} (id_sha256 text PRIMARY KEY, "
        "name text NOT NULL, csrf text NOT NULL, created_at text NOT NULL, "
        "expires_at text NOT NULL)",
    ]


def sqlite(datastore: SQLiteDatastore, c: SQLiteCursor, events_table: str) -> None:
    """In the migrator's one write transaction (``c``)."""
    LedgerSQLiteRecorder(datastore, events_table).create_tables_in(c)
    SQLiteLedgerView(datastore).create_tables_in(c)
    c.execute(vault_table_statement("sqlite", None))
    c.execute(merkle_table_statement())
    for statement in credentials_statements(None):
        c.execute(statement)


def postgres(datastore: PostgresDatastore, events_table: str) -> None:
    """Under the migrator's advisory lock; the recorders' statements in their own
    transactions (composite types cannot be made ``IF NOT EXISTS``)."""
    LedgerPostgresRecorder(datastore, events_table_name=events_table).create_table()
    PostgresLedgerView(datastore).create_table()
    statements: list[Any] = [
        vault_table_statement("postgres", datastore.schema),
        postgres_merkle_table_statement(datastore.schema),
        *credentials_statements(datastore.schema),
    ]
    with datastore.transaction(commit=True) as curs:
        for statement in statements:
            curs.execute(statement)
