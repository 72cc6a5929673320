"""A ledger of several plans, on both backends: one plan's tasks and targets are read through
that plan's own index rows (never every plan's aggregates), and the list of plans (GET /plans,
every page's plan menu, the CLI's default plan) comes from the live view, in order of
registration and as of the last change."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from domain.errors import NotFound
from domain.target import Target
from domain.task import Task
from domain.values import Actor, Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.views import plan_overview, plan_targets, plan_tasks
from planfile.bundled import bundled_plan
from planfile.parser import parse_plan_text
from planfile.schema import PlanFile
from replay.obligations import plan_codes
from replay.rollup import plan_list, readable_plans
from tests.conftest import ADMIN, ctx

PLANS = Path(__file__).resolve().parents[1] / "plans"


@pytest.fixture
def plans(app: ParLedger) -> list[PlanFile]:
    """Three plans of three units, imported in this order."""
    found = [
        bundled_plan("cat-hai-2023"),
        parse_plan_text(PLANS / "xa-tan-lap-2025.txt"),
        parse_plan_text(PLANS / "huyen-an-lao-2024.txt"),
    ]
    for plan in found:
        import_plan(app, plan, ctx())
    return found


def test_a_plans_tasks_targets_and_directory_are_its_own_and_all_of_them(
    app: ParLedger, plans: list[PlanFile]
) -> None:
    recorder = app.ledger_recorder
    for cls in (Task, Target):
        scoped = [[m.id for m in app.plan_members(p.id, cls)] for p in plans]
        # Every aggregate of the class falls in exactly one plan.
        assert sorted(uid for uids in scoped for uid in uids) == sorted(
            recorder.select_originators(cls.__name__)
        )
    for plan in plans:
        assert sorted(t.number for t in plan_tasks(app, plan.id)) == sorted(
            t.number for t in plan.tasks
        )
        assert [t.number for t in plan_targets(app, plan.id)] == sorted(
            t.number for t in plan.targets
        )
        overview = plan_overview(app, plan.id)
        assert {t["number"] for t in overview["tasks"]} == {t.number for t in plan.tasks}
    assert app.plan_members("khong-co-2023", Task) == []
    # A unit's directory, read from its own scope, is the whole directory's share of it.
    every = app.directory()
    units = {a.unit_code for a in every}
    assert len(units) == len(plans)
    for unit in units:
        assert sorted(a.code for a in app.directory(unit)) == sorted(
            a.code for a in every if a.unit_code == unit
        )
        assert app.directory(unit)


def test_the_list_of_plans_is_in_order_of_registration_and_current(
    app: ParLedger, plans: list[PlanFile]
) -> None:
    listed = plan_list(app)
    assert [d["plan"] for d in listed] == [p.id for p in plans] == plan_codes(app)
    assert [(d["title"], d["year"]) for d in listed] == [(p.title, p.year) for p in plans]
    # Read again after a plan's title changed: the list says the new one, at its version.
    first = plans[0]
    before = next(d["version"] for d in listed if d["plan"] == first.id)
    import_plan(app, first.model_copy(update={"title": first.title + " (sửa đổi)"}), ctx())
    again = {d["plan"]: d for d in plan_list(app)}
    assert again[first.id]["title"] == first.title + " (sửa đổi)"
    assert again[first.id]["version"] > before
    assert [d["plan"] for d in plan_list(app)] == [p.id for p in plans]


def test_a_units_secretariat_is_offered_its_own_units_plans(
    app: ParLedger, plans: list[PlanFile]
) -> None:
    everyone = readable_plans(app, ADMIN)
    assert sorted(p.plan for p in everyone) == sorted(p.id for p in plans)
    for plan in plans:
        officer = Actor(
            id=f"tt-{plan.id}", name="Thường trực", role=Role.SECRETARIAT,
            agency=plan.agencies[0].code,
        )  # fmt: skip
        offered = readable_plans(app, officer)
        assert [p.plan for p in offered] == [plan.id], (plan.id, offered)
    stranger = Actor(id="x", name="x", role=Role.SECRETARIAT, agency="khong-co")
    assert readable_plans(app, stranger) == []


def test_a_bare_agency_code_is_answered_with_the_qualified_ones_it_could_mean(
    app: ParLedger, plans: list[PlanFile]
) -> None:
    qualified = sorted(a.code for a in app.directory() if "." in a.code)
    assert qualified
    bare = qualified[0].split(".", 1)[1]
    meant = sorted(c for c in qualified if c.endswith(f".{bare}"))
    with pytest.raises(NotFound) as refused:
        app.require_agency(bare, "agency")
    assert f"có phải: {', '.join(meant[:10])}" in refused.value.message
    with pytest.raises(NotFound) as unknown:
        app.require_agency("khong-co-co-quan-nay", "agency")
    assert "có phải" not in unknown.value.message
    # Which ids are stored, asked in one call for more than a query's chunk.
    stored = app.ledger_recorder.select_originators("Task")
    asked = stored + [uuid4() for _ in range(600)]
    assert app.ledger_recorder.select_existing(asked) == set(stored)
