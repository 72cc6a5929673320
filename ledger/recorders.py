"""Recorders that write, in the same transaction as the events, one index row per event and
one row per idempotent command.

The index row holds what the library keeps inside the serialised state and ParLedger must
query by: both time axes (recorded-at, effective-at), the actor and the entity. The command
row makes a retried command (same idempotency key) find its first outcome instead of
appending twice — including after a lost acknowledgement, where the library's own retry
reports a conflict for an event that was in fact stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from ledger.chain import GENESIS, ChainedEvent, canonical, event_digest, leaf_hash, link

INDEX_TABLE = "parledger_event_index"
COMMANDS_TABLE = "parledger_commands"
CHAIN_TABLE = "parledger_chain"
# Tables whose rows are never updated nor deleted: triggers refuse it on both backends.
APPEND_ONLY_TABLES = (INDEX_TABLE, COMMANDS_TABLE, CHAIN_TABLE)


@dataclass(frozen=True)
class IndexRow:
    """The queryable facts of one event, aligned with the stored event of the same position."""

    originator_id: UUID
    originator_version: int
    entity: str
    event_type: str
    recorded_at: datetime
    effective_at: datetime
    actor_id: str
    plan: str | None = None  # the plan an entity belongs to; None for the directory and users
    actor_role: str | None = None
    actor_agency: str | None = None


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC text timestamp, so SQLite orders and compares it as time."""
    # isoformat with microseconds is the same text as "%Y-%m-%dT%H:%M:%S.%f+00:00", faster.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class CommandRow:
    """An idempotent command's key, the fingerprint of its input, and what it produced."""

    key: str
    fingerprint: str
    recorded_at: datetime
    result: dict[str, Any]


class IdempotencyKeyReused(IntegrityError):
    """The idempotency key was stored already (by this command or by another)."""


class LedgerRecorder:
    """Queries both backends answer the same way."""

    def get_command(self, key: str) -> CommandRow | None:
        raise NotImplementedError

    def select_index(self, *, gt: int = 0, limit: int = 1000) -> list[tuple[int, IndexRow]]:
        raise NotImplementedError

    def select_originators(self, entity: str) -> list[UUID]:
        """Ids of every aggregate of one class, in order of creation."""
        raise NotImplementedError

    def select_filtered(
        self, where: IndexFilter, *, gt: int = 0, limit: int = 100, descending: bool = False
    ) -> list[tuple[int, IndexRow]]:
        """Index rows matching ``where``, by position: after ``gt`` ascending, or before it
        (``gt`` 0 meaning the end) descending."""
        raise NotImplementedError

    def position_at(self, known_at: datetime) -> int:
        """The last position recorded at or before ``known_at`` (0 before the first event)."""
        raise NotImplementedError

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        """The events of one plan and of the agency directory inside ``window``, in order."""
        raise NotImplementedError

    def select_chained(self, *, gt: int = 0, limit: int = 5000) -> list[StoredLink]:
        """Events after position ``gt`` with their index facts and their stored link (``None``
        where a row is missing), in position order: what export and proofs read."""
        return [link_from_row(row) for row in self.select_chained_rows(gt=gt, limit=limit)]

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        """The same as plain rows (``CHAINED_FIELDS``; originator as 32 hex digits, times as
        UTC text): verification's fast path."""
        raise NotImplementedError

    def chain_extent(self) -> tuple[int, int]:
        """(number of links, highest leaf index + 1) of the chain table."""
        raise NotImplementedError

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]:
        """(position, leaf) of the first ``size`` links, in leaf order."""
        raise NotImplementedError

    def restore(self, links: Sequence[StoredLink]) -> None:
        """Write exported events, index rows and links as they were (positions kept), in one
        transaction; only into an empty ledger."""
        raise NotImplementedError


@dataclass(frozen=True)
class StoredLink:
    """One stored event with its index facts and what the chain table holds for it."""

    event: ChainedEvent
    leaf_index: int | None
    leaf: bytes | None
    link: bytes | None


