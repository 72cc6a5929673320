"""The agency directory: agencies with their names and status over time, and group names."""

from __future__ import annotations

from typing import Any

from domain.agency import Agency, AgencyGroup
from domain.unit import LEGACY_UNIT
from projections.fold.core import FoldTable, LedgerState, Stamp, base, put

on_agency = FoldTable("agencies", Agency)
on_group = FoldTable("groups", AgencyGroup)


@on_agency("Registered")
def _agency_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "agencies", e, stamp)
    doc.update(code=e.agency_code, kind=e.kind, aliases=list(e.aliases))
    doc["unit"] = e.unit or LEGACY_UNIT  # release 0.2's agencies name none: the legacy unit
    put(doc, "name", e.name, stamp)
    put(doc, "status", {"state": "active", "on": stamp[0][:10], "successor": None}, stamp)


@on_agency("Renamed")
def _agency_renamed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(base(state, "agencies", e, stamp), "name", e.name, stamp)


@on_agency("Merged")
def _agency_merged(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "merged", "on": stamp[0][:10], "successor": e.successor}
    put(base(state, "agencies", e, stamp), "status", status, stamp)


@on_agency("Dissolved")
def _agency_dissolved(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "dissolved", "on": stamp[0][:10], "successor": None}
    put(base(state, "agencies", e, stamp), "status", status, stamp)


@on_group("Registered")
def _group_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "groups", e, stamp)
    doc.update(code=e.group_code, name=e.name, kinds=list(e.kinds), aliases=list(e.aliases))
