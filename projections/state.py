"""The ledger's state as a pure fold of its events: one function serves live views and replay.

Every fact the fold keeps is a register stamped with its event's (effective time, position),
and a register takes a new value only from a stamp at least as late as its own. Applying a set
of events therefore gives the same state in any order, which is what makes these equal by
construction (and the property tests check it):

- a live view (events in the order they were recorded) and a replay of the same events;
- a checkpoint plus the events after it, and a replay from nothing;
- "as of valid date D, as known at time K": the fold of the events recorded by K whose
  effective time is on or before D. A backdated event (recorded today, effective in June)
  joins June's answer for every K after today, and no answer for a K before it.

The state is plain JSON data (strings, numbers, lists, dicts), so it persists as it is in the
live view tables and in checkpoints, and two backends give byte-identical states.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.user import User
from projections.fold import (
    agencies,
    calendar,
    dossiers,
    inspections,
    obligations,
    plans,
    targets,
    tasks,
    units,
)
from projections.fold.core import Doc, FoldTable, Handler, LedgerState, Stamp, event_class, plain
from projections.rows import UTC_TEXTS, EventRow, class_of, effective_utc

__all__ = [
    "FOLDS",
    "NOT_IN_VIEWS",
    "Doc",
    "LedgerState",
    "Stamp",
    "apply",
    "apply_one",
    "fold",
    "plain",
]

TABLES: tuple[FoldTable, ...] = (
    tasks.on,
    targets.on,
    plans.on,
    agencies.on_agency,
    agencies.on_group,
    inspections.on,
    dossiers.on,
    units.on,
    calendar.on,
    obligations.on,
)

# Event class -> (kind of document it changes, the function folding it in).
FOLDS: dict[type[Any], tuple[str, Handler]] = {
    cls: (table.kind, handler) for table in TABLES for cls, handler in table.handlers.items()
}

# Event classes that deliberately change no view, each with the reason; every other domain
# event class must be in FOLDS (tests/unit/test_fold_coverage.py checks both ways).
NOT_IN_VIEWS: dict[type[Any], str] = {
    event_class(User, "Registered"): "users are principals, not plan data; the audit trail "
    "shows their events from the event index",
    event_class(User, "Revoked"): "a revoked token changes who may act, not what a plan holds",
    event_class(User, "PasswordSet"): "sign-in secrets are not plan data; the audit trail "
    "shows who set or reset a password, never the password",
    event_class(User, "LockedOut"): "a locked sign-in is a security record, not plan data",
    event_class(User, "RoleChanged"): "who may act is not what a plan holds; the users page "
    "reads roles from the user aggregates",
}


def kind_of(event: Any) -> str | None:
    """The kind of document ``event`` changes, or None for events no view shows."""
    found = FOLDS.get(class_of(event))
    return None if found is None else found[0]


def event_name(event: Any) -> str:
    """ "Task.ProgressReported": the name users and API clients see for an event's class."""
    return ".".join(class_of(event).__qualname__.split(".")[-2:])


def apply(state: LedgerState, event: Any, position: int) -> list[tuple[str, str]]:
    """Fold one event in (a library event or an ``EventRow``); returns the documents it
    touched as (kind, key)."""
    changed = apply_one(state, event, position)
    return [] if changed is None else [changed]


def apply_one(state: LedgerState, event: Any, position: int) -> tuple[str, str] | None:
    """:func:`apply`, returning the one document the event touched (None for events no view
    shows): what the rebuild calls once per event."""
    if position > state.position:
        state.position = position
    state.count += 1
    # class_of, key_of and effective_utc's memo inlined: this runs once per event of every
    # rebuild and replay.
    if type(event) is EventRow:
        fields = event.__dict__
        found = FOLDS.get(fields["_event_class"])
        if found is None:
            return None  # NOT_IN_VIEWS: users, which no view shows
        at = UTC_TEXTS.get(fields.get("_at"))  # type: ignore[arg-type]
        key = fields["_key"]
    else:
        found = FOLDS.get(type(event))
        if found is None:
            return None
        at, key = None, event.originator_id.hex
    kind, handler = found
    handler(state, event, [at or effective_utc(event), position])
    return kind, key


def fold(events: Iterable[tuple[int, Any]], state: LedgerState | None = None) -> LedgerState:
    state = state or LedgerState()
    for position, event in events:
        apply_one(state, event, position)
    return state
