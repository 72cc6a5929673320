"""The audit trail and entity timelines: every event as a row with who, when on both axes,
what changed field by field, and why.

Which events: the event index, written in the same transaction as the events, answers the
filters (entity, actor, actor's agency and role, event type, plan, a range on either time
axis, what was known at a position) with one indexed query and keyset pages, so a page costs
the same at any depth of the ledger. What changed: the page's aggregates are folded once each,
up to the newest version the page shows, by the same ``fold_history`` that serves
``parledger history``; so a row's before → after is the aggregate's state, not a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidValue
from domain.field_names import field_vn
from ledger.application import ParLedger
from ledger.refs import ENTITY_OF_KIND, parse_ref, ref_of
from persistence.records import IndexFilter, IndexRow, LedgerRecorder
from projections.history import HistoryEntry, fold_history
from projections.state import fold

MAX_PAGE = 500


def audit_filter(
    *,
    plan: str | None = None,
    entity: str | None = None,
    kind: str | None = None,
    event_type: str | None = None,
    actor: str | None = None,
    agency: str | None = None,
    role: str | None = None,
    recorded_from: datetime | None = None,
    recorded_to: datetime | None = None,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
    upto: int | None = None,
) -> IndexFilter:
    """The index filter for what a user asked, in their words (CLI, API and pages)."""
    entity_class = None
    if kind is not None:
        if kind not in ENTITY_OF_KIND:
            raise InvalidValue(
                f"loại thực thể {kind!r} không có; chọn một trong {sorted(ENTITY_OF_KIND)}",
                field="kind",
            )
        entity_class = ENTITY_OF_KIND[kind]
    if event_type is not None and "." in event_type:
        prefix, _, event_type = event_type.rpartition(".")
        entity_class = entity_class or prefix
    for name, low, high in (
        ("recorded", recorded_from, recorded_to),
        ("effective", effective_from, effective_to),
    ):
        if low is not None and high is not None and low > high:
            raise InvalidValue(f"{field_vn(name)}: điểm đầu của khoảng sau điểm cuối", field=name)
    return IndexFilter(
        plan=plan,
        originator_id=parse_ref(entity) if entity else None,
        entity=entity_class,
        event_type=event_type,
        actor_id=actor,
        actor_agency=agency,
        actor_role=role,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        effective_from=effective_from,
        effective_to=effective_to,
        upto=upto,
    )


@dataclass(frozen=True)
class AuditRow:
    position: int
    entity: str  # the reference a user types: task:cat-hai-2023:1.c
    entity_kind: str
    entity_id: UUID
    event: HistoryEntry

    @property
    def backdated(self) -> bool:
        """Recorded more than a day after it took effect (a late entry)."""
        return (self.event.recorded_at - self.event.effective_at).total_seconds() > 86_400


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    next_cursor: int | None  # pass as ``cursor`` for the next page; None at the end


def _rows(app: ParLedger, found: Sequence[tuple[int, IndexRow]]) -> list[AuditRow]:
    """Fold each aggregate of the page once, up to its newest version on the page."""
    newest: dict[UUID, int] = {}
    for _, index in found:
        uid = UUID(str(index.originator_id))
        newest[uid] = max(newest.get(uid, 0), index.originator_version)
    folded: dict[UUID, tuple[str, dict[int, HistoryEntry]]] = {}
    for uid, version in newest.items():
        events: list[Any] = list(app.events.get(uid, lte=version))
        aggregate: Any = None
        for event in events:
            aggregate = event.mutate(aggregate)
        folded[uid] = (
            ref_of(aggregate) if aggregate is not None else str(uid),
            {entry.version: entry for entry in fold_history(events)},
        )
    rows = []
    for position, index in found:
        uid = UUID(str(index.originator_id))
        ref, entries = folded[uid]
        rows.append(
            AuditRow(
                position=position,
                entity=ref,
                entity_kind=index.entity,
                entity_id=uid,
                event=entries[index.originator_version],
            )
        )
    return rows


def audit_trail(
    app: ParLedger,
    where: IndexFilter,
    *,
    cursor: int = 0,
    limit: int = 100,
    newest_first: bool = False,
) -> AuditPage:
    """One page of the audit trail; ``cursor`` is the position the previous page ended on."""
    recorder = app.recorder
    assert isinstance(recorder, LedgerRecorder)
    limit = max(1, min(limit, MAX_PAGE))
    found = recorder.select_filtered(where, gt=cursor, limit=limit + 1, descending=newest_first)
    more = len(found) > limit
    found = found[:limit]
    rows = _rows(app, found)
    return AuditPage(rows=rows, next_cursor=found[-1][0] if more and found else None)


def iter_audit(app: ParLedger, where: IndexFilter, page: int = 500) -> Iterable[AuditRow]:
    """Every matching row, page by page (for exports)."""
    cursor = 0
    while True:
        result = audit_trail(app, where, cursor=cursor, limit=page)
        yield from result.rows
        if result.next_cursor is None:
            return
        cursor = result.next_cursor


@dataclass(frozen=True)
class Timeline:
    entity: str
    entity_id: UUID
    as_of: datetime | None
    known_at_position: int | None
    entries: list[AuditRow]  # by effective time, then position
    state: dict[str, Any]  # the entity as of ``as_of``, as known at the position


def timeline(
    app: ParLedger,
    entity_id: UUID,
    *,
    as_of: datetime | None = None,
    upto: int | None = None,
) -> Timeline:
    """An entity's events on the valid-time axis, limited to those effective by ``as_of`` and
    known at position ``upto``; its state is the projections' own fold of the same events."""
    recorder = app.recorder
    assert isinstance(recorder, LedgerRecorder)
    where = IndexFilter(originator_id=entity_id, upto=upto, effective_to=as_of)
    found: list[tuple[int, IndexRow]] = []
    cursor = 0
    while batch := recorder.select_filtered(where, gt=cursor, limit=MAX_PAGE):
        found += batch
        cursor = batch[-1][0]
    rows = _rows(app, found)
    kept = {position for position, _ in found}
    events = app.events.get(entity_id, lte=found[-1][1].originator_version) if found else []
    by_version = {index.originator_version: position for position, index in found}
    folded = fold(
        (by_version[e.originator_version], e)
        for e in events
        if by_version.get(e.originator_version) in kept
    )
    doc = next((docs[entity_id.hex] for docs in folded.docs.values() if entity_id.hex in docs), {})
    return Timeline(
        entity=rows[0].entity if rows else str(entity_id),
        entity_id=entity_id,
        as_of=as_of,
        known_at_position=upto,
        entries=sorted(rows, key=lambda r: (r.event.effective_at, r.position)),
        state={k: v for k, v in doc.items() if k != "_s"},
    )
