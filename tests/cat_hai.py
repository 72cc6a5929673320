"""The Cát Hải 2023 plan with a first half-year of activity, for the report and page tests.

Every figure the tests look for in the files and pages comes from here or from the bundled
plan itself, never typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.dossier import IssueApology, ReportLateDossier
from ledger.usecases.inspection import PlanInspection, RecordFinding, RecordInspectionConducted
from ledger.usecases.plan import RecordAreaScore
from ledger.usecases.target import CorrectMeasurement, RecordMeasurement
from ledger.usecases.task import CompleteTask, ReportTaskProgress
from planfile.bundled import bundled_plan
from planfile.schema import PlanFile
from tests.conftest import ctx, vn

PLAN = "cat-hai-2023"


@dataclass(frozen=True)
class Seeded:
    plan: PlanFile
    inspection: UUID
    before_measurement: datetime  # a moment after the seed's first events, before 7b's figure


def seed(app: ParLedger) -> Seeded:
    plan = bundled_plan(PLAN)
    import_plan(app, plan, ctx())
    app.handle(ctx(effective=vn(2023, 1, 14)), CompleteTask(plan=PLAN, number="1.b"))
    app.handle(ctx(effective=vn(2023, 5, 2)), survey_progress())
    app.handle(ctx(effective=vn(2023, 6, 1)), area_ii_score())
    before = app.recorder.select_index(gt=0, limit=10**6)[-1][1].recorded_at  # type: ignore[attr-defined]
    app.handle(ctx(effective=vn(2023, 6, 10)), satisfaction_7b())
    app.handle(ctx(effective=vn(2023, 5, 20)), late_permit())
    app.handle(ctx(effective=vn(2023, 5, 19)), permit_apology())
    planned = app.handle(ctx(effective=vn(2023, 4, 3)), commune_inspection())
    inspection = planned.changes[0].id
    app.handle(ctx(effective=vn(2023, 4, 20)), RecordInspectionConducted(inspection_id=inspection))
    app.handle(ctx(effective=vn(2023, 4, 20)), posting_finding(inspection))
    return Seeded(plan=plan, inspection=inspection, before_measurement=before)


# The seed's commands one by one, for a scenario that adds to them (the release fixture).


def survey_progress() -> ReportTaskProgress:
    return ReportTaskProgress(plan=PLAN, number="3", percent=40, note="Đã khảo sát 4 xã")


def area_ii_score() -> RecordAreaScore:
    return RecordAreaScore(plan=PLAN, area="II", kind="self_assessed", score="3.5")


# The days indicator 7b's first-half figure covers, and its correction with it.
FIRST_HALF_7 = {
    "plan": PLAN,
    "target": 7,
    "period_start": date(2023, 1, 1),
    "period_end": date(2023, 6, 10),
}


def satisfaction_7b() -> RecordMeasurement:
    """Indicator 7b's first-half figure, before any correction."""
    return RecordMeasurement(
        **FIRST_HALF_7,
        indicator="7b",
        value="88",
        source="Khảo sát SIPAS",
        measurement_id="m-7b-1",
    )


def corrected_7b(source: str, **more: Any) -> CorrectMeasurement:
    """7b's figure corrected to 91 after the seed (not part of it)."""
    return CorrectMeasurement(**FIRST_HALF_7, replaces="m-7b-1", value="91", source=source, **more)


def late_permit() -> ReportLateDossier:
    return ReportLateDossier(
        plan=PLAN,
        dossier_code="HS-2023-001",
        procedure="Cấp giấy phép xây dựng nhà ở riêng lẻ",
        agency="phong-kinh-te-ha-tang",
        received_on=date(2023, 5, 2),
        due_on=date(2023, 5, 22),
    )


def permit_apology(**more: Any) -> IssueApology:
    """The apology for the late permit; ``more`` adds its id or the citizen's data."""
    return IssueApology(
        dossier_code="HS-2023-001",
        issued_on=date(2023, 5, 19),
        reason_text="Chờ ý kiến thẩm định",
        new_appointment=date(2023, 5, 30),
        signer="Trưởng phòng Kinh tế và Hạ tầng",
        **more,
    )


def commune_inspection() -> PlanInspection:
    return PlanInspection(
        plan=PLAN,
        agency="xa-dong-bai",
        kind="periodic",
        scheduled_on=date(2023, 4, 20),
        scope="Kiểm tra công tác cải cách hành chính năm 2023",
    )


def posting_finding(inspection: UUID) -> RecordFinding:
    return RecordFinding(
        inspection_id=inspection,
        finding="Chưa niêm yết đủ thủ tục hành chính",
        recommendation="Niêm yết đầy đủ tại bộ phận một cửa",
        remediation_deadline=date(2023, 5, 31),
        finding_id="f1",
    )


def task(plan: PlanFile, number: str) -> tuple[str, date | None]:
    """The content and due date of a task as the bundled plan has them."""
    found = next(t for t in plan.tasks if t.number == number)
    return found.content, found.timeframe.due


def agency(plan: PlanFile, code: str) -> str:
    """An agency's name as the plan's directory has it."""
    return next(a.name for a in plan.agencies if a.code == code)
