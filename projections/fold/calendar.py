"""Calendar corrections: each day's recorded status is a register, so the calendar as known at
any position is the fold of the corrections recorded by then, in any order."""

from __future__ import annotations

from typing import Any

from domain.calendar import CALENDAR_SCOPE, CalendarYear
from projections.fold.core import FoldTable, LedgerState, Stamp, base, put

on = FoldTable("calendar", CalendarYear)


def _doc(state: LedgerState, e: Any, stamp: Stamp) -> dict[str, Any]:
    doc = base(state, "calendar", e, stamp)
    # Filed under the calendar's own scope: a plan's documents never load it.
    doc["plan"] = CALENDAR_SCOPE
    doc.setdefault("days", {"_s": {}})
    return doc


@on("Opened")
def _opened(state: LedgerState, e: Any, stamp: Stamp) -> None:
    _doc(state, e, stamp)["year"] = e.year


@on("DayCorrected")
def _day_corrected(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _doc(state, e, stamp)
    doc["year"] = e.day.year
    correction = {
        "working": e.working,
        "source": e.source,
        "reason": e.meta.reason,
        "actor": e.meta.actor.name,
        "position": stamp[1],
    }
    put(doc["days"], e.day.isoformat(), correction, stamp)