def digest_of(stored: StoredEvent, row: IndexRow | None) -> bytes:
    """The event digest of an event about to be stored, from what will be stored."""
    facts: tuple[str | None, ...] = (
        (
            row.entity,
            row.event_type,
            utc_text(row.recorded_at),
            utc_text(row.effective_at),
            row.actor_id,
            row.plan,
            row.actor_role,
            row.actor_agency,
        )
        if row is not None
        else (None,) * 8
    )
    assert isinstance(stored.originator_id, UUID)
    return event_digest(
        canonical(
            stored.originator_id.hex, stored.originator_version, stored.topic, stored.state, facts
        )
    )


def link_from_row(row: Sequence[Any]) -> StoredLink:
    (position, originator, version, topic, state, *facts, leaf_index, leaf, link_) = row
    return StoredLink(
        event=ChainedEvent(position, UUID(hex=originator), version, topic, state, *facts),
        leaf_index=leaf_index,
        leaf=leaf,
        link=link_,
    )


FACT_COLUMNS = (
    "i.entity, i.event_type, {recorded}, {effective}, i.actor_id, i.plan, "
    "i.actor_role, i.actor_agency, c.leaf_index, c.leaf, c.link"
)
# PostgreSQL gives times in the very text utc_text writes, so no row is converted in Python.
PG_UTC = "to_char(i.{0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


@dataclass(frozen=True)
class Window:
    """Positions ``(after, upto]`` whose effective time is in ``(effective_gt, effective_le]``."""

    after: int
    upto: int
    effective_le: datetime | None = None
    effective_gt: datetime | None = None


DIRECTORY_ENTITIES = ("Agency", "AgencyGroup")


@dataclass(frozen=True)
class IndexFilter:
    """Which index rows an audit query wants; ``None`` means any. Ranges are inclusive;
    ``upto`` is the last position known (the knowledge axis as a position)."""

    plan: str | None = None
    originator_id: UUID | None = None
    entity: str | None = None
    event_type: str | None = None
    actor_id: str | None = None
    actor_agency: str | None = None
    actor_role: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    effective_from: datetime | None = None
    effective_to: datetime | None = None
    upto: int | None = None


def _filter_where(f: IndexFilter, mark: str, stamp: Any, uid: Any) -> tuple[str, list[Any]]:
    tests: list[tuple[str, Any]] = [
        ("plan = {}", f.plan),
        ("originator_id = {}", None if f.originator_id is None else uid(f.originator_id)),
        ("entity = {}", f.entity),
        ("event_type = {}", f.event_type),
        ("actor_id = {}", f.actor_id),
        ("actor_agency = {}", f.actor_agency),
        ("actor_role = {}", f.actor_role),
        ("recorded_at >= {}", None if f.recorded_from is None else stamp(f.recorded_from)),
        ("recorded_at <= {}", None if f.recorded_to is None else stamp(f.recorded_to)),
        ("effective_at >= {}", None if f.effective_from is None else stamp(f.effective_from)),
        ("effective_at <= {}", None if f.effective_to is None else stamp(f.effective_to)),
        ("notification_id <= {}", f.upto),
    ]
    chosen = [(clause.format(mark), value) for clause, value in tests if value is not None]
    where = " AND ".join(clause for clause, _ in chosen) or "TRUE"
    return where, [value for _, value in chosen]


def _command_from_row(row: Any) -> CommandRow:
    recorded_at = row["recorded_at"]
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    return CommandRow(
        key=row["key"],
        fingerprint=row["fingerprint"],
        recorded_at=recorded_at,
        result=json.loads(row["result"]),
    )


def _scoped_where(
    window: Window, mark: str, stamp: Any = lambda moment: moment
) -> tuple[str, list[Any]]:
    clauses = [f"i.notification_id > {mark}", f"i.notification_id <= {mark}"]
    params: list[Any] = [window.after, window.upto]
    if window.effective_le is not None:
        clauses.append(f"i.effective_at <= {mark}")
        params.append(stamp(window.effective_le))
    if window.effective_gt is not None:
        clauses.append(f"i.effective_at > {mark}")
        params.append(stamp(window.effective_gt))
    return " AND ".join(clauses), params


def _page(gt: int, descending: bool, mark: str) -> tuple[str, str]:
    """The keyset clause of a page: after ``gt`` ascending, before it descending."""
    if descending:
        return ("" if gt == 0 else f" AND notification_id < {mark}"), "DESC"
    return f" AND notification_id > {mark}", "ASC"


