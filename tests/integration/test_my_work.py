""" "Việc của tôi" lists the tasks an officer's agency leads or coordinates by name: a group
("Các cơ quan, đơn vị, địa phương", "UBND các xã, thị trấn") names no agency, gives no write
authority, and so puts nothing on anyone's list. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from domain.values import Actor, Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from planfile.parser import parse_plan_text
from replay import VIEWS
from replay.engine import replay_state
from reports.data import facts_of
from tests.conftest import ctx
from web.mywork import my_work

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"
PLAN = "cat-hai-2023"
TODAY = date(2023, 12, 20)


def _tasks(app: ParLedger, agency: str | None, role: Role = Role.AGENCY_OFFICER) -> set[str]:
    state, _ = replay_state(app, PLAN, TODAY, None, use_checkpoints=False)
    views = {name: view(state, PLAN, TODAY) for name, view in VIEWS.items()}
    facts = facts_of(state, PLAN, TODAY, state.position, views)
    actor = Actor(id="user:x", name="x", role=role, agency=agency)
    return {row["number"] for row in my_work(facts, actor, TODAY)["tasks"]}


def test_my_work_lists_the_tasks_that_name_the_agency(app: ParLedger) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    # Phòng Tư pháp leads 7–10; every other task names it only through a catch-all group.
    assert _tasks(app, "phong-tu-phap") == {"7", "8", "9", "10"}
    # Phòng Tài chính - Kế hoạch leads 22 and 23 (due in 2022: overdue).
    assert _tasks(app, "phong-tai-chinh-ke-hoach") == {"22", "23"}
    # A commune is named by no task, only by "UBND các xã, thị trấn" and catch-all groups.
    assert _tasks(app, "xa-dong-bai") == set()
    # The secretariat sees the whole plan's open tasks.
    everyone = _tasks(app, None, Role.SECRETARIAT)
    assert {"7", "22", "1.c", "3"} <= everyone
