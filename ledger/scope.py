"""Which unit a person acts for and which unit a plan belongs to: what ``ledger.access``
decides with, read from the ledger (an actor's unit is their agency's; a plan's is its own).
"""

from __future__ import annotations

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.errors import NotFound
from domain.task import Task
from domain.unit import Unit
from domain.values import Actor
from ledger import access
from ledger.core import LedgerCore

# A unit code no unit has: the unit of a person whose agency the ledger does not know, so
# that they manage and read no unit's plans rather than every unit's.
UNKNOWN_UNIT = "?"


def actor_unit(app: LedgerCore, actor: Actor) -> str | None:
    """The unit ``actor`` acts for: their agency's; None (national) without an agency."""
    if actor.agency is None:
        return None
    try:
        return app.get_agency(actor.agency).unit_code
    except NotFound:
        return UNKNOWN_UNIT


def plan_unit(app: LedgerCore, plan: str) -> str:
    return app.get_plan(plan).unit_code


def lineage(app: LedgerCore, unit_code: str) -> list[str]:
    """``unit_code`` and the units above it, nearest first (a commune, its province)."""
    found: list[str] = []
    current: str | None = unit_code
    while current is not None and current not in found:
        found.append(current)
        try:
            current = app.load(Unit, ids.unit_id(current), current).parent
        except NotFound:  # the legacy unit before units existed, or a unit named only
            current = None
    return found


def parties(app: LedgerCore, task: Task) -> access.TaskParties:
    """The agencies ``task`` names as lead and coordinating, its groups apart."""
    groups = set()
    for code in (*task.lead, *task.coordinating):
        try:
            if isinstance(app.require_agency(code, "agency"), AgencyGroup):
                groups.add(code)
        except NotFound:
            continue
    return access.TaskParties(
        number=task.number,
        lead=frozenset(task.lead) - groups,
        coordinating=frozenset(task.coordinating) - groups,
        groups=frozenset(groups),
    )


def require_plan_manager(app: LedgerCore, actor: Actor, plan: str) -> None:
    access.require_unit_manager(actor, actor_unit(app, actor), plan, plan_unit(app, plan))


def require_plan_reader(app: LedgerCore, actor: Actor, plan: str) -> None:
    """A unit's secretariat reads its own unit's plans and its communes' (see
    ``access.may_read_unit``); everyone else reads as before."""
    access.require_unit_reader(
        actor, actor_unit(app, actor), plan, lineage(app, plan_unit(app, plan))
    )


def is_agency(app: LedgerCore, code: str) -> bool:
    try:
        return isinstance(app.require_agency(code, "agency"), Agency)
    except NotFound:
        return False
