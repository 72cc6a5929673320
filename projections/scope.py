"""A plan's unit and its directory in a folded state: what the views count, so that a plan's
answers depend on its own unit's agencies only, whatever other units the ledger holds."""

from __future__ import annotations

from datetime import date

from domain.unit import LEGACY_UNIT
from projections.state import Doc, LedgerState


def plan_unit(state: LedgerState, plan: str) -> str:
    """The plan's unit (a plan of release 0.2 names none: the legacy unit's)."""
    doc = next((d for d in state.kind("plans").values() if d.get("plan") == plan), {})
    return str(doc.get("unit_code") or LEGACY_UNIT)


def active_on(doc: Doc, as_of: date) -> bool:
    """Whether an agency was active on ``as_of``: still active, or merged or dissolved later
    (the live views hold today's directory and are asked about any date)."""
    status = doc.get("status", {})
    if status.get("state") == "active":
        return True
    ended = status.get("on")
    return ended is not None and date.fromisoformat(ended) > as_of


def unit_agencies(state: LedgerState, unit: str, kinds: tuple[str, ...], as_of: date) -> set[str]:
    """The agencies of ``kinds`` in ``unit`` active on ``as_of``."""
    return {
        d["code"]
        for d in state.kind("agencies").values()
        if d.get("kind") in kinds and (d.get("unit") or LEGACY_UNIT) == unit and active_on(d, as_of)
    }


def withdrawn_by(register: Doc | None, as_of: date) -> bool:
    """Whether a withdrawal from the plan (the fold's ``withdrawal`` register) took effect by
    ``as_of``: an item withdrawn later was still in the plan on that date."""
    return register is not None and date.fromisoformat(register["on"]) <= as_of


def plan_areas(doc: Doc, as_of: date) -> list[Doc]:
    """The plan's areas (lĩnh vực) on ``as_of``: those a re-imported text withdrew left out."""
    withdrawn = doc.get("withdrawn_areas", {})
    return [a for a in doc.get("areas", []) if not withdrawn_by(withdrawn.get(a["code"]), as_of)]
