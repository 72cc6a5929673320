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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    StoredEvent,
)

from integrity.chain import (
    ChainedEvent,
    StoredLink,
    canonical,
    event_digest,
    link_from_row,
    utc_text,
)

INDEX_TABLE = "parledger_event_index"
COMMANDS_TABLE = "parledger_commands"
CHAIN_TABLE = "parledger_chain"
VERIFICATIONS_TABLE = "parledger_verifications"  # verify runs (migration 3, monitoring)
# Where PostgreSQL keeps tracking positions (the views' and the process applications'); SQLite
# keeps them in the library's ``tracking`` table.
PG_TRACKING_TABLE = "parledger_view_tracking"
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

    # Both times as the index stores them and the chain hashes them: written once per row
    # (SQLite stores the very text the digest covers).
    @cached_property
    def recorded_text(self) -> str:
        return utc_text(self.recorded_at)

    @cached_property
    def effective_text(self) -> str:
        return utc_text(self.effective_at)


@dataclass(frozen=True)
class CommandRow:
    """An idempotent command's key, the fingerprint of its input, and what it produced."""

    key: str
    fingerprint: str
    recorded_at: datetime
    result: dict[str, Any]


def part_of(key: str, parts: int) -> int:
    """The part (of ``parts``) that an originator (32 hex digits) belongs to: its id's last
    byte modulo ``parts``. Both recorders' ``select_event_rows`` compute the same in SQL."""
    return int(key[30:32], 16) % parts


class IdempotencyKeyReused(IntegrityError):
    """The idempotency key was stored already (by this command or by another)."""


class LedgerRecorder:
    """Queries both backends answer the same way."""

    def merkle_extent(self) -> int:
        """How many leaves the cache of subtree roots covers (``persistence/merkle.py``);
        creates the cache's table on first use."""
        raise NotImplementedError

    # -- what each backend supplies for the reads below ----------------------------------------

    def _read(self, template: str, params: Sequence[Any], prepare: bool | None = None) -> list[Any]:
        """The rows (by column name) of one read: ``template`` names the tables ``{index}``,
        ``{chain}`` and ``{commands}``, and each parameter ``{p}``."""
        raise NotImplementedError

    def _stamp(self, moment: datetime) -> Any:
        """A moment as the backend compares it with stored times."""
        raise NotImplementedError

    def _uid(self, uid: UUID) -> Any:
        """An id as the backend stores it."""
        raise NotImplementedError

    def _uuid(self, stored: Any) -> UUID:
        """An id as the backend gives it back."""
        raise NotImplementedError

    # -- the reads ------------------------------------------------------------------------------

    def get_command(self, key: str) -> CommandRow | None:
        rows = self._read("SELECT * FROM {commands} WHERE key = {p}", (key,), prepare=True)
        return command_from_row(rows[0]) if rows else None

    def insert_batch(
        self, members: Sequence[tuple[Sequence[StoredEvent], dict[str, Any]]]
    ) -> list[Sequence[int]]:
        """Several commands' events (each with its ``insert_events`` keyword arguments:
        index rows, command row) appended in one transaction, chain links in member order;
        the notification ids of each member. All or nothing: any member's error fails the
        whole batch."""
        raise NotImplementedError

    def select_index(self, *, gt: int = 0, limit: int = 1000) -> list[tuple[int, IndexRow]]:
        rows = self._read(
            "SELECT * FROM {index} WHERE notification_id > {p} ORDER BY notification_id LIMIT {p}",
            (gt, limit),
            prepare=True,
        )
        return [index_from_row(row, self._uuid) for row in rows]

    def select_originators(self, entity: str) -> list[UUID]:
        """Ids of every aggregate of one class, in order of creation."""
        rows = self._read(
            "SELECT originator_id FROM {index} "
            "WHERE entity = {p} AND originator_version = 1 ORDER BY notification_id",
            (entity,),
            prepare=True,
        )
        return [self._uuid(row["originator_id"]) for row in rows]

    def select_scopes(self, entities: Sequence[str]) -> list[str]:
        """The distinct index scopes (the ``plan`` column) that aggregates of ``entities``
        were registered under: for the directory, the units that have agencies or groups."""
        marks = ", ".join("{p}" for _ in entities)
        rows = self._read(
            f"SELECT DISTINCT plan FROM {{index}} WHERE entity IN ({marks}) "
            "AND originator_version = 1 AND plan IS NOT NULL",
            tuple(entities),
        )
        return sorted(str(row["plan"]) for row in rows)

    def select_existing(self, uids: Sequence[UUID]) -> set[UUID]:
        """Which of ``uids`` name a stored aggregate (one query for every 500 asked)."""
        found: set[UUID] = set()
        for start in range(0, len(uids), 500):  # within every backend's parameter limit
            chunk = uids[start : start + 500]
            marks = ", ".join("{p}" for _ in chunk)
            rows = self._read(
                "SELECT originator_id FROM {index} WHERE originator_version = 1 "
                f"AND originator_id IN ({marks})",
                tuple(self._uid(uid) for uid in chunk),
            )
            found |= {self._uuid(row["originator_id"]) for row in rows}
        return found

    def select_filtered(
        self, where: IndexFilter, *, gt: int = 0, limit: int = 100, descending: bool = False
    ) -> list[tuple[int, IndexRow]]:
        """Index rows matching ``where``, by position: after ``gt`` ascending, or before it
        (``gt`` 0 meaning the end) descending."""
        clause, params = filter_where(where, "{p}", self._stamp, self._uid)
        page, order = keyset_page(gt, descending, "{p}")
        rows = self._read(
            "SELECT * FROM {index} WHERE "
            + clause
            + page
            + " ORDER BY notification_id "
            + order
            + " LIMIT {p}",
            (*params, *([gt] if page else []), limit),
        )
        return [index_from_row(row, self._uuid) for row in rows]

    def position_at(self, known_at: datetime) -> int:
        """The last position recorded at or before ``known_at`` (0 before the first event)."""
        rows = self._read(
            "SELECT MAX(notification_id) AS p FROM {index} WHERE recorded_at <= {p}",
            (self._stamp(known_at),),
            prepare=True,
        )
        return int(rows[0]["p"] or 0) if rows else 0

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        """The events of one plan and of the agency directory inside ``window``, in order."""
        raise NotImplementedError

    def select_event_rows(
        self, start: int, stop: int, limit: int, part: tuple[int, int] | None = None
    ) -> list[Sequence[Any]]:
        """Stored events from position ``start`` to ``stop`` (both included), at most
        ``limit``, as plain rows (position, originator as 32 hex digits, version, topic,
        state): what the views' rebuild reads, without a library notification per row.
        With ``part`` ``(i, n)``, only the events of originators in part ``i`` of ``n``
        (:func:`part_of`), chosen by the database: a rebuild's worker reads only its own."""
        raise NotImplementedError

    def select_chained(self, *, gt: int = 0, limit: int = 5000) -> list[StoredLink]:
        """Events after position ``gt`` with their index facts and their stored link (``None``
        where a row is missing), in position order: what export and proofs read."""
        return [link_from_row(row) for row in self.select_chained_rows(gt=gt, limit=limit)]

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        """The same as plain rows (``CHAINED_FIELDS``; originator as 32 hex digits, times as
        UTC text): verification's fast path."""
        raise NotImplementedError

    def stream_chained_rows(self, batch: int = 20_000) -> Iterator[list[Sequence[Any]]]:
        """Every chained row in position order, in batches, from one statement on one cursor
        (one snapshot of the store): what ``verify`` reads."""
        raise NotImplementedError

    def chain_size(self) -> int:
        """Events linked into the chain, from one index lookup (``persistence/monitoring``)."""
        raise NotImplementedError

    def record_verification(self, ok: bool, events: int, position: int, seconds: float) -> None:
        """Keep the outcome of a full verification (``parledger_verifications``)."""
        raise NotImplementedError

    def last_verified(self) -> float | None:
        """When the last successful verification finished (seconds since the epoch)."""
        raise NotImplementedError

    def chain_extent(self) -> tuple[int, int]:
        """(number of links, highest leaf index + 1) of the chain table."""
        (row,) = self._read("SELECT COUNT(*) AS n, MAX(leaf_index) AS top FROM {chain}", ())
        return int(row["n"]), int(-1 if row["top"] is None else row["top"]) + 1

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]:
        """(position, leaf) of the first ``size`` links, in leaf order."""
        rows = self._read(
            "SELECT notification_id, leaf FROM {chain} WHERE leaf_index < {p} ORDER BY leaf_index",
            (size,),
        )
        return [(row["notification_id"], bytes(row["leaf"])) for row in rows]

    def restore(self, links: Sequence[StoredLink]) -> None:
        """Write exported events, index rows and links as they were (positions kept), in one
        transaction; only into an empty ledger."""
        raise NotImplementedError


