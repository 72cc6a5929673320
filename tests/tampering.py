"""An insider's tools: raw SQL on the ledger's tables with the append-only triggers out of the
way (dropped on SQLite, disabled by the owner on PostgreSQL), and a recomputation of every link
so that the tables are self-consistent again. Used only by the tamper-evidence tests."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from integrity.chain import GENESIS, event_digest, leaf_hash, link
from ledger.application import ParLedger
from persistence.records import APPEND_ONLY_TABLES, CHAIN_TABLE, INDEX_TABLE


class Insider:
    """Raw access to one ledger's tables, as the database owner or a superuser."""

    def __init__(self, app: ParLedger) -> None:
        self.app = app
        self.backend = app.database.backend
        self.mark = "?" if self.backend == "sqlite" else "%s"
        self.pk = "rowid" if self.backend == "sqlite" else "notification_id"
        self.events: str = getattr(app.recorder, "events_table_name")  # noqa: B009
        self.tables = (self.events, *APPEND_ONLY_TABLES)

    @contextmanager
    def session(self) -> Iterator[Any]:
        env = self.app.database.env
        if self.backend == "sqlite":
            conn = sqlite3.connect(env["SQLITE_DBNAME"], isolation_level=None)
            conn.execute("BEGIN")
            for table in self.tables:
                for verb in ("update", "delete"):
                    conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
            try:
                yield conn
                conn.execute("COMMIT")
            finally:
                conn.close()
        else:
            schema = env["POSTGRES_SCHEMA"]
            with psycopg.connect(
                host=env["POSTGRES_HOST"],
                port=int(env["POSTGRES_PORT"]),
                dbname=env["POSTGRES_DBNAME"],
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
            ) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                for table in self.tables:
                    conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                yield conn

    def rows(self, conn: Any, sql: str, *params: Any) -> list[Any]:
        return list(conn.execute(sql.replace("?", self.mark), params).fetchall())

    def run(self, conn: Any, sql: str, *params: Any) -> None:
        conn.execute(sql.replace("?", self.mark), params)

    # -- ways of tampering ---------------------------------------------------------------------

    def state(self, conn: Any, position: int) -> bytes:
        return bytes(
            self.rows(conn, f"SELECT state FROM {self.events} WHERE {self.pk} = ?", position)[0][0]
        )

    def set_state(self, conn: Any, position: int, state: bytes) -> None:
        self.run(conn, f"UPDATE {self.events} SET state = ? WHERE {self.pk} = ?", state, position)

    def flip_byte(self, position: int, offset: int, bit: int) -> None:
        with self.session() as conn:
            state = bytearray(self.state(conn, position))
            state[offset % len(state)] ^= 1 << bit
            self.set_state(conn, position, bytes(state))

    def to_nfd(self, position: int) -> None:
        with self.session() as conn:
            text = self.state(conn, position).decode()
            self.set_state(conn, position, unicodedata.normalize("NFD", text).encode())

    def delete(self, position: int) -> None:
        with self.session() as conn:
            self.run(conn, f"DELETE FROM {self.events} WHERE {self.pk} = ?", position)
            self.run(conn, f"DELETE FROM {INDEX_TABLE} WHERE notification_id = ?", position)
            self.run(conn, f"DELETE FROM {CHAIN_TABLE} WHERE notification_id = ?", position)

    def cut_tail(self, after: int) -> None:
        with self.session() as conn:
            self.run(conn, f"DELETE FROM {self.events} WHERE {self.pk} > ?", after)
            self.run(conn, f"DELETE FROM {INDEX_TABLE} WHERE notification_id > ?", after)
            self.run(conn, f"DELETE FROM {CHAIN_TABLE} WHERE notification_id > ?", after)

    def swap(self, first: int, second: int) -> None:
        """Two events trade places (content and index rows), their links left as they were."""
        with self.session() as conn:
            shelf = 1_000_000_000
            for table, key in ((self.events, self.pk), (INDEX_TABLE, "notification_id")):
                self.run(conn, f"UPDATE {table} SET {key} = ? WHERE {key} = ?", shelf, first)
                self.run(conn, f"UPDATE {table} SET {key} = ? WHERE {key} = ?", first, second)
                self.run(conn, f"UPDATE {table} SET {key} = ? WHERE {key} = ?", second, shelf)

    def forge_after(self, position: int, model: int) -> None:
        """Insert a forged event right after ``position`` (every later event moved one place
        on), a copy of the event at ``model`` with its text changed, then recompute every
        link, as an insider covering their tracks would."""
        with self.session() as conn:
            copied = self.rows(
                conn,
                f"SELECT originator_id, originator_version, topic, state FROM {self.events} "
                f"WHERE {self.pk} = ?",
                model,
            )[0]
            shift = 1_000_000_000
            for table, key in ((self.events, self.pk), (INDEX_TABLE, "notification_id")):
                self.run(
                    conn, f"UPDATE {table} SET {key} = {key} + ? WHERE {key} > ?", shift, position
                )
                self.run(
                    conn, f"UPDATE {table} SET {key} = {key} - ? + 1 WHERE {key} > ?", shift, shift
                )
            self.run(
                conn,
                f"INSERT INTO {self.events} ({self.pk}, originator_id, originator_version, topic, "
                "state) VALUES (?, ?, ?, ?, ?)",
                position + 1,
                copied[0],
                10_000 + copied[1],  # a version nobody used, so the key stays unique
                copied[2],
                bytes(copied[3]).replace(b"2023", b"2024"),
            )
            self.recompute(conn)

    def rewrite(self, position: int) -> None:
        """Change one event and recompute every link after it."""
        with self.session() as conn:
            state = self.state(conn, position)
            self.set_state(conn, position, state.replace(b'"', b"'", 1))
            self.recompute(conn)

    def recompute(self, conn: Any) -> None:
        """Rewrite the whole chain table from the events as they now are."""
        self.run(conn, f"DELETE FROM {CHAIN_TABLE}")
        previous = GENESIS
        rows = []
        for index, stored in enumerate(self._events(conn)):
            leaf = leaf_hash(stored.position, event_digest(stored.canonical()))
            previous = link(previous, leaf)
            rows.append((index, stored.position, leaf, previous))
        for row in rows:
            self.run(conn, f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?)", *row)

    def _events(self, conn: Any) -> list[Any]:
        from integrity.chain import link_from_row
        from persistence.records import FACT_COLUMNS, PG_UTC

        if self.backend == "sqlite":
            facts = FACT_COLUMNS.format(recorded="i.recorded_at", effective="i.effective_at")
            originator = "e.originator_id"
        else:
            facts = FACT_COLUMNS.format(
                recorded=PG_UTC.format("recorded_at"), effective=PG_UTC.format("effective_at")
            )
            originator = "replace(e.originator_id::text, '-', '')"
        rows = conn.execute(
            f"SELECT e.{self.pk}, {originator}, e.originator_version, e.topic, e.state, "
            f"{facts} FROM {self.events} e "
            f"LEFT JOIN {INDEX_TABLE} i ON i.notification_id = e.{self.pk} "
            "LEFT JOIN (SELECT NULL AS leaf_index, NULL AS leaf, NULL AS link) c ON 1 = 1 "
            f"ORDER BY e.{self.pk}"
        ).fetchall()
        return [link_from_row(tuple(row)).event for row in rows]
