"""Which unit a person acts for and which unit a plan belongs to: what ``ledger.access``
decides with, read from the ledger (an actor's unit is their agency's; a plan's is its own).
"""

from __future__ import annotations

from datetime import date

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.errors import InvalidValue, NotFound
from domain.plan import Plan
from domain.task import Task
from domain.unit import Unit
from domain.values import Actor, Role
from ledger import access
from ledger.core import LedgerCore
from ledger.errors import Forbidden
from rules.scoring import ScoringRules, lookup, packaged, scope_of

# A unit code no unit has: the unit of a person whose agency the ledger does not know, so
# that they manage and read no unit's plans rather than every unit's.
UNKNOWN_UNIT = "?"


def actor_unit(app: LedgerCore, actor: Actor) -> str | None:
    """The unit ``actor`` acts for: their agency's; None (national) without an agency."""
    if actor.agency is None:
        return None
    try:
        return app.peek(Agency, ids.agency_id(actor.agency), actor.agency).unit_code
    except NotFound:
        return UNKNOWN_UNIT


def plan_unit(app: LedgerCore, plan: str) -> str:
    # Read from the cached plan: copying the whole plan to read one field was a third of a
    # task command's work.
    return app.peek(Plan, ids.plan_id(plan), f"kế hoạch {plan}").unit_code


def lineage(app: LedgerCore, unit_code: str) -> list[str]:
    """``unit_code`` and the units above it, nearest first (a commune, its province)."""
    found: list[str] = []
    current: str | None = unit_code
    while current is not None and current not in found:
        found.append(current)
        try:
            current = app.peek(Unit, ids.unit_id(current), current).parent
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


# Sub-items are lettered as plans letter them: a) b) c) … đ) (``planfile.appendix``).
SUB_ITEM_LETTERS = "abcdđefghijklmnopqrstuvwxyz"


def sub_items(app: LedgerCore, task: Task) -> list[str]:
    """The numbers of ``task``'s sub-items: only a top-level task without a lead or a due date
    of its own can be a heading (the plan file gives a heading neither lead, time nor
    product, and nothing may give it one), so the others cost no look-up."""
    if task.parent is not None or task.due is not None or task.lead:
        return []
    numbers = (f"{task.number}.{letter}" for letter in SUB_ITEM_LETTERS)
    return [n for n in numbers if app.exists(ids.task_id(task.plan, n))]


def require_plan_manager(app: LedgerCore, actor: Actor, plan: str) -> None:
    access.require_unit_manager(actor, plan, lambda: (actor_unit(app, actor), plan_unit(app, plan)))


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


# Who acts, as a denial names them.
_WHO = {
    Role.SECRETARIAT: "bộ phận thường trực CCHC",
    Role.INSPECTOR: "người kiểm tra",
    Role.AGENCY_OFFICER: "cán bộ",
}


def require_plan_actor(
    app: LedgerCore, actor: Actor, plan: str, action: str, unit: str | None = None
) -> None:
    """Whoever records a plan's figures, scores, reports, inspections or late dossiers does
    so within their own unit's plans only (a province reads its communes' plans, it does not
    write them). Administrators, and people without an agency (national), act on any plan;
    the role itself is checked by the caller (``access.require``). ``unit``: the plan's,
    when the caller has the plan loaded."""
    if actor.role is Role.ADMIN or actor.agency is None:
        return
    own = actor_unit(app, actor)
    unit = unit or plan_unit(app, plan)
    if own == unit:
        return
    who = _WHO.get(actor.role, f"vai trò {actor.role.value}")
    shown = "(không rõ)" if own in (None, UNKNOWN_UNIT) else own
    raise Forbidden(
        f"{who} của đơn vị {shown} chỉ được {action} trong kế hoạch của đơn vị mình; "
        f"kế hoạch {plan} thuộc đơn vị {unit}",
        field="plan",
    )


def require_agency_of_plan(
    app: LedgerCore, agency_code: str, plan: str, unit: str | None = None
) -> None:
    """An agency a plan's inspection or late dossier names must be one of the plan's own
    unit's (a district's plan does not inspect another unit's commune): a user's mistake,
    told as one."""
    found = app.require_agency(agency_code, "agency")
    if not isinstance(found, Agency):
        return  # groups are refused, or not, by the caller's own rule
    unit = unit or plan_unit(app, plan)
    if found.unit_code != unit:
        raise InvalidValue(
            f"cơ quan {agency_code} thuộc đơn vị {found.unit_code}, không thuộc đơn vị {unit} "
            f"của kế hoạch {plan}",
            field="agency",
        )


def scoring_rules(app: LedgerCore, plan: Plan, known_on: date | None = None) -> ScoringRules:
    """The PAR Index rules that score ``plan``: its unit's level and province, its year."""
    chain: list[tuple[str, str | None]] = []
    for unit_code in lineage(app, plan.unit_code):
        try:
            chain.append((unit_code, app.load(Unit, ids.unit_id(unit_code), unit_code).level))
        except NotFound:
            chain.append((unit_code, None))
    level, province = scope_of(chain)
    if level is None:
        raise NotFound(
            f"chưa biết cấp của đơn vị {plan.unit_code} để chọn bộ chỉ số CCHC", field="plan"
        )
    year = int(plan.fields["year"])
    try:
        return lookup(level, year, province=province, known_on=known_on)
    except NotFound:
        # Refused: said again with the provinces by their names, as the ledger records them.
        codes = {province, *(r.province for r in packaged())} - {None}
        names = {code: _unit_name(app, code) for code in sorted(c for c in codes if c)}
        found = {code: name for code, name in names.items() if name is not None}
        return lookup(level, year, province=province, known_on=known_on, names=found)


def _unit_name(app: LedgerCore, unit_code: str) -> str | None:
    try:
        return str(app.load(Unit, ids.unit_id(unit_code), unit_code).name)
    except NotFound:
        return None


def require_plan_scorer(app: LedgerCore, actor: Actor, plan: Plan, kind: str) -> None:
    """A unit scores itself (tự đánh giá) within its own plans; an appraisal (thẩm định) is
    recorded by the plan's unit (transcribing the published result) or a unit above it (the
    province's secretariat that appraised it)."""
    if kind != "appraised" or actor.role is Role.ADMIN or actor.agency is None:
        require_plan_actor(app, actor, plan.code, "ghi điểm tiêu chí", plan.unit_code)
        return
    if actor_unit(app, actor) not in lineage(app, plan.unit_code):
        require_plan_actor(app, actor, plan.code, "ghi điểm thẩm định", plan.unit_code)
