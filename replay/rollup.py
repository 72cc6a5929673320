"""Roll-ups across units: a province (or the whole ledger) sees its units' plans side by side,
as of any date and as known at any time.

Each plan's figures come from its own replay (``replay.replay``, checkpoints and all), so a
roll-up says exactly what each plan's own answer says, and costs what those answers cost: the
plans of other units are never read. Every plan is replayed at one log position, so the figures
side by side are of one moment of the ledger's knowledge.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import IntegrityError

from domain import ids
from domain.errors import InvalidValue, NotFound
from domain.unit import LEGACY_UNIT, Unit
from domain.values import Actor
from ledger import access, scope
from ledger.application import ParLedger
from ledger.errors import Forbidden
from projections import live
from projections.audit import MAX_PAGE
from replay import replay
from replay.engine import position_known_at

# What ``UNIT`` names to roll up every unit's plans.
WHOLE_LEDGER = "all"
ATTAINMENT = ("met", "at_risk", "not_met", "no_data")
VIEWS = ("task_board", "target_attainment", "area_scores", "inspection_history")


@dataclass(frozen=True)
class PlanRef:
    plan: str
    unit: str
    year: int
    title: str


def _recorded(app: ParLedger, kind: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The fields ``names`` of every document of ``kind`` in the live view, brought up to the
    head of the log: one query, the fields read out of the documents by the database (a
    country's plans hold scores and reports that a roll-up or a list never reads)."""
    _caught_up(app)
    return [fields for _, fields in app.view.fields_of(kind, names)]


def _caught_up(app: ParLedger) -> None:
    """The live view brought up to the head of the log (by this process, or by another)."""
    with contextlib.suppress(IntegrityError):  # another process applied them first
        live.catch_up(app, app.view)


PLAN_LIST_FIELDS = ("plan", "title", "year", "version")


def plan_list(app: ParLedger) -> list[dict[str, Any]]:
    """Every plan's code (``plan``), title, year and version, in order of registration,
    where loading every plan's events cost a country's ledger seconds on every page that
    listed its plans."""
    order = {uid.hex: n for n, uid in enumerate(app.ledger_recorder.select_originators("Plan"))}
    _caught_up(app)
    found = [row for row in app.view.fields_of("plans", PLAN_LIST_FIELDS) if row[0] in order]
    return [fields for _, fields in sorted(found, key=lambda row: order[row[0]])]


def plans_in(app: ParLedger, unit: str) -> list[PlanRef]:
    """The plans of ``unit`` and of the units under it (every plan for the whole ledger),
    by unit then plan. A unit is under another by its parent as recorded today."""
    parents = {d["code"]: d.get("parent") for d in _recorded(app, "units", ("code", "parent"))}

    def under(own: str) -> bool:
        seen: set[str] = set()
        current: str | None = own
        while current is not None and current not in seen:
            if current == unit:
                return True
            seen.add(current)
            current = parents.get(current)
        return False

    found = [
        PlanRef(d["plan"], str(d.get("unit_code") or LEGACY_UNIT), int(d["year"]), d["title"])
        for d in _recorded(app, "plans", ("plan", "unit_code", "year", "title"))
    ]
    found = [p for p in found if unit == WHOLE_LEDGER or under(p.unit)]
    if not found and unit not in (WHOLE_LEDGER, LEGACY_UNIT) and unit not in parents:
        raise NotFound(f"không có đơn vị hành chính mã {unit!r}", field="unit")
    return sorted(found, key=lambda p: (p.unit, p.plan))


def readable_plans(app: ParLedger, actor: Actor) -> list[PlanRef]:
    """The plans ``actor`` may read (``access.may_read_unit``: a unit's secretariat those
    of its unit and of the units under it; the national roles every plan), the actor's own
    unit's first, then by unit and plan: what a page's plan menu offers, rather than a
    country's every plan."""
    own = scope.actor_unit(app, actor)
    try:
        if access.may_read_unit(actor, own, []):
            found = plans_in(app, WHOLE_LEDGER)
        else:
            found = plans_in(app, own) if own is not None else []
    except NotFound:  # a unit the ledger does not hold: nothing to read
        return []
    return sorted(found, key=lambda p: p.unit != own)  # stable: by unit and plan after


def _attainment(view: dict[str, Any]) -> dict[str, int]:
    counted = Counter(row["status"] for row in view["indicators"])
    return {status: counted.get(status, 0) for status in ATTAINMENT} | {
        "total": len(view["indicators"])
    }


def _tasks(board: dict[str, Any]) -> dict[str, int]:
    statuses: dict[str, int] = board["by_status"]
    return {
        "total": sum(n for s, n in statuses.items() if s != "cancelled"),
        "overdue": statuses.get("overdue", 0),
        "completed": statuses.get("completed_on_time", 0) + statuses.get("completed_late", 0),
    }


def _scores(view: dict[str, Any]) -> dict[str, Any]:
    """Totals against the target, and the areas whose latest score (appraised, else self-
    assessed) falls short of their target."""
    below = []
    for area in view["areas"]:
        score = area["appraised"] if area["appraised"] is not None else area["self_assessed"]
        if score is not None and Decimal(str(score)) < Decimal(str(area["target_score"])):
            below.append(area["area"])
    return {**view["total"], "areas_below_target": below}


