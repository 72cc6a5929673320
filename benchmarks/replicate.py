"""Copies of one commune's stored events for other communes, written through the recorder.

The national benchmark (``benchmarks/national.py``) needs millions of events shaped like a
commune's plan and its year of activity. Making each through the commands costs as much per
event as a served command; these copies cost a fraction of it. One commune (the template) is
made through the real commands; every other commune gets the template's events with the
commune's identity put in:

- the unit code (the template's ``p0-c0`` wherever it stands in a code: the plan id
  ``p0-c0-2023``, the unit's scope, the qualified agency codes ``p0-c0.phong-tu-phap``, the
  dossier codes), the parent province's code and the unit's name;
- the originator ids, derived from the new natural keys by each aggregate's own ``create_id``
  (uuid5 of ``plan:p3-c1-2023``, ``task:p3-c1-2023:1.2``, …), so the copies are found by id as
  the application finds them; an aggregate with a random id (an inspection) gets a uuid5 of the
  commune and the template's id;
- the recorded time (the event's ``timestamp`` and its index row): the time of copying, a
  microsecond apart, so the knowledge axis keeps following the log's order.

The events then go through ``insert_batch``, the recorder's own append: notification ids,
index rows and chain links are written exactly as for a command.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from domain.unit import unit_scope
from ledger.application import ParLedger
from persistence.records import IndexRow

# Ids of copied aggregates that have no natural key (``Aggregate.create_id`` is uuid4).
REPLICA_NAMESPACE = UUID("3b0f6c1e-9a57-5d42-8e61-2f4d7a9c0b13")
_TIMESTAMP = re.compile(rb'"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"\}')
_STAMP = b'"timestamp":{"_type_":"datetime_iso","_data_":"%s"}'
_HEX_ID = re.compile(rb"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Commune:
    """What differs between two communes' copies of the template."""

    unit: str  # the unit code, "p3-c1"
    province: str  # the parent unit's code, "p3"
    name: str  # the unit's name, "Xã số 1 tỉnh số 3"


def _json_text(text: str) -> bytes:
    """A string as the transcoder writes it inside the stored state (no ASCII escaping)."""
    return json.dumps(text, ensure_ascii=False).encode()


@dataclass(frozen=True)
class _Event:
    originator: UUID
    version: int
    topic: str
    parts: tuple[bytes | str, ...]  # state bytes, with slot names ("unit", …) between them
    recorded: datetime
    row: IndexRow


