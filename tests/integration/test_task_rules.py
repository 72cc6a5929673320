"""The small rules of a task's life, decided and enforced on new commands, on SQLite and
PostgreSQL: a heading task has no status of its own; work is not dated before the plan; a
completion and the progress reports around it keep their order. Each refusal names its field
and appends nothing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import DomainError, RuleViolation
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.task import (
    CancelTask,
    ChangeTaskDeadline,
    CompleteTask,
    ReassignTask,
    ReportTaskProgress,
)
from planfile.bundled import bundled_plan
from projections.views import task_board
from replay.engine import replay_state
from tests.conftest import ctx, vn

PLAN = "cat-hai-2023"


@pytest.fixture
def ledger(app: ParLedger) -> ParLedger:
    import_plan(app, bundled_plan(PLAN), ctx())
    return app


def positions(app: ParLedger) -> int:
    return int(app.recorder.max_notification_id() or 0)


def refused(app: ParLedger, command: object, field: str, words: str, **context: object) -> None:
    before = positions(app)
    with pytest.raises(DomainError, match=words) as error:
        app.handle(ctx(**context), command)  # type: ignore[arg-type]
    assert error.value.field == field, error.value
    assert positions(app) == before


def status(app: ParLedger, number: str, as_of: date) -> str:
    state, _ = replay_state(app, PLAN, as_of)
    rows = {r["number"]: r for r in task_board(state, PLAN, as_of)["tasks"]}
    return str(rows[number]["status"])


def test_a_heading_task_takes_its_status_from_its_sub_items_only(ledger: ParLedger) -> None:
    june = vn(2023, 6, 1)
    for command, extra in (
        (ReportTaskProgress(plan=PLAN, number="1", percent=50, note="Đang làm"), {}),
        (CompleteTask(plan=PLAN, number="1"), {}),
        (CancelTask(plan=PLAN, number="1"), {"reason": "Không làm"}),
        (ChangeTaskDeadline(plan=PLAN, number="1", due=date(2023, 3, 1)), {"reason": "Lùi"}),
        (ReassignTask(plan=PLAN, number="1", lead=["phong-noi-vu-ldtbxh"]), {"reason": "Giao"}),
    ):
        refused(ledger, command, "number", "1.b, 1.c", effective=june, **extra)
    # Its status is its sub-items': overdue while they are, done when they are.
    assert status(ledger, "1", date(2023, 2, 1)) == "overdue"
    ledger.handle(ctx(effective=vn(2023, 1, 14)), CompleteTask(plan=PLAN, number="1.b"))
    ledger.handle(ctx(effective=vn(2023, 1, 30)), CompleteTask(plan=PLAN, number="1.c"))
    assert status(ledger, "1", date(2023, 2, 1)) == "completed_on_time"
    # A task with a due date of its own is no heading: its commands go through.
    ledger.handle(ctx(effective=june), ReportTaskProgress(plan=PLAN, number="3", note="Khảo sát"))


def test_work_dated_before_the_plan_is_refused_after_its_year_is_accepted(
    ledger: ParLedger,
) -> None:
    refused(
        ledger,
        CompleteTask(plan=PLAN, number="22"),
        "effective_at",
        "trước ngày nhiệm vụ 22 có trong kế hoạch cat-hai-2023 \\(01/01/2023\\)",
        effective=vn(2022, 12, 20),
    )
    refused(
        ledger,
        ReportTaskProgress(plan=PLAN, number="5", note="Chuẩn bị"),
        "effective_at",
        "ngày báo cáo tiến độ 31/12/2022",
        effective=vn(2022, 12, 31),
    )
    # A late completion in the next January is a real case: recorded, and late.
    ledger.handle(ctx(effective=vn(2024, 1, 10)), CompleteTask(plan=PLAN, number="5"))
    assert status(ledger, "5", date(2024, 1, 31)) == "completed_late"
    # Task 2 runs to Q1/2024 by the plan's own time frame: on time in March 2024.
    ledger.handle(ctx(effective=vn(2024, 3, 15)), CompleteTask(plan=PLAN, number="2"))
    assert status(ledger, "2", date(2024, 3, 31)) == "completed_on_time"


def test_progress_and_completion_keep_their_order(ledger: ParLedger) -> None:
    ledger.handle(
        ctx(effective=vn(2023, 6, 10)),
        ReportTaskProgress(plan=PLAN, number="7", percent=80, note="Đã rà soát 80%"),
    )
    # Completed on 01/06 but a report of 10/06 says it was still under way: refused.
    refused(
        ledger,
        CompleteTask(plan=PLAN, number="7"),
        "effective_at",
        "báo cáo tiến độ ngày 10/06/2023, sau ngày hoàn thành 01/06/2023",
        effective=vn(2023, 6, 1),
    )
    ledger.handle(ctx(effective=vn(2023, 6, 12)), CompleteTask(plan=PLAN, number="7"))
    refused(
        ledger,
        ReportTaskProgress(plan=PLAN, number="7", note="Bổ sung"),
        "effective_at",
        "ngày báo cáo tiến độ 20/06/2023 sau ngày hoàn thành 12/06/2023",
        effective=vn(2023, 6, 20),
    )
    with pytest.raises(RuleViolation, match="mở lại"):
        ledger.handle(
            ctx(effective=vn(2023, 6, 11)),
            ReportTaskProgress(plan=PLAN, number="7", note="Trước ngày hoàn thành"),
        )