def _index_from_row(row: Any, as_uuid: bool) -> tuple[int, IndexRow]:
    def when(value: Any) -> datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    originator = row["originator_id"]
    return row["notification_id"], IndexRow(
        originator_id=UUID(originator) if as_uuid else originator,
        originator_version=row["originator_version"],
        entity=row["entity"],
        event_type=row["event_type"],
        recorded_at=when(row["recorded_at"]),
        effective_at=when(row["effective_at"]),
        actor_id=row["actor_id"],
        plan=row["plan"],
        actor_role=row["actor_role"],
        actor_agency=row["actor_agency"],
    )


def _index_values(e: ChainedEvent) -> tuple[Any, ...]:
    return (
        e.position,
        e.originator_id.hex,
        e.originator_version,
        e.entity,
        e.event_type,
        e.recorded_at,
        e.effective_at,
        e.actor_id,
        e.plan,
        e.actor_role,
        e.actor_agency,
    )


# Columns added after the first release of the index; old stores gain them on start.
_ADDED_COLUMNS = (("actor_role", "text"), ("actor_agency", "text"))


class LedgerSQLiteRecorder(SQLiteApplicationRecorder, LedgerRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

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
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_recorded ON {INDEX_TABLE} (recorded_at)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_plan_position ON {INDEX_TABLE} "
            "(plan, notification_id)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_plan_effective ON {INDEX_TABLE} "
            "(plan, effective_at)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_effective ON {INDEX_TABLE} (effective_at)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_entity ON {INDEX_TABLE} "
            "(entity, originator_version)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_originator ON {INDEX_TABLE} "
            "(originator_id, originator_version)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_actor ON {INDEX_TABLE} "
            "(actor_id, notification_id)",
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
            c.execute(f"PRAGMA table_info({INDEX_TABLE})")
            present = {row["name"] for row in c.fetchall()}
            for name, kind in _ADDED_COLUMNS:
                if present and name not in present:
                    c.execute(f"ALTER TABLE {INDEX_TABLE} ADD COLUMN {name} {kind}")
        super().create_table()

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        command: CommandRow | None = kwargs.get("command")
        if command is not None:
            # First, so that a reused key fails before any event is written.
            c.execute(f"SELECT 1 FROM {COMMANDS_TABLE} WHERE key=?", (command.key,))
            if c.fetchone() is not None:
                raise IdempotencyKeyReused(command.key)
            c.execute(
                f"INSERT INTO {COMMANDS_TABLE} VALUES (?, ?, ?, ?)",
                (
                    command.key,
                    command.fingerprint,
                    command.recorded_at.isoformat(),
                    json.dumps(command.result, sort_keys=True),
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
                        utc_text(r.recorded_at),
                        utc_text(r.effective_at),
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
        return ids

    def _link(
        self,
        c: SQLiteCursor,
        ids: Sequence[int],
        stored_events: Sequence[StoredEvent],
        rows: Sequence[IndexRow],
    ) -> None:
        # The events' insert holds the write lock, so the head read here is the true head.
        c.execute(f"SELECT leaf_index, link FROM {CHAIN_TABLE} ORDER BY leaf_index DESC LIMIT 1")
        head = c.fetchone()
        index, previous = (head["leaf_index"] + 1, bytes(head["link"])) if head else (0, GENESIS)
        links = []
        for offset, (position, stored) in enumerate(zip(ids, stored_events, strict=True)):
            leaf = leaf_hash(position, digest_of(stored, rows[offset] if rows else None))
            previous = link(previous, leaf)
            links.append((index + offset, position, leaf, previous))
        c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?)", links)

    def get_command(self, key: str) -> CommandRow | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT * FROM {COMMANDS_TABLE} WHERE key=?", (key,))
            row = c.fetchone()
        return None if row is None else _command_from_row(row)

    def select_index(self, *, gt: int = 0, limit: int = 1000) -> list[tuple[int, IndexRow]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {INDEX_TABLE} WHERE notification_id>? "
                "ORDER BY notification_id LIMIT ?",
                (gt, limit),
            )
            return [_index_from_row(row, as_uuid=True) for row in c.fetchall()]

    def select_filtered(
        self, where: IndexFilter, *, gt: int = 0, limit: int = 100, descending: bool = False
    ) -> list[tuple[int, IndexRow]]:
        clause, params = _filter_where(where, "?", utc_text, lambda u: u.hex)
        page, order = _page(gt, descending, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {INDEX_TABLE} WHERE {clause}{page} "
                f"ORDER BY notification_id {order} LIMIT ?",
                (*params, *([gt] if page else []), limit),
            )
            return [_index_from_row(row, as_uuid=True) for row in c.fetchall()]

    def select_originators(self, entity: str) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_id FROM {INDEX_TABLE} "
                "WHERE entity=? AND originator_version=1 ORDER BY notification_id",
                (entity,),
            )
            return [UUID(row["originator_id"]) for row in c.fetchall()]

    def position_at(self, known_at: datetime) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT MAX(notification_id) AS p FROM {INDEX_TABLE} WHERE recorded_at <= ?",
                (utc_text(known_at),),
            )
            row = c.fetchone()
        return int(row["p"] or 0)

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        facts = FACT_COLUMNS.format(recorded="i.recorded_at", effective="i.effective_at")
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, "
                f"{facts} FROM {self.events_table_name} e "
                f"LEFT JOIN {INDEX_TABLE} i ON i.notification_id = e.rowid "
                f"LEFT JOIN {CHAIN_TABLE} c ON c.notification_id = e.rowid "
                "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?",
                (gt, limit),
            )
            return [tuple(row) for row in c.fetchall()]

    def chain_extent(self) -> tuple[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) AS n, MAX(leaf_index) AS top FROM {CHAIN_TABLE}")
            row = c.fetchone()
        return int(row["n"]), int(-1 if row["top"] is None else row["top"]) + 1

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, leaf FROM {CHAIN_TABLE} WHERE leaf_index < ? "
                "ORDER BY leaf_index",
                (size,),
            )
            return [(row[0], bytes(row[1])) for row in c.fetchall()]

    def restore(self, links: Sequence[StoredLink]) -> None:
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
                [_index_values(x.event) for x in links if x.event.entity is not None],
            )
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?)",
                [(x.leaf_index, x.event.position, x.leaf, x.link) for x in links],
            )

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        where, params = _scoped_where(window, "?", utc_text)
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