class Template:
    """The stored events of one commune (log positions ``after`` < p <= ``upto``), cut into
    pieces around what a copy changes."""

    def __init__(self, app: ParLedger, after: int, upto: int, commune: Commune) -> None:
        self.commune = commune
        self._code = re.compile(
            rb"(?<![0-9A-Za-z])" + re.escape(commune.unit.encode()) + rb"(?![0-9])"
        )
        slots = re.compile(
            b"|".join(
                [
                    _TIMESTAMP.pattern,
                    self._code.pattern,
                    re.escape(_json_text(commune.province)),
                    re.escape(_json_text(commune.name)),
                ]
            )
        )
        notifications = app.recorder.select_notifications(after + 1, upto - after, stop=upto)
        rows = dict(app.ledger_recorder.select_index(gt=after, limit=upto - after))
        self.events: list[_Event] = []
        for n in notifications:
            assert isinstance(n.originator_id, UUID)
            parts: list[bytes | str] = []
            recorded = None
            at = 0
            for found in slots.finditer(n.state):
                parts.append(n.state[at : found.start()])
                if found.group(1) is not None:
                    recorded = datetime.fromisoformat(found.group(1).decode())
                    parts.append("timestamp")
                elif found.group(0) == _json_text(commune.province):
                    parts.append("province")
                elif found.group(0) == _json_text(commune.name):
                    parts.append("name")
                else:
                    parts.append("unit")
                at = found.end()
            parts.append(n.state[at:])
            row = rows[n.id]
            assert recorded is not None and recorded == row.recorded_at
            self.events.append(
                _Event(n.originator_id, n.originator_version, n.topic, tuple(parts), recorded, row)
            )
        self.last = max(e.recorded for e in self.events)
        # The template's own ids must come out of the derivation unchanged (its natural
        # keys named right), and no state may name another aggregate by id (it is not moved).
        ids = {e.originator.hex.encode() for e in self.events}
        ids |= {str(e.originator).encode() for e in self.events}
        for e in self.events:
            if e.version == 1 and _natural(e.topic):
                assert self._originator(e, commune) == e.originator, e.topic
            assert not ids & set(
                _HEX_ID.findall(b"".join(p for p in e.parts if isinstance(p, bytes)))
            )

    def _values(self, commune: Commune) -> dict[str, bytes]:
        return {
            "unit": commune.unit.encode(),
            "province": _json_text(commune.province),
            "name": _json_text(commune.name),
        }

    @staticmethod
    def _state(e: _Event, values: dict[str, bytes], recorded: datetime) -> bytes:
        stamp = (
            b'"timestamp":{"_type_":"datetime_iso","_data_":"%s"}' % recorded.isoformat().encode()
        )
        return b"".join(
            p if isinstance(p, bytes) else stamp if p == "timestamp" else values[p] for p in e.parts
        )

    def _originator(self, e: _Event, commune: Commune) -> UUID:
        assert e.version == 1, "a template holds its aggregates whole"
        cls = _natural(e.topic)
        if cls is None:
            return uuid5(REPLICA_NAMESPACE, f"{commune.unit}:{e.originator.hex}")
        state = json.loads(self._state(e, self._values(commune), e.recorded))
        return UUID(str(cls.create_id(**{k: state[k] for k in _key_names(cls)})))

    def _text(self, value: str | None, commune: Commune) -> str | None:
        if value is None:
            return None
        if value == unit_scope(self.commune.unit):
            return unit_scope(commune.unit)
        return self._code.sub(commune.unit.encode(), value.encode()).decode()

    def copy(self, commune: Commune, start: datetime) -> tuple[list[StoredEvent], list[IndexRow]]:
        """The template's events as ``commune``'s, recorded a microsecond apart from ``start``
        on."""
        values = self._values(commune)
        ids: dict[UUID, UUID] = {}
        texts: dict[str | None, str | None] = {}
        stored: list[StoredEvent] = []
        rows: list[IndexRow] = []
        for offset, e in enumerate(self.events):
            if e.originator not in ids:
                ids[e.originator] = self._originator(e, commune)
            for text in (e.row.plan, e.row.actor_agency):
                if text not in texts:
                    texts[text] = self._text(text, commune)
            recorded = start + timedelta(microseconds=offset)
            originator = ids[e.originator]
            stored.append(
                StoredEvent(originator, e.version, e.topic, self._state(e, values, recorded))
            )
            rows.append(
                IndexRow(
                    originator_id=originator,
                    originator_version=e.version,
                    entity=e.row.entity,
                    event_type=e.row.event_type,
                    recorded_at=recorded,
                    effective_at=e.row.effective_at,
                    actor_id=e.row.actor_id,
                    plan=texts[e.row.plan],
                    actor_role=e.row.actor_role,
                    actor_agency=texts[e.row.actor_agency],
                )
            )
        return stored, rows


@cache
def _key_names(cls: type[Aggregate]) -> tuple[str, ...]:
    """The natural keys ``cls.create_id`` derives an id from."""
    return tuple(inspect.signature(cls.create_id).parameters)


def _natural(topic: str) -> type[Aggregate] | None:
    """The aggregate class of a created event's topic, if its ids come from natural keys."""
    cls = resolve_topic(topic.rsplit(".", 1)[0])
    assert inspect.isclass(cls) and issubclass(cls, Aggregate)
    return cls if cls.create_id is not Aggregate.create_id else None


class Replicator:
    """Appends copies of a template, many communes to a transaction."""

    def __init__(self, app: ParLedger, template: Template) -> None:
        self.app = app
        self.template = template

    def append(self, communes: Sequence[Commune]) -> None:
        members: list[tuple[Sequence[StoredEvent], dict[str, Any]]] = []
        span = timedelta(microseconds=len(self.template.events))
        head = self.app.ledger_recorder.select_index(
            gt=int(self.app.recorder.max_notification_id() or 1) - 1, limit=1
        )
        clock = head[0][1].recorded_at if head else self.template.last
        for commune in communes:
            # Recorded after everything before it and, the clock allowing, not after now:
            # the knowledge axis follows the log, and a command made next comes after it.
            start = max(datetime.now(UTC) - span, clock + timedelta(microseconds=1))
            stored, rows = self.template.copy(commune, start)
            clock = start + span
            members.append((stored, {"index_rows": rows}))
        if members:
            self.app.ledger_recorder.insert_batch(members)
