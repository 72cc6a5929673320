"""Version 2: state several processes share, kept in the database.

``parledger_leases``: which projection worker holds the live view (a lease renewed while it
works, taken over when it expires). ``parledger_rate_buckets``: the API's token buckets per
principal, so several API processes limit a principal as one would.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier

NAME = "shared state: worker leases, rate-limit buckets"
LEASES_TABLE = "parledger_leases"
BUCKETS_TABLE = "parledger_rate_buckets"

_TABLES = (
    (LEASES_TABLE, "name text PRIMARY KEY, holder text NOT NULL, expires_at {real} NOT NULL"),
    (BUCKETS_TABLE, "key text PRIMARY KEY, tokens {real} NOT NULL, stamp {real} NOT NULL"),
)


def sqlite(datastore: SQLiteDatastore, c: SQLiteCursor, events_table: str) -> None:
    for table, columns in _TABLES:
        c.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns.format(real='REAL')})")


def postgres(datastore: PostgresDatastore, events_table: str) -> None:
    with datastore.transaction(commit=True) as curs:
        for table, columns in _TABLES:
            curs.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {}.{} ("
                    + columns.format(real="double precision")
                    + ")"
                ).format(Identifier(datastore.schema), Identifier(table))
            )