def _coverage(view: dict[str, Any]) -> dict[str, str | None]:
    return {name: c["value"] for name, c in view["coverage"].items()}


def plan_summary(answer: dict[str, Any]) -> dict[str, Any]:
    """One plan's line of the roll-up, from its replayed views."""
    return {
        "attainment": _attainment(answer["target_attainment"]),
        "tasks": _tasks(answer["task_board"]),
        "scores": _scores(answer["area_scores"]),
        "coverage": _coverage(answer["inspection_history"]),
        "events": answer["replay"]["events"],
    }


def _totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    attainment: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    for line in lines:
        attainment.update(line["attainment"])
        tasks.update(line["tasks"])
    return {
        "plans": len(lines),
        "attainment": {k: attainment.get(k, 0) for k in (*ATTAINMENT, "total")},
        "tasks": {k: tasks.get(k, 0) for k in ("total", "overdue", "completed")},
        "plans_below_target": sum(bool(line["scores"]["areas_below_target"]) for line in lines),
    }


def rollup(
    app: ParLedger,
    unit: str,
    as_of: date,
    known_at: datetime | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """``unit``'s plans side by side as of ``as_of``, as known at ``known_at``. Plans that
    ``actor`` may not read (``scope.require_plan_reader``) are left out and counted; plans
    not yet in the ledger as of that knowledge are listed apart."""
    position = position_known_at(app, known_at)
    lines: list[dict[str, Any]] = []
    withheld = 0
    not_yet: list[str] = []
    for ref in plans_in(app, unit):
        if actor is not None and not _may_read(app, actor, ref.plan):
            withheld += 1
            continue
        try:
            answer = replay(app, ref.plan, as_of, known_at, VIEWS, position=position)
        except NotFound:
            not_yet.append(ref.plan)
            continue
        lines.append(
            {"plan": ref.plan, "unit": ref.unit, "year": ref.year, "title": ref.title}
            | plan_summary(answer)
        )
    return {
        "unit": unit,
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "position": position,
        "plans": lines,
        "totals": _totals(lines),
        "withheld": withheld,
        "not_yet": not_yet,
    }


def _may_read(app: ParLedger, actor: Actor, plan: str) -> bool:
    try:
        scope.require_plan_reader(app, actor, plan)
    except Forbidden:
        return False
    return True


def unit_name(app: ParLedger, unit: str) -> str:
    """What the roll-up calls ``unit`` for people."""
    if unit == WHOLE_LEDGER:
        return "toàn sổ cái"
    try:
        return str(app.load(Unit, ids.unit_id(unit), unit).name)
    except NotFound:
        return unit


def unit_choices(app: ParLedger, actor: Actor) -> list[tuple[str, str, int]]:
    """The units ``actor`` may see rolled up, as (code, name, depth), each after its parent:
    those whose plans they may read (``access.may_read_unit``: a unit's secretariat its own
    unit and the units under it), and the whole ledger first for whoever reads every unit."""
    docs = _recorded(app, "units", ("code", "name", "parent"))
    names = {d["code"]: str(d.get("name") or d["code"]) for d in docs}
    parents: dict[str, str | None] = {d["code"]: d.get("parent") for d in docs}
    for ref in plans_in(app, WHOLE_LEDGER):  # a plan's unit not recorded as one (release 0.2)
        names.setdefault(ref.unit, ref.unit)

    def chain(code: str) -> list[str]:
        found: list[str] = []
        current: str | None = code
        while current is not None and current not in found:
            found.append(current)
            current = parents.get(current)
        return found

    own = scope.actor_unit(app, actor)
    readable = [c for c in names if access.may_read_unit(actor, own, chain(c))]
    ordered = sorted(readable, key=lambda c: [names.get(u, u) for u in reversed(chain(c))])
    choices = [(c, names[c], len(chain(c)) - 1) for c in ordered]
    if access.may_read_unit(actor, own, []):
        choices.insert(0, (WHOLE_LEDGER, unit_name(app, WHOLE_LEDGER).capitalize(), 0))
    return choices


# What a listing shows of a unit's live-view document (its registers, not their stamps).
UNIT_FIELDS = ("code", "name", "level", "parent", "status", "version")


def list_units(
    app: ParLedger,
    *,
    level: str | None = None,
    parent: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The recorded units by code, as recorded today: of ``level``, directly under
    ``parent``, one page of ``limit`` after the code ``after`` (a keyset page: a unit added
    meanwhile never shifts the pages). ``next_cursor`` is the code to read on from."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"số dòng mỗi trang phải từ 1 đến {MAX_PAGE}", field="limit")
    docs = sorted(_recorded(app, "units", UNIT_FIELDS), key=lambda d: str(d["code"]))
    if parent is not None and not any(d["code"] == parent for d in docs):
        raise NotFound(f"không có đơn vị hành chính mã “{parent}”", field="parent")
    rows = [
        {key: d.get(key) for key in UNIT_FIELDS}
        for d in docs
        if (level is None or d.get("level") == level)
        and (parent is None or d.get("parent") == parent)
        and (after is None or str(d["code"]) > after)
    ]
    more = len(rows) > limit
    return {
        "items": rows[:limit],
        "next_cursor": rows[limit - 1]["code"] if more else None,
    }