class LedgerPostgresRecorder(PostgresApplicationRecorder, LedgerRecorder):
    """Appends a whole command in one statement: one round trip, one transaction.

    The server function locks the events table (EXCLUSIVE, as the library does) before it
    takes notification ids, and holds the lock until commit, so ids follow commit order and a
    reader tailing the log never passes a gap that fills in later.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        names = {
            "schema": schema,
            "events": Identifier(self.events_table_name),
            "index": Identifier(INDEX_TABLE),
            "commands": Identifier(COMMANDS_TABLE),
            "chain": Identifier(CHAIN_TABLE),
            "refuse": Identifier("parledger_refuse_change"),
            "event_type": Identifier(self.stored_event_type_name),
            "append": Identifier("parledger_append"),
            "channel": Identifier(self.channel_name),
            "index_recorded": Identifier(f"{INDEX_TABLE}_recorded"),
            "index_effective": Identifier(f"{INDEX_TABLE}_effective"),
            "index_entity": Identifier(f"{INDEX_TABLE}_entity"),
            "index_originator": Identifier(f"{INDEX_TABLE}_originator"),
            "index_actor": Identifier(f"{INDEX_TABLE}_actor"),
            "index_plan_position": Identifier(f"{INDEX_TABLE}_plan_position"),
            "index_plan_effective": Identifier(f"{INDEX_TABLE}_plan_effective"),
            "lock_timeout": SQL(str(int(self.datastore.lock_timeout or 10))),
        }
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{index} ("
                "notification_id bigint PRIMARY KEY, "
                "originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, "
                "entity text NOT NULL, "
                "event_type text NOT NULL, "
                "recorded_at timestamptz NOT NULL, "
                "effective_at timestamptz NOT NULL, "
                "actor_id text NOT NULL, "
                "plan text, actor_role text, actor_agency text)"
            ).format(**names),
            *(
                SQL(
                    "ALTER TABLE {schema}.{index} ADD COLUMN IF NOT EXISTS {column} " + kind
                ).format(column=Identifier(column), **names)
                for column, kind in _ADDED_COLUMNS
            ),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_originator} ON {schema}.{index} "
                "(originator_id, originator_version)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_actor} ON {schema}.{index} "
                "(actor_id, notification_id)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_plan_position} ON {schema}.{index} "
                "(plan, notification_id)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_plan_effective} ON {schema}.{index} "
                "(plan, effective_at)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_recorded} ON {schema}.{index} (recorded_at)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_effective} ON {schema}.{index} (effective_at)"
            ).format(**names),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index_entity} ON {schema}.{index} "
                "(entity, originator_version)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{commands} ("
                "key text PRIMARY KEY, fingerprint text NOT NULL, "
                "recorded_at timestamptz NOT NULL, result text NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "leaf_index bigint PRIMARY KEY, notification_id bigint NOT NULL UNIQUE, "
                "leaf bytea NOT NULL, link bytea NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{refuse}() RETURNS trigger "
                "LANGUAGE plpgsql AS $BODY$ BEGIN "
                "RAISE EXCEPTION 'parledger: % is append-only (% refused)', TG_TABLE_NAME, TG_OP "
                "USING ERRCODE = 'insufficient_privilege'; END; $BODY$"
            ).format(**names),
            *(
                statement.format(table=Identifier(table), **names)
                for table in (self.events_table_name, *APPEND_ONLY_TABLES)
                for statement in (
                    SQL(
                        "CREATE OR REPLACE TRIGGER parledger_no_change BEFORE UPDATE OR DELETE "
                        "ON {schema}.{table} FOR EACH ROW EXECUTE FUNCTION {schema}.{refuse}()"
                    ),
                    SQL(
                        "CREATE OR REPLACE TRIGGER parledger_no_truncate BEFORE TRUNCATE "
                        "ON {schema}.{table} FOR EACH STATEMENT "
                        "EXECUTE FUNCTION {schema}.{refuse}()"
                    ),
                    # ALWAYS: also under session_replication_role = replica.
                    SQL("ALTER TABLE {schema}.{table} ENABLE ALWAYS TRIGGER parledger_no_change"),
                    SQL("ALTER TABLE {schema}.{table} ENABLE ALWAYS TRIGGER parledger_no_truncate"),
                )
            ),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{append}("
                "events {schema}.{event_type}[], "
                "entities text[], event_types text[], recorded timestamptz[], "
                "effective timestamptz[], actors text[], plans text[], roles text[], "
                "actor_agencies text[], "
                "cmd_key text, cmd_fingerprint text, cmd_recorded timestamptz, cmd_result text, "
                "digests bytea[]) "
                # DEFINER: a service role may append through this function alone.
                "RETURNS SETOF bigint LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path = pg_catalog, pg_temp AS $BODY$ "
                "DECLARE ids bigint[]; head bigint; previous bytea; leaves bytea[]; "
                "links bytea[]; "
                "BEGIN "
                "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "  LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE; "
                "  IF cmd_key IS NOT NULL THEN "
                "    INSERT INTO {schema}.{commands} "
                "    VALUES (cmd_key, cmd_fingerprint, cmd_recorded, cmd_result); "
                "  END IF; "
                "  NOTIFY {channel}; "
                "  WITH inserted AS ("
                "    INSERT INTO {schema}.{events} "
                "    (originator_id, originator_version, topic, state) "
                "    SELECT e.originator_id, e.originator_version, e.topic, e.state "
                "    FROM unnest(events) WITH ORDINALITY AS e "
                "    ORDER BY ordinality "
                "    RETURNING notification_id) "
                "  SELECT array_agg(notification_id ORDER BY notification_id) INTO ids "
                "  FROM inserted; "
                "  IF entities IS NOT NULL THEN "
                "    INSERT INTO {schema}.{index} "
                "    SELECT ids[i], (events[i]).originator_id, (events[i]).originator_version, "
                "    entities[i], event_types[i], recorded[i], effective[i], actors[i], plans[i], "
                "    roles[i], actor_agencies[i] "
                "    FROM generate_subscripts(events, 1) AS i; "
                "  END IF; "
                # The links, in this transaction, under the lock: no event without its link.
                "  SELECT c.leaf_index, c.link INTO head, previous FROM {schema}.{chain} c "
                "  ORDER BY c.leaf_index DESC LIMIT 1; "
                "  IF NOT FOUND THEN head := -1; previous := decode(repeat('00', 32), 'hex'); "
                "  END IF; "
                "  FOR i IN 1 .. array_length(ids, 1) LOOP "
                "    leaves[i] := sha256(decode('00', 'hex') || int8send(ids[i]) || digests[i]); "
                "    previous := sha256(previous || leaves[i]); "
                "    links[i] := previous; "
                "  END LOOP; "
                "  INSERT INTO {schema}.{chain} "
                "  SELECT head + i, ids[i], leaves[i], links[i] "
                "  FROM generate_subscripts(ids, 1) AS i; "
                "  RETURN QUERY SELECT unnest(ids); "
                "END; $BODY$"
            ).format(**names),
        ]
        self.sql_append = SQL(
            "SELECT * FROM {schema}.{append}"
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(**names)

    def _digests(
        self, stored_events: Sequence[StoredEvent], rows: Sequence[IndexRow]
    ) -> list[bytes] | None:
        """The event digests the server function links (computed here, where the index
        facts are at hand, so both backends hash the same bytes)."""
        return [digest_of(e, rows[i] if rows else None) for i, e in enumerate(stored_events)]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self._append(stored_events, **kwargs)

    def _append(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        rows: Sequence[IndexRow] = kwargs.get("index_rows", ())
        command: CommandRow | None = kwargs.get("command")
        params = (
            events,
            [r.entity for r in rows] if rows else None,
            [r.event_type for r in rows] if rows else None,
            [r.recorded_at for r in rows] if rows else None,
            [r.effective_at for r in rows] if rows else None,
            [r.actor_id for r in rows] if rows else None,
            [r.plan for r in rows] if rows else None,
            [r.actor_role for r in rows] if rows else None,
            [r.actor_agency for r in rows] if rows else None,
            command.key if command else None,
            command.fingerprint if command else None,
            command.recorded_at if command else None,
            json.dumps(command.result, sort_keys=True) if command else None,
            self._digests(stored_events, rows),
        )
        try:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self.sql_append, params, prepare=True)
                return [row["parledger_append"] for row in curs.fetchall()]
        except IntegrityError as e:
            if command is not None and f"{COMMANDS_TABLE}_pkey" in str(e):
                raise IdempotencyKeyReused(str(e)) from e
            raise

    def get_command(self, key: str) -> CommandRow | None:
        statement = SQL("SELECT * FROM {schema}.{commands} WHERE key = %s").format(
            schema=Identifier(self.datastore.schema), commands=Identifier(COMMANDS_TABLE)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (key,), prepare=True)
            row = curs.fetchone()
        return None if row is None else _command_from_row(row)

    def select_index(self, *, gt: int = 0, limit: int = 1000) -> list[tuple[int, IndexRow]]:
        statement = SQL(
            "SELECT * FROM {schema}.{index} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), index=Identifier(INDEX_TABLE))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (gt, limit), prepare=True)
            return [_index_from_row(row, as_uuid=False) for row in curs.fetchall()]

    def select_filtered(
        self, where: IndexFilter, *, gt: int = 0, limit: int = 100, descending: bool = False
    ) -> list[tuple[int, IndexRow]]:
        clause, params = _filter_where(where, "%s", lambda t: t, lambda u: u)
        page, order = _page(gt, descending, "%s")
        statement = SQL(
            "SELECT * FROM {schema}.{index} WHERE "
            + clause
            + page
            + " ORDER BY notification_id "
            + order
            + " LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), index=Identifier(INDEX_TABLE))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (*params, *([gt] if page else []), limit))
            return [_index_from_row(row, as_uuid=False) for row in curs.fetchall()]

    def select_originators(self, entity: str) -> list[UUID]:
        statement = SQL(
            "SELECT originator_id FROM {schema}.{index} "
            "WHERE entity = %s AND originator_version = 1 ORDER BY notification_id"
        ).format(schema=Identifier(self.datastore.schema), index=Identifier(INDEX_TABLE))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (entity,), prepare=True)
            return [row["originator_id"] for row in curs.fetchall()]

    def position_at(self, known_at: datetime) -> int:
        statement = SQL(
            "SELECT MAX(notification_id) AS p FROM {schema}.{index} WHERE recorded_at <= %s"
        ).format(schema=Identifier(self.datastore.schema), index=Identifier(INDEX_TABLE))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (known_at,), prepare=True)
            row = curs.fetchone()
        return int(row["p"] or 0) if row else 0

    def _sql(self, text: str) -> Any:
        return SQL(text).format(
            schema=Identifier(self.datastore.schema),
            events=Identifier(self.events_table_name),
            index=Identifier(INDEX_TABLE),
            chain=Identifier(CHAIN_TABLE),
        )

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        facts = FACT_COLUMNS.format(
            recorded=PG_UTC.format("recorded_at"), effective=PG_UTC.format("effective_at")
        )
        statement = self._sql(
            "SELECT e.notification_id, replace(e.originator_id::text, '-', ''), "
            f"e.originator_version, e.topic, e.state, {facts} "
            "FROM {schema}.{events} e "
            "LEFT JOIN {schema}.{index} i ON i.notification_id = e.notification_id "
            "LEFT JOIN {schema}.{chain} c ON c.notification_id = e.notification_id "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        )
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, (gt, limit), prepare=True)
            return list(curs.fetchall())

    def chain_extent(self) -> tuple[int, int]:
        statement = self._sql("SELECT COUNT(*) AS n, MAX(leaf_index) AS top FROM {schema}.{chain}")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement)
            row = curs.fetchone()
        assert row is not None
        return int(row["n"]), int(-1 if row["top"] is None else row["top"]) + 1

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]:
        statement = self._sql(
            "SELECT notification_id, leaf FROM {schema}.{chain} WHERE leaf_index < %s "
            "ORDER BY leaf_index"
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (size,))
            return [(row["notification_id"], bytes(row["leaf"])) for row in curs.fetchall()]

    def restore(self, links: Sequence[StoredLink]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE"))
            curs.execute(self._sql("SELECT 1 FROM {schema}.{events} LIMIT 1"))
            if curs.fetchone() is not None:
                raise IntegrityError("restore needs an empty ledger")
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{events} (notification_id, originator_id, "
                    "originator_version, topic, state) VALUES (%s, %s, %s, %s, %s)"
                ),
                [
                    (
                        x.event.position,
                        x.event.originator_id,
                        x.event.originator_version,
                        x.event.topic,
                        x.event.state,
                    )
                    for x in links
                ],
            )
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{index} (notification_id, originator_id, "
                    "originator_version, entity, event_type, recorded_at, effective_at, "
                    "actor_id, plan, actor_role, actor_agency) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                [_index_values(x.event) for x in links if x.event.entity is not None],
            )
            curs.executemany(
                self._sql("INSERT INTO {schema}.{chain} VALUES (%s, %s, %s, %s)"),
                [(x.leaf_index, x.event.position, x.leaf, x.link) for x in links],
            )
            # The next append continues after the restored positions.
            curs.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"),
                (
                    f"{self.datastore.schema}.{self.events_table_name}",
                    max((x.event.position for x in links), default=1),
                ),
            )

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        where, params = _scoped_where(window, "%s")
        statement = SQL(
            "SELECT e.notification_id AS id, e.originator_id, e.originator_version, e.topic, "
            "e.state FROM {schema}.{index} i JOIN {schema}.{events} e "
            "ON e.notification_id = i.notification_id "
            "WHERE (i.plan = %s OR (i.plan IS NULL AND i.entity IN (%s, %s))) AND "
            + where
            + " ORDER BY i.notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            index=Identifier(INDEX_TABLE),
            events=Identifier(self.events_table_name),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (plan, *DIRECTORY_ENTITIES, *params), prepare=True)
            return [
                Notification(
                    id=row["id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
