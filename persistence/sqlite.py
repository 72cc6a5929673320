"""The SQLite recorder: events, their index rows, idempotent commands and chain links in
one transaction."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    StoredEvent,
    Tracking,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTrackingRecorder,
)

from integrity.chain import (
    GENESIS,
    StoredLink,
    leaf_hash,
    link,
    utc_text,
)
from persistence.merkle import SQLiteMerkleNodes
from persistence.monitoring import SQLiteMonitoring
from persistence.records import (
    ADDED_COLUMNS,
    APPEND_ONLY_TABLES,
    CHAIN_TABLE,
    COMMANDS_TABLE,
    DIRECTORY_ENTITIES,
    FACT_COLUMNS,
    INDEX_KEYS,
    INDEX_TABLE,
    CommandRow,
    IdempotencyKeyReused,
    IndexRow,
    LedgerRecorder,
    Window,
    digest_of,
    index_values,
    scoped_where,
)


def _rows_of(stored: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Sequence[IndexRow]:
    rows: Sequence[IndexRow] = kwargs.get("index_rows", ())
    # A batch's rows must stay aligned with its events: every member brings one per event.
    if len(rows) != len(stored):
        raise ValueError("a batch member without an index row for each event")
    return rows


# records.part_of in SQL: the last byte of an originator id stored as 32 lower-case hex digits.
SQLITE_LAST_BYTE = (
    "((instr('0123456789abcdef', substr(originator_id, 31, 1)) - 1) * 16"
    " + instr('0123456789abcdef', substr(originator_id, 32, 1)) - 1)"
)


class LedgerSQLiteRecorder(
    SQLiteMonitoring, SQLiteMerkleNodes, SQLiteApplicationRecorder, LedgerRecorder
):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        # The views' tracking table (``persistence.viewstore``): a process application's
        # position is written by the library's own statement, in the events' transaction.
        self.tracker = SQLiteTrackingRecorder(datastore)
        # The chain's head as this process last committed it: (position, leaf index, link).
        # An append whose first position follows it needs no read of the chain (``_link``).
        self._head: tuple[int, int, bytes] | None = None
        self._staged = threading.local()  # the head a transaction in this thread will commit

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
            "notification_id INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "entity TEXT NOT NULL, "
            "event_type TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL, "
            "effective_at TEXT NOT NULL, "
            "actor_id TEXT NOT NULL, "
            "plan TEXT, "
            "actor_role TEXT, "
            "actor_agency TEXT)",
            *(
                f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_{name} ON {INDEX_TABLE} ({columns})"
                for name, columns in INDEX_KEYS
            ),
            f"CREATE TABLE IF NOT EXISTS {COMMANDS_TABLE} ("
            "key TEXT PRIMARY KEY, "
            "fingerprint TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL, "
            "result TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "leaf_index INTEGER PRIMARY KEY, "
            "notification_id INTEGER NOT NULL UNIQUE, "
            "leaf BLOB NOT NULL, "
            "link BLOB NOT NULL)",
            *(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'parledger: {table} is append-only'); END"
                for table in (self.events_table_name, *APPEND_ONLY_TABLES)
                for verb in ("UPDATE", "DELETE")
            ),
        ]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            self.create_tables_in(c)

    def create_tables_in(self, c: SQLiteCursor) -> None:
        """Schema version 1 of the ledger's tables, in the caller's transaction
        (``persistence/migrations``): columns added since 0.1 first, then every table."""
        c.execute(f"PRAGMA table_info({INDEX_TABLE})")
        present = {row["name"] for row in c.fetchall()}
        for name, kind in ADDED_COLUMNS:
            if present and name not in present:
                c.execute(f"ALTER TABLE {INDEX_TABLE} ADD COLUMN {name} {kind}")
        self._create_table(c)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        command: CommandRow | None = kwargs.get("command")
        commands: Sequence[CommandRow] = kwargs.get("commands", ())
        for row in (*commands, *([command] if command is not None else [])):
            # First, so that a reused key fails before any event is written.
            c.execute(f"SELECT 1 FROM {COMMANDS_TABLE} WHERE key=?", (row.key,))
            if c.fetchone() is not None:
                raise IdempotencyKeyReused(row.key)
            c.execute(
                f"INSERT INTO {COMMANDS_TABLE} VALUES (?, ?, ?, ?)",
                (
                    row.key,
                    row.fingerprint,
                    row.recorded_at.isoformat(),
                    json.dumps(row.result, sort_keys=True),
                ),
            )
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows: Sequence[IndexRow] = kwargs.get("index_rows", ())
        if rows:
            assert ids is not None and len(ids) == len(rows)
            c.executemany(
                f"INSERT INTO {INDEX_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        notification_id,
                        r.originator_id.hex,
                        r.originator_version,
                        r.entity,
                        r.event_type,
                        r.recorded_text,
                        r.effective_text,
                        r.actor_id,
                        r.plan,
                        r.actor_role,
                        r.actor_agency,
                    )
                    for notification_id, r in zip(ids, rows, strict=True)
                ],
            )
        if ids:
            self._link(c, ids, stored_events, rows)
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            # Refused (IntegrityError) unless it moves the position on: a page processed
            # twice is rolled back whole, its events with it.
            self.tracker._insert_tracking(c, tracking)
        return ids

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._staged.head = None
        ids = super().insert_events(stored_events, **kwargs)
        self._committed()
        return ids

    def insert_batch(
        self, members: Sequence[tuple[Sequence[StoredEvent], dict[str, Any]]]
    ) -> list[Sequence[int]]:
        # One _insert_events for all: one transaction, one head for the chain links.
        events = [e for stored, _ in members for e in stored]
        rows = [r for stored, kw in members for r in _rows_of(stored, kw)]
        commands = [kw["command"] for _, kw in members if kw.get("command") is not None]
        self._staged.head = None
        with self.datastore.transaction(commit=True) as c:
            ids = self._insert_events(c, events, index_rows=rows, commands=commands)
        self._committed()
        assert ids is not None and len(ids) == len(events)
        found: list[Sequence[int]] = []
        for stored, _ in members:
            found.append(ids[: len(stored)])
            ids = ids[len(stored) :]
        return found

    def _link(
        self,
        c: SQLiteCursor,
        ids: Sequence[int],
        stored_events: Sequence[StoredEvent],
        rows: Sequence[IndexRow],
    ) -> None:
        # The events' insert holds the write lock, so the head read here is the true head.
        # Positions are the events' rowids, the highest stored + 1: when the first one follows
        # the last position this process committed a link for, nothing was appended since
        # (by any process), and that link is still the head.
        known = self._head
        if known is not None and ids[0] == known[0] + 1:
            index, previous = known[1] + 1, known[2]
        else:
            c.execute(
                f"SELECT leaf_index, link FROM {CHAIN_TABLE} ORDER BY leaf_index DESC LIMIT 1"
            )
            head = c.fetchone()
            index, previous = (
                (head["leaf_index"] + 1, bytes(head["link"])) if head else (0, GENESIS)
            )
        links = []
        for offset, (position, stored) in enumerate(zip(ids, stored_events, strict=True)):
            leaf = leaf_hash(position, digest_of(stored, rows[offset] if rows else None))
            previous = link(previous, leaf)
            links.append((index + offset, position, leaf, previous))
        c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?)", links)
        self._staged.head = (ids[-1], index + len(links) - 1, previous)

    def _committed(self) -> None:
        """Keep the head this thread's transaction just committed (never one rolled back:
        another process may since have stored other links at those positions)."""
        staged = getattr(self._staged, "head", None)
        known = self._head
        if staged is not None and (known is None or staged[0] > known[0]):
            self._head = staged

    def _read(self, template: str, params: Sequence[Any], prepare: bool | None = None) -> list[Any]:
        sql = template.format(index=INDEX_TABLE, chain=CHAIN_TABLE, commands=COMMANDS_TABLE, p="?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return list(c.fetchall())

    def _stamp(self, moment: datetime) -> Any:
        return utc_text(moment)

    def _uid(self, uid: UUID) -> Any:
        return uid.hex

    def _uuid(self, stored: Any) -> UUID:
        return UUID(stored)

    def _chained_select(self, tail: str) -> str:
        facts = FACT_COLUMNS.format(recorded="i.recorded_at", effective="i.effective_at")
        return (
            "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, "
            f"{facts} FROM {self.events_table_name} e "
            f"LEFT JOIN {INDEX_TABLE} i ON i.notification_id = e.rowid "
            f"LEFT JOIN {CHAIN_TABLE} c ON c.notification_id = e.rowid " + tail
        )

    def select_event_rows(
        self, start: int, stop: int, limit: int, part: tuple[int, int] | None = None
    ) -> list[Sequence[Any]]:
        # The library stores an originator id as its 32 hex digits already (lower case).
        where, params = "", [start, stop]
        if part is not None:
            where = f" AND {SQLITE_LAST_BYTE} % ? = ?"
            params += [part[1], part[0]]
        with self.datastore.transaction(commit=False) as c, c as raw:
            raw.row_factory = None  # plain tuples: a rebuild reads every row once
            raw.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE rowid >= ? AND rowid <= ?{where} "
                "ORDER BY rowid LIMIT ?",
                (*params, limit),
            )
            return list(raw.fetchall())

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=False) as c:
            statement = self._chained_select("WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?")
            c.execute(statement, (gt, limit))
            return [tuple(row) for row in c.fetchall()]

    def stream_chained_rows(self, batch: int = 20_000) -> Iterator[list[Sequence[Any]]]:
        # One statement in one read transaction: in WAL mode it sees one state of the file.
        with self.datastore.transaction(commit=False) as c, c as raw:
            raw.row_factory = None  # plain tuples, as verification indexes them
            raw.execute(self._chained_select("ORDER BY e.rowid"))
            while rows := raw.fetchmany(batch):
                yield rows

    def restore(self, links: Sequence[StoredLink]) -> None:
        self._head = None
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"SELECT 1 FROM {self.events_table_name} LIMIT 1")
            if c.fetchone() is not None:
                raise IntegrityError("restore needs an empty ledger")
            c.executemany(
                f"INSERT INTO {self.events_table_name} (rowid, originator_id, "
                "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        x.event.position,
                        x.event.originator_id.hex,
                        x.event.originator_version,
                        x.event.topic,
                        x.event.state,
                    )
                    for x in links
                ],
            )
            c.executemany(
                f"INSERT INTO {INDEX_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [index_values(x.event) for x in links if x.event.entity is not None],
            )
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?)",
                [(x.leaf_index, x.event.position, x.leaf, x.link) for x in links],
            )

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        where, params = scoped_where(window, "?", utc_text)
        statement = (
            f"SELECT e.rowid AS id, e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM {INDEX_TABLE} i JOIN {self.events_table_name} e ON e.rowid = i.notification_id "
            f"WHERE (i.plan = ? OR (i.plan IS NULL AND i.entity IN (?, ?))) AND {where} "
            "ORDER BY i.notification_id"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (plan, *DIRECTORY_ENTITIES, *params))
            return [
                Notification(
                    id=row["id"],
                    originator_id=UUID(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]
