"""Version 1: the schema releases 0.2 and 0.3 created on start, and the upgrades they ran.

The ledger's tables (events, index, commands, chain and their append-only triggers; on
PostgreSQL the ``parledger_append`` function), the live view and checkpoint tables with their
tracking table, the personal-data key vault and the Merkle subtree cache. The statements are
the recorders' own (``persistence/sqlite.py``, ``postgres.py``, ``viewstore.py``, ``vault.py``,
``merkle.py``), all ``IF NOT EXISTS``, so a store of an earlier release is adopted as it is.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from persistence.merkle import merkle_table_statement, postgres_merkle_table_statement
from persistence.postgres import LedgerPostgresRecorder
from persistence.sqlite import LedgerSQLiteRecorder
from persistence.vault import vault_table_statement
from persistence.viewstore import PostgresLedgerView, SQLiteLedgerView

NAME = "baseline: ledger, index, commands, chain, views, vault, Merkle cache"


def sqlite(datastore: SQLiteDatastore, c: SQLiteCursor, events_table: str) -> None:
    """In the migrator's one write transaction (``c``)."""
    LedgerSQLiteRecorder(datastore, events_table).create_tables_in(c)
    SQLiteLedgerView(datastore).create_tables_in(c)
    c.execute(vault_table_statement("sqlite", None))
    c.execute(merkle_table_statement())


def postgres(datastore: PostgresDatastore, events_table: str) -> None:
    """Under the migrator's advisory lock; the recorders' statements in their own
    transactions (composite types cannot be made ``IF NOT EXISTS``)."""
    LedgerPostgresRecorder(datastore, events_table_name=events_table).create_table()
    PostgresLedgerView(datastore).create_table()
    statements: list[Any] = [
        vault_table_statement("postgres", datastore.schema),
        postgres_merkle_table_statement(datastore.schema),
    ]
    with datastore.transaction(commit=True) as curs:
        for statement in statements:
            curs.execute(statement)
