"""The working-day calendar as the ledger knew it: the packaged calendar
(``rules.calendar.civil_service_calendar``) with the corrections recorded up to a position.

This is the one place an answer computed on the calendar gets its calendar from. Its version
names the packaged data and the position of the last correction it includes, so the same
question asked later, at the same position, gets the same calendar (a correction recorded
since changes the answers from that position on, never before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.calendar import CALENDAR_SCOPE
from ledger.application import ParLedger
from persistence.records import Window
from projections.rows import RowDecoder
from projections.state import LedgerState, fold
from replay.engine import position_known_at
from rules.calendar import DayRule, WorkingCalendar, civil_service_calendar


@dataclass(frozen=True)
class Correction:
    """A recorded correction as the calendar pages and the API show it."""

    day: date
    working: bool
    reason: str
    source: str
    actor: str
    position: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "working": self.working,
            "reason": self.reason,
            "source": self.source,
            "actor": self.actor,
            "position": self.position,
        }


def corrections_known_at(app: ParLedger, position: int) -> list[Correction]:
    """The corrections recorded at or before ``position``, the one in force for each day
    (the fold's register: the latest by effective time, then position), in day order."""
    notifications = app.ledger_recorder.select_scoped(
        CALENDAR_SCOPE, Window(after=0, upto=position)
    )
    state = fold(RowDecoder(app.mapper).rows(notifications))
    return corrections_of(state)


def corrections_of(state: LedgerState) -> list[Correction]:
    found = [
        Correction(
            day=date.fromisoformat(key),
            working=bool(held["working"]),
            reason=str(held["reason"] or ""),
            source=str(held["source"]),
            actor=str(held["actor"]),
            position=int(held["position"]),
        )
        for doc in state.kind("calendar").values()
        for key, held in doc.get("days", {}).items()
        if key != "_s"
    ]
    return sorted(found, key=lambda c: c.day)


def with_corrections(corrections: list[Correction]) -> WorkingCalendar:
    """The packaged calendar with ``corrections`` on top; without any, the packaged one."""
    base = civil_service_calendar()
    if not corrections:
        return base
    rules = [DayRule(c.day, c.working, c.reason, c.source) for c in corrections]
    # Named by the last correction it includes, not the position asked: every position between
    # two corrections has the same calendar, and so the same version.
    return base.with_rules(rules, label=f"ledger@{max(c.position for c in corrections)}")


def calendar_at(
    app: ParLedger, *, position: int | None = None, known_at: datetime | None = None
) -> WorkingCalendar:
    """The calendar as known at ``position`` (or at the moment ``known_at``; default: now)."""
    upto = position if position is not None else position_known_at(app, known_at)
    return with_corrections(corrections_known_at(app, upto))