def digest_of(stored: StoredEvent, row: IndexRow | None) -> bytes:
    """The event digest of an event about to be stored, from what will be stored."""
    facts: tuple[str | None, ...] = (
        (
            row.entity,
            row.event_type,
            row.recorded_text,
            row.effective_text,
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


def filter_where(f: IndexFilter, mark: str, stamp: Any, uid: Any) -> tuple[str, list[Any]]:
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


def command_from_row(row: Any) -> CommandRow:
    recorded_at = row["recorded_at"]
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    return CommandRow(
        key=row["key"],
        fingerprint=row["fingerprint"],
        recorded_at=recorded_at,
        result=json.loads(row["result"]),
    )


def scoped_where(
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


def keyset_page(gt: int, descending: bool, mark: str) -> tuple[str, str]:
    """The keyset clause of a page: after ``gt`` ascending, before it descending."""
    if descending:
        return ("" if gt == 0 else f" AND notification_id < {mark}"), "DESC"
    return f" AND notification_id > {mark}", "ASC"


def index_from_row(row: Any, uuid: Callable[[Any], UUID]) -> tuple[int, IndexRow]:
    def when(value: Any) -> datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    originator = row["originator_id"]
    return row["notification_id"], IndexRow(
        originator_id=uuid(originator),
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


def index_values(e: ChainedEvent) -> tuple[Any, ...]:
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
ADDED_COLUMNS = (("actor_role", "text"), ("actor_agency", "text"))

# The index table's own indexes, alike on both backends: (name after the table's, columns).
INDEX_KEYS = (
    ("recorded", "recorded_at"),
    ("plan_position", "plan, notification_id"),
    ("plan_effective", "plan, effective_at"),
    ("effective", "effective_at"),
    ("entity", "entity, originator_version"),
    ("originator", "originator_id, originator_version"),
    ("actor", "actor_id, notification_id"),
)
