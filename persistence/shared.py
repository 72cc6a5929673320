"""State the service's processes share, in the ledger's database (schema version 2): leases
(one projection worker at a time) and token buckets (one rate limit across API processes).

Each operation is one writing transaction: ``BEGIN IMMEDIATE`` on SQLite (one writer at a time),
a row lock (``FOR UPDATE``, or the upsert's own) on PostgreSQL, so two processes never both take
the same lease or spend the same token. Times are seconds since the epoch: PostgreSQL's clock on
PostgreSQL (the hosts' clocks may disagree), the machine's on SQLite (one machine).
"""

from __future__ import annotations

import time
from typing import Any

from psycopg.sql import SQL, Identifier

from persistence.migrations.v0002_shared_state import BUCKETS_TABLE, LEASES_TABLE

REFUSED_WAIT = 1e-3  # seconds: the least wait a refused take answers


class SharedState:
    def __init__(self, datastore: Any, backend: str) -> None:
        self.datastore = datastore
        self.postgres = backend == "postgres"

    def _sql(self, text: str, table: str) -> Any:
        """``text`` with ``{table}`` and ``?`` marks, for this backend."""
        if self.postgres:
            named = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(table))
            return SQL(text.replace("?", "%s")).format(table=named)
        return text.replace("{table}", table)

    def _now(self, c: Any) -> float:
        if not self.postgres:
            return time.time()
        c.execute("SELECT extract(epoch FROM clock_timestamp())::float8 AS now")
        return float(c.fetchone()["now"])

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Hold ``name`` for ``seconds`` more if it is free, expired, or already ours."""
        with self.datastore.transaction(commit=True) as c:
            now = self._now(c)
            c.execute(
                self._sql(
                    "INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                    "SET holder = excluded.holder, expires_at = excluded.expires_at "
                    "WHERE {table}.holder = excluded.holder OR {table}.expires_at < ? "
                    "RETURNING holder",
                    LEASES_TABLE,
                ),
                (name, holder, now + seconds, now),
            )
            return c.fetchone() is not None

    def release_lease(self, name: str, holder: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                self._sql("DELETE FROM {table} WHERE name = ? AND holder = ?", LEASES_TABLE),
                (name, holder),
            )

    def take_token(self, key: str, rate: float, burst: float) -> float:
        """A token bucket per ``key``, refilled at ``rate`` a second up to ``burst``: 0 when a
        token was taken, else the seconds until one will be.

        One upsert that spends a token only where the refilled bucket holds one, so the row is
        locked from that statement to the commit and no longer: every request of a principal
        passes here, and a lock held across round trips queued them all behind each other. A
        refused take changes nothing (the refill is a function of the stamp), so it only reads.
        """
        with self.datastore.transaction(commit=True) as c:
            if self.postgres:
                # A bucket lost in a crash costs a few requests' limit: not worth a disk flush.
                c.execute("SET LOCAL synchronous_commit TO OFF")
            now = self._now(c)
            refilled = "min(?, {table}.tokens + (? - {table}.stamp) * ?)"
            if self.postgres:
                refilled = refilled.replace("min(", "least(")
            c.execute(
                self._sql(
                    "INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                    f"SET tokens = {refilled} - 1, stamp = excluded.stamp "
                    f"WHERE {refilled} >= 1 RETURNING tokens",
                    BUCKETS_TABLE,
                ),
                (key, burst - 1, now, burst, now, rate, burst, now, rate),
            )
            if c.fetchone() is not None:
                return 0.0
            c.execute(
                self._sql("SELECT tokens, stamp FROM {table} WHERE key = ?", BUCKETS_TABLE), (key,)
            )
            row = c.fetchone()
        tokens = min(burst, float(row["tokens"]) + (now - float(row["stamp"])) * rate)
        # Refused by the statement: never 0 ("taken"), even where Python's float refill
        # rounds to a whole token that the database's did not.
        return max(REFUSED_WAIT, (1 - tokens) / rate)
