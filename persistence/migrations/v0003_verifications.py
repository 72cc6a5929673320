"""Version 3: the outcome of each full chain verification, kept beside the chain.

``parledger_verifications``: one row per ``parledger verify`` (or digest) run, ok or not, with
how many events it checked up to which position and how long it took. Rows are only
inserted. The service's metrics read the last successful one (``parledger_chain_verify_age_
seconds``), so an operator is told when nobody has verified the ledger for too long.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier

from persistence.records import VERIFICATIONS_TABLE

NAME = "chain verifications: when the ledger was last verified, and the outcome"
_COLUMNS = (
    "finished_at {real} NOT NULL, ok {bool} NOT NULL, events bigint NOT NULL, "
    "position bigint NOT NULL, seconds {real} NOT NULL"
)


def sqlite(datastore: SQLiteDatastore, c: SQLiteCursor, events_table: str) -> None:
    columns = _COLUMNS.format(real="REAL", bool="INTEGER")
    c.execute(f"CREATE TABLE IF NOT EXISTS {VERIFICATIONS_TABLE} ({columns})")
    c.execute(
        f"CREATE INDEX IF NOT EXISTS {VERIFICATIONS_TABLE}_ok "
        f"ON {VERIFICATIONS_TABLE} (ok, finished_at)"
    )


def postgres(datastore: PostgresDatastore, events_table: str) -> None:
    names = {
        "schema": Identifier(datastore.schema),
        "table": Identifier(VERIFICATIONS_TABLE),
        "index": Identifier(f"{VERIFICATIONS_TABLE}_ok"),
    }
    columns = _COLUMNS.format(real="double precision", bool="boolean")
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL("CREATE TABLE IF NOT EXISTS {schema}.{table} (" + columns + ")").format(**names)
        )
        curs.execute(
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (ok, finished_at)").format(
                **names
            )
        )
