"""What monitoring reads from a store, and the record of each chain verification.

Mixins for the two recorders (they use only the datastore), as ``persistence/merkle.py``:
the chain's size as one index lookup (the highest leaf index: links are numbered without gaps,
which ``verify`` checks), and ``parledger_verifications`` (schema version 3), written after a
full verification and read by the service's metrics.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from persistence.records import CHAIN_TABLE, VERIFICATIONS_TABLE


class SQLiteMonitoring:
    datastore: Any

    def chain_size(self) -> int:
        """Events linked into the chain (one lookup of the highest leaf index)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(leaf_index) FROM {CHAIN_TABLE}")
            top = c.fetchone()[0]
        return 0 if top is None else int(top) + 1

    def record_verification(self, ok: bool, events: int, position: int, seconds: float) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {VERIFICATIONS_TABLE} VALUES (?, ?, ?, ?, ?)",
                (time.time(), int(ok), events, position, seconds),
            )

    def last_verified(self) -> float | None:
        """When the last successful verification finished (seconds since the epoch)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(finished_at) FROM {VERIFICATIONS_TABLE} WHERE ok = 1")
            found = c.fetchone()[0]
        return None if found is None else float(found)


class PostgresMonitoring:
    datastore: Any

    def _monitoring_sql(self, text: str) -> Any:
        return SQL(text).format(
            schema=Identifier(self.datastore.schema),
            chain=Identifier(CHAIN_TABLE),
            verifications=Identifier(VERIFICATIONS_TABLE),
        )

    def _one(self, text: str) -> Any:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._monitoring_sql(text), prepare=True)
            row = curs.fetchone()
        return None if row is None else row[0]

    def chain_size(self) -> int:
        top = self._one("SELECT MAX(leaf_index) FROM {schema}.{chain}")
        return 0 if top is None else int(top) + 1

    def record_verification(self, ok: bool, events: int, position: int, seconds: float) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._monitoring_sql(
                    "INSERT INTO {schema}.{verifications} VALUES (%s, %s, %s, %s, %s)"
                ),
                (time.time(), ok, events, position, seconds),
            )

    def last_verified(self) -> float | None:
        found = self._one("SELECT MAX(finished_at) FROM {schema}.{verifications} WHERE ok")
        return None if found is None else float(found)
