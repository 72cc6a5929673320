"""Every event type is stored and read back unchanged, on both backends; text given in NFD is
stored as NFC, byte for byte the same as text given in NFC."""

from __future__ import annotations

import unicodedata
from datetime import date

from eventsourcing.domain import CanMutateAggregate

from domain.agency import Agency, AgencyGroup
from domain.dossier import LateDossier
from domain.inspection import Inspection
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.user import User
from ledger.application import ParLedger
from ledger.importer import import_plan
from tests.conftest import ctx, vn
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"
AGGREGATES = (Agency, AgencyGroup, LateDossier, Inspection, Plan, Target, Task, User)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def drive_every_command(app: ParLedger) -> None:
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
    c = ctx
    app.add_user(
        c(), name="lan", display_name=nfd("Nguyễn Thị Lan"), role="secretariat", agency=None
    )
    app.revoke_user(c(), name="lan")
    app.report_task_progress(c(), PLAN, "1", percent=30, note=nfd("Đang xây dựng dự thảo"))
    app.add_task_evidence(
        c(),
        PLAN,
        "1",
        title=nfd("Kế hoạch số 12/KH-UBND"),
        document_number="12/KH-UBND",
        document_date=date(2023, 1, 12),
        file_sha256="a" * 64,
    )
    app.change_task_deadline(
        c(reason=nfd("Lùi hạn theo chỉ đạo")), PLAN, "1", start=None, due=date(2023, 1, 31)
    )
    app.reassign_task(
        c(reason=nfd("Phân công lại")),
        PLAN,
        "1",
        lead=["phong-tu-phap"],
        coordinating=["phong-noi-vu"],
    )
    app.complete_task(c(effective=vn(2023, 1, 30)), PLAN, "1")
    app.reopen_task(c(reason=nfd("Thiếu sản phẩm")), PLAN, "1")
    app.cancel_task(c(reason=nfd("Không còn phù hợp")), PLAN, "2")
    period = {"period_start": date(2023, 1, 1), "period_end": date(2023, 3, 31)}
    app.record_measurement(
        c(),
        PLAN,
        7,
        indicator="7b",
        value="88.5",
        source=nfd("Khảo sát"),
        measurement_id="m1",
        **period,
    )  # type: ignore[arg-type]
    app.correct_measurement(
        c(reason=nfd("Nhập sai")),
        PLAN,
        7,
        replaces="m1",
        value="91",
        source="SIPAS",
        measurement_id="m2",
        **period,
    )  # type: ignore[arg-type]
    app.retract_measurement(c(reason=nfd("Rút")), PLAN, 7, measurement_id="m2")
    app.record_area_score(c(), PLAN, area="V", kind="self_assessed", score="10.25")
    app.submit_report(c(), PLAN, period="Q2", content_sha256="ab" * 32, position=7)
    result = app.plan_inspection(
        c(),
        PLAN,
        agency="xa-dong-bai",
        kind="unannounced",
        scheduled_on=date(2023, 5, 2),
        scope=nfd("Một cửa"),
    )
    inspection = result.changes[0].id
    app.record_inspection_conducted(c(effective=vn(2023, 5, 2)), inspection, note=nfd("Đã làm"))
    app.record_finding(
        c(),
        inspection,
        finding=nfd("Chưa công khai"),
        finding_id="f1",
        recommendation=nfd("Công khai"),
        remediation_deadline=date(2023, 6, 1),
    )
    app.add_remediation_evidence(c(), inspection, finding_id="f1", description=nfd("Đã sửa"))
    app.close_finding(c(), inspection, finding_id="f1")
    app.conclude_inspection(
        c(), inspection, notice_number="7/TB", notice_date=date(2023, 5, 9), summary=nfd("Kết luận")
    )
    app.report_late_dossier(
        c(),
        PLAN,
        dossier_code="HS-9",
        procedure=nfd("Đăng ký hộ tịch"),
        agency="xa-dong-bai",
        received_on=date(2023, 2, 1),
        due_on=date(2023, 2, 3),
    )
    app.issue_apology(
        c(),
        "HS-9",
        issued_on=date(2023, 2, 3),
        reason_text=nfd("Lỗi hệ thống"),
        new_appointment=date(2023, 2, 6),
        signer=nfd("Chủ tịch UBND xã"),
        apology_id="a1",
        citizen_name=nfd("Trần Văn Đức"),
        citizen_contact="0912 000 111",
    )
    app.withdraw_apology(c(reason=nfd("Ghi nhầm")), "HS-9", apology_id="a1")
    app.erase_citizen_data(c(reason=nfd("Công dân yêu cầu xoá")), "HS-9")
    app.return_dossier_result(c(effective=vn(2023, 2, 5)), "HS-9")
    app.register_agency(
        c(), agency_code="xa-moi", name=nfd("UBND xã Mới"), kind="commune", aliases=[nfd("Xã Mới")]
    )
    app.rename_agency(c(reason="Đổi tên"), "xa-moi", name=nfd("UBND xã Mới Hải"))
    app.merge_agency(c(reason="Sáp nhập"), "xa-hien-hao", successor="xa-moi")
    app.dissolve_agency(c(reason="Giải thể"), "phong-tu-phap")


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
