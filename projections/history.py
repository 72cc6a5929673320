"""An entity's history: each event with who, when (both axes), why, and field-level
before → after. A pure fold over the entity's events, shared by the CLI, the API and replay."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.values import EventMeta

_HIDDEN = {"token_sha256"}  # never shown, even to auditors


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event_type: str
    recorded_at: datetime
    effective_at: datetime
    actor_id: str
    actor_name: str
    actor_role: str
    actor_agency: str | None
    reason: str | None
    request_id: str | None
    source: str
    changes: tuple[FieldChange, ...]


def state_of(aggregate: Any) -> dict[str, Any]:
    """The public state of an aggregate, as plain data."""
    if aggregate is None:
        return {}
    return {
        k: copy.deepcopy(v)
        for k, v in vars(aggregate).items()
        if not k.startswith("_") and k not in _HIDDEN
    }


def _diff(before: Any, after: Any, path: str) -> list[FieldChange]:
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in sorted(set(before) | set(after), key=str):
            changes += _diff(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return changes
    return [FieldChange(field=path, before=before, after=after)]


def fold_history(events: Iterable[Any]) -> list[HistoryEntry]:
    """Replay ``events`` of one aggregate, recording what each changed."""
    aggregate: Any = None
    entries: list[HistoryEntry] = []
    for event in events:
        before = state_of(aggregate)
        aggregate = event.mutate(aggregate)
        after = state_of(aggregate)
        meta: EventMeta = event.meta
        entries.append(
            HistoryEntry(
                version=event.originator_version,
                event_type=type(event).__qualname__.split(".")[-1],
                recorded_at=event.timestamp,
                effective_at=meta.effective_at,
                actor_id=meta.actor.id,
                actor_name=meta.actor.name,
                actor_role=meta.actor.role.value,
                actor_agency=meta.actor.agency,
                reason=meta.reason,
                request_id=meta.request_id,
                source=meta.source.value,
                changes=tuple(_diff(before, after, "")),
            )
        )
    return entries
