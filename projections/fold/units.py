"""Administrative units: name, level, parent and their lifecycle at its effective dates.

A unit's status is a register like an agency's, so the question "which units did province P
have on date D" is answered by the fold of the events effective by D, in any order.
"""

from __future__ import annotations

from typing import Any

from domain.unit import Unit
from projections.fold.core import FoldTable, LedgerState, Stamp, base, put

on = FoldTable("units", Unit)


@on("Established")
def _established(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "units", e, stamp)
    doc.update(code=e.unit_code, level=e.level)
    put(doc, "parent", e.parent, stamp)  # a register: a parent recorded later overwrites it
    put(doc, "name", e.name, stamp)
    put(doc, "status", {"state": "active", "on": stamp[0][:10], "successors": []}, stamp)


@on("ParentRecorded")
def _parent_recorded(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(base(state, "units", e, stamp), "parent", e.parent, stamp)


@on("Renamed")
def _renamed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(base(state, "units", e, stamp), "name", e.name, stamp)


def _ended(state: LedgerState, e: Any, stamp: Stamp, how: str, successors: list[str]) -> None:
    status = {"state": how, "on": stamp[0][:10], "successors": successors, "decision": e.decision}
    put(base(state, "units", e, stamp), "status", status, stamp)


@on("MergedInto")
def _merged(state: LedgerState, e: Any, stamp: Stamp) -> None:
    _ended(state, e, stamp, "merged", [e.successor])


@on("Split")
def _split(state: LedgerState, e: Any, stamp: Stamp) -> None:
    _ended(state, e, stamp, "split", list(e.successors))


@on("Dissolved")
def _dissolved(state: LedgerState, e: Any, stamp: Stamp) -> None:
    _ended(state, e, stamp, "dissolved", [])
