"""Every event type is stored and read back unchanged, on both backends; text given in NFD is
stored as NFC, byte for byte the same as text given in NFC."""

from __future__ import annotations

import unicodedata
from datetime import date

from eventsourcing.domain import CanMutateAggregate

import reports.submission  # noqa: F401  (carries out uc.SubmitReport: it hashes the report)
from domain.agency import Agency, AgencyGroup
from domain.dossier import LateDossier
from domain.inspection import Inspection
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.user import User
from domain.values import Role
from ledger import usecases as uc
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.user import record_lockout
from tests.conftest import ctx, vn
from tests.factories import late_dossier, small_plan

PLAN = "thu-nghiem-2023"
AGGREGATES = (Agency, AgencyGroup, LateDossier, Inspection, Plan, Target, Task, User)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def drive_every_command(app: ParLedger) -> None:
    # The plan's unit under a province whose rules score its criteria (rules/data).
    app.handle(ctx(), uc.EstablishUnit(unit_code="hai-phong", name="Hải Phòng", level="province"))
    app.handle(
        ctx(),
        uc.EstablishUnit(
            unit_code="thu-nghiem", name="Huyện Thử Nghiệm", level="district", parent="hai-phong"
        ),
    )
    import_plan(app, small_plan(), ctx())
    changed = small_plan(product="Kế hoạch huyện")  # amends a task, the plan and a target
    target = changed.targets[0].model_copy(update={"text": nfd("Chỉ tiêu 7 đã sửa")})
    changed = changed.model_copy(
        update={
            "source": changed.source.model_copy(update={"sha256": "1" * 64}),
            "targets": [target],
        }
    )
    import_plan(app, changed, ctx())
    # A text without the second area, target 7 and task 2 withdraws them; the text before,
    # imported again, reinstates them.
    fewer = changed.model_copy(
        update={
            "source": changed.source.model_copy(update={"sha256": "2" * 64}),
            "areas": changed.areas[:1],
            "targets": [],
            "tasks": changed.tasks[:1],
        }
    )
    import_plan(app, fewer, ctx())
    import_plan(
        app,
        changed.model_copy(
            update={"source": changed.source.model_copy(update={"sha256": "3" * 64})}
        ),
        ctx(),
    )
    # A text listing task 1 under the other area, with no deadline, moves it and removes its
    # deadline (a DeadlineChanged to no date).
    first = changed.tasks[0]
    undated = first.timeframe.model_copy(update={"text": "", "start": None, "due": None})
    moved = first.model_copy(update={"area": changed.areas[1].code, "timeframe": undated})
    import_plan(
        app,
        changed.model_copy(
            update={
                "source": changed.source.model_copy(update={"sha256": "4" * 64}),
                "tasks": [moved, *changed.tasks[1:]],
            }
        ),
        ctx(),
    )
    c = ctx
    app.add_user(
        c(), name="lan", display_name=nfd("Nguyễn Thị Lan"), role="secretariat", agency=None
    )
    app.handle(c(reason="Chuyển công tác"), uc.ChangeUserRole(name="lan", role=Role.INSPECTOR))
    record_lockout(app, c(), "lan", "2023-02-01T08:15:00+07:00")
    app.handle(c(), uc.RevokeUser(name="lan"))
    app.handle(
        c(),
        uc.RecordTaskContribution(
            plan=PLAN, number="2", agency="xa-dong-bai", note=nfd("Đã phối hợp khảo sát tại xã")
        ),
    )
    app.handle(  # dated before the completion below, as a progress report must be
        c(effective=vn(2023, 1, 20)),
        uc.ReportTaskProgress(plan=PLAN, number="1", percent=30, note=nfd("Đang xây dựng dự thảo")),
    )
    app.handle(
        c(),
        uc.AddTaskEvidence(
            plan=PLAN,
            number="1",
            title=nfd("Kế hoạch số 12/KH-UBND"),
            document_number="12/KH-UBND",
            document_date=date(2023, 1, 12),
            file_sha256="a" * 64,
        ),
    )
    app.handle(
        c(reason=nfd("Lùi hạn theo chỉ đạo")),
        uc.ChangeTaskDeadline(plan=PLAN, number="1", start=None, due=date(2023, 1, 31)),
    )
    app.handle(
        c(reason=nfd("Phân công lại")),
        uc.ReassignTask(
            plan=PLAN, number="1", lead=["phong-tu-phap"], coordinating=["phong-noi-vu"]
        ),
    )
    app.handle(c(effective=vn(2023, 1, 30)), uc.CompleteTask(plan=PLAN, number="1"))
    app.handle(c(reason=nfd("Thiếu sản phẩm")), uc.ReopenTask(plan=PLAN, number="1"))
    app.handle(c(reason=nfd("Không còn phù hợp")), uc.CancelTask(plan=PLAN, number="2"))
    period = {"period_start": date(2023, 1, 1), "period_end": date(2023, 3, 31)}
    app.handle(
        c(),
        uc.RecordMeasurement(
            plan=PLAN,
            target=7,
            indicator="7b",
            value="88.5",
            source=nfd("Khảo sát"),
            measurement_id="m1",
            **period,
        ),
    )  # type: ignore[arg-type]
    app.handle(
        c(reason=nfd("Nhập sai")),
        uc.CorrectMeasurement(
            plan=PLAN,
            target=7,
            replaces="m1",
            value="91",
            source="SIPAS",
            measurement_id="m2",
            **period,
        ),
    )  # type: ignore[arg-type]
    app.handle(
        c(reason=nfd("Rút")), uc.RetractMeasurement(plan=PLAN, target=7, measurement_id="m2")
    )
    app.handle(c(), uc.RecordAreaScore(plan=PLAN, area="V", kind="self_assessed", score="10.25"))
    app.handle(
        c(),
        uc.RecordCriterionScore(
            plan=PLAN, criterion="V.2", kind="appraised", score="2.75", evidence=nfd("Quyết định")
        ),
    )
    app.handle(c(), uc.SubmitReport(plan=PLAN, period="Q2"))
    result = app.handle(
        c(),
        uc.PlanInspection(
            plan=PLAN,
            agency="xa-dong-bai",
            kind="unannounced",
            scheduled_on=date(2023, 5, 2),
            scope=nfd("Một cửa"),
        ),
    )
    inspection = result.changes[0].id
    app.handle(
        c(effective=vn(2023, 5, 2)),
        uc.RecordInspectionConducted(inspection_id=inspection, note=nfd("Đã làm")),
    )
    app.handle(
        c(),
        uc.RecordFinding(
            inspection_id=inspection,
            finding=nfd("Chưa công khai"),
            finding_id="f1",
            recommendation=nfd("Công khai"),
            remediation_deadline=date(2023, 6, 1),
        ),
    )
    app.handle(
        c(),
        uc.AddRemediationEvidence(
            inspection_id=inspection, finding_id="f1", description=nfd("Đã sửa")
        ),
    )
    app.handle(c(), uc.CloseFinding(inspection_id=inspection, finding_id="f1"))
    app.handle(
        c(),
        uc.ConcludeInspection(
            inspection_id=inspection,
            notice_number="7/TB",
            notice_date=date(2023, 5, 9),
            summary=nfd("Kết luận"),
        ),
    )
    app.handle(
        c(),
        late_dossier("HS-9", date(2023, 2, 1), date(2023, 2, 3), procedure=nfd("Đăng ký hộ tịch")),
    )
    app.handle(
        c(),
        uc.IssueApology(
            dossier_code="HS-9",
            issued_on=date(2023, 2, 3),
            reason_text=nfd("Lỗi hệ thống"),
            new_appointment=date(2023, 2, 6),
            signer=nfd("Chủ tịch UBND xã"),
            apology_id="a1",
            citizen_name=nfd("Trần Văn Đức"),
            citizen_contact="0912 000 111",
        ),
    )
    app.handle(c(reason=nfd("Ghi nhầm")), uc.WithdrawApology(dossier_code="HS-9", apology_id="a1"))
    app.handle(c(reason=nfd("Công dân yêu cầu xoá")), uc.EraseCitizenData(dossier_code="HS-9"))
    app.handle(c(effective=vn(2023, 2, 5)), uc.ReturnDossierResult(dossier_code="HS-9"))
    app.handle(
        c(),
        uc.RegisterAgency(
            agency_code="xa-moi",
            name=nfd("UBND xã Mới"),
            kind="commune",
            aliases=[nfd("Xã Mới")],
            unit="thu-nghiem",  # the plan's unit, made by its import
        ),
    )
    app.handle(
        c(reason="Đổi tên"), uc.RenameAgency(agency_code="xa-moi", name=nfd("UBND xã Mới Hải"))
    )
    app.handle(c(reason="Sáp nhập"), uc.MergeAgency(agency_code="xa-hien-hao", successor="xa-moi"))
    app.handle(c(reason="Giải thể"), uc.DissolveAgency(agency_code="phong-tu-phap"))


def test_every_event_type_round_trips(app: ParLedger) -> None:
    drive_every_command(app)
    seen: set[str] = set()
    for notification in app.notification_log.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        again = app.mapper.to_stored_event(event)
        assert again.state == notification.state
        assert app.mapper.to_domain_event(again) == event
        seen.add(type(event).__qualname__)
        for value in _strings(vars(event)):
            assert unicodedata.is_normalized("NFC", value), value
    declared = {
        f"{cls.__name__}.{name}"
        for cls in AGGREGATES
        for name, value in vars(cls).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and name not in ("Event", "Created")
    }
    assert declared - seen == set()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    if hasattr(value, "__dict__"):
        return _strings(vars(value))
    return []
