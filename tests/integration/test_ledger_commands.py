"""The ledger driven as its users drive it, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from domain import ids
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.task import TaskStatus
from domain.values import Actor, Role
from ledger import usecases as uc
from ledger.application import ParLedger
from ledger.errors import Conflict, Forbidden, IdempotencyConflict, StaleVersion
from ledger.importer import import_plan
from projections.history import fold_history
from tests.conftest import ctx, vn
from tests.factories import Q1, late_dossier, small_plan

PLAN = "thu-nghiem-2023"
OFFICER = Actor(
    id="user:cb-noivu", name="Cán bộ Nội vụ", role=Role.AGENCY_OFFICER, agency="phong-noi-vu"
)
COMMUNE_OFFICER = Actor(
    id="user:cb-dongbai", name="Cán bộ Đồng Bài", role=Role.AGENCY_OFFICER, agency="xa-dong-bai"
)
OTHER_OFFICER = Actor(
    id="user:cb-tuphap", name="Cán bộ Tư pháp", role=Role.AGENCY_OFFICER, agency="phong-tu-phap"
)
# Target 7's first-quarter figures: what the measurement tests share.
SURVEY = {**Q1, "source": "Khảo sát SIPAS"}
AUDITOR = Actor(id="user:kiem-toan", name="Kiểm toán viên", role=Role.AUDITOR)
INSPECTOR = Actor(id="user:thanh-tra", name="Thanh tra viên", role=Role.INSPECTOR)


@pytest.fixture
def ledger(app: ParLedger) -> ParLedger:
    import_plan(app, small_plan(), ctx())
    return app


def positions(app: ParLedger) -> int:
    return app.recorder.max_notification_id() or 0


def test_import_registers_every_row_and_is_idempotent(ledger: ParLedger) -> None:
    before = positions(ledger)
    assert before == 10  # its unit, 4 agencies, 1 group, plan, target, 2 tasks
    report = import_plan(ledger, small_plan(), ctx())
    assert not report.changed and positions(ledger) == before
    task = ledger.get_task(PLAN, "1")
    assert (task.due, task.lead, task.product) == (date(2023, 1, 15), ("phong-noi-vu",), "Kế hoạch")
    assert ledger.get_plan(PLAN).fields["warnings"][0]["code"] == "example"


def test_changed_plan_file_records_amendments_with_reason(ledger: ParLedger) -> None:
    report = import_plan(ledger, small_plan(product="Kế hoạch của huyện"), ctx())
    assert report.amended == [f"task:{PLAN}:1"] and not report.registered
    last = fold_history(ledger.events.get(ids.task_id(PLAN, "1")))[-1]
    assert last.event_type == "Amended"
    assert last.reason and "sha256" in last.reason
    assert [(c.field, c.before, c.after) for c in last.changes] == [
        ("product", "Kế hoạch", "Kế hoạch của huyện")
    ]


def test_task_lifecycle_rules(ledger: ParLedger) -> None:
    ledger.handle(
        ctx(effective=vn(2023, 1, 10)),
        uc.ReportTaskProgress(plan=PLAN, number="1", percent=50, note="Đang soạn thảo"),
    )
    ledger.handle(ctx(effective=vn(2023, 1, 14)), uc.CompleteTask(plan=PLAN, number="1"))
    task = ledger.get_task(PLAN, "1")
    assert task.status is TaskStatus.COMPLETED and task.completed_at == date(2023, 1, 14)
    with pytest.raises(RuleViolation, match="mở lại"):
        ledger.handle(
            ctx(), uc.ReportTaskProgress(plan=PLAN, number="1", percent=60, note="Sau khi xong")
        )
    with pytest.raises(InvalidValue, match="lý do") as refused:
        ledger.handle(ctx(), uc.ReopenTask(plan=PLAN, number="1"))
    assert refused.value.field == "reason"
    ledger.handle(ctx(reason="Trùng với nhiệm vụ 2"), uc.CancelTask(plan=PLAN, number="2"))
    with pytest.raises(RuleViolation, match="đã bị hủy"):
        ledger.handle(ctx(), uc.ReportTaskProgress(plan=PLAN, number="2", percent=10, note="x"))
    with pytest.raises(RuleViolation, match="đã bị hủy"):
        ledger.handle(
            ctx(reason="r"),
            uc.ChangeTaskDeadline(plan=PLAN, number="2", start=None, due=date(2023, 9, 1)),
        )
    ledger.handle(ctx(reason="Hủy nhầm"), uc.ReopenTask(plan=PLAN, number="2"))
    assert ledger.get_task(PLAN, "2").status is TaskStatus.IN_PROGRESS


def test_effective_at_cannot_be_in_the_future(ledger: ParLedger) -> None:
    before = positions(ledger)
    with pytest.raises(InvalidValue) as refused:
        ledger.handle(ctx(effective=vn(2099, 1, 1)), uc.CompleteTask(plan=PLAN, number="1"))
    assert refused.value.field == "effective_at" and positions(ledger) == before


def test_measurements_correction_and_retraction(ledger: ParLedger) -> None:
    with pytest.raises(NotFound, match="7c") as unknown:
        ledger.handle(
            ctx(), uc.RecordMeasurement(**Q1, indicator="7c", value="95", source="Hệ thống một cửa")
        )
    assert unknown.value.field == "indicator"
    ratio = {"value": None, "numerator": 880, "denominator": 1000, "measurement_id": "q1"}
    ledger.handle(ctx(), uc.RecordMeasurement(**SURVEY, **ratio, indicator="7b"))
    assert ledger.get_target(PLAN, 7).measurements["q1"]["value"] == Decimal("88.00")
    with pytest.raises(InvalidValue, match="lý do"):
        ledger.handle(ctx(), uc.CorrectMeasurement(**SURVEY, replaces="q1", value="91"))
    with pytest.raises(NotFound):
        ledger.handle(
            ctx(reason="Nhập sai"), uc.CorrectMeasurement(**SURVEY, replaces="nope", value="91")
        )
    ledger.handle(
        ctx(reason="Nhập sai mẫu số"),
        uc.CorrectMeasurement(**SURVEY, replaces="q1", value="91", measurement_id="q1b"),
    )
    measurements = ledger.get_target(PLAN, 7).measurements
    assert measurements["q1"]["status"] == "superseded"
    assert measurements["q1b"] == measurements["q1b"] | {"value": Decimal(91), "replaces": "q1"}
    with pytest.raises(RuleViolation, match="thay thế"):
        ledger.handle(
            ctx(reason="r"), uc.RetractMeasurement(plan=PLAN, target=7, measurement_id="q1")
        )
    ledger.handle(
        ctx(reason="Khảo sát bị hủy"),
        uc.RetractMeasurement(plan=PLAN, target=7, measurement_id="q1b"),
    )
    assert ledger.get_target(PLAN, 7).measurements["q1b"]["status"] == "retracted"


def test_float_figures_are_refused(ledger: ParLedger) -> None:
    with pytest.raises(InvalidValue) as refused:
        ledger.handle(
            ctx(),
            uc.RecordMeasurement(**Q1, indicator="7b", value=90.5, source="x"),
        )
    assert refused.value.field == "value"


def test_inspection_findings_stop_at_conclusion(ledger: ParLedger) -> None:
    result = ledger.handle(
        ctx(INSPECTOR),
        uc.PlanInspection(
            plan=PLAN,
            agency="xa-dong-bai",
            kind="periodic",
            scheduled_on=date(2023, 5, 10),
            scope="Công tác CCHC",
        ),
    )
    inspection = result.changes[0].id
    stray = uc.RecordFinding(
        inspection_id=inspection, finding="f", recommendation="r", remediation_deadline=None
    )
    with pytest.raises(RuleViolation, match="chưa được tiến hành"):
        ledger.handle(ctx(INSPECTOR), stray)
    ledger.handle(
        ctx(INSPECTOR, effective=vn(2023, 5, 10)),
        uc.RecordInspectionConducted(inspection_id=inspection),
    )
    ledger.handle(
        ctx(INSPECTOR),
        uc.RecordFinding(
            inspection_id=inspection,
            finding="Chưa niêm yết TTHC",
            recommendation="Niêm yết đầy đủ",
            finding_id="f1",
            remediation_deadline=date(2023, 6, 30),
        ),
    )
    ledger.handle(
        ctx(INSPECTOR),
        uc.ConcludeInspection(
            inspection_id=inspection,
            notice_number="15/TB-UBND",
            notice_date=date(2023, 5, 20),
            summary="Kết luận kiểm tra",
        ),
    )
    with pytest.raises(RuleViolation, match="kết luận"):
        ledger.handle(ctx(INSPECTOR), stray)
    # Remediation continues after the conclusion notice.
    ledger.handle(
        ctx(INSPECTOR),
        uc.AddRemediationEvidence(
            inspection_id=inspection,
            finding_id="f1",
            description="Đã niêm yết",
            document_number="20/BC",
        ),
    )
    ledger.handle(
        ctx(INSPECTOR, effective=vn(2023, 6, 25)),
        uc.CloseFinding(inspection_id=inspection, finding_id="f1"),
    )
    assert ledger.get_inspection(inspection).findings["f1"]["closed"] is True


def test_apology_appointment_must_be_later_than_due(ledger: ParLedger) -> None:
    ledger.handle(
        ctx(COMMUNE_OFFICER),
        late_dossier("H11.23-0001", received_on=date(2023, 3, 1), due_on=date(2023, 3, 3)),
    )
    apology = {
        "dossier_code": "H11.23-0001",
        "issued_on": date(2023, 3, 3),
        "reason_text": "Thiếu nhân lực",
        "signer": "Chủ tịch UBND xã",
    }
    with pytest.raises(RuleViolation) as refused:
        ledger.handle(
            ctx(COMMUNE_OFFICER), uc.IssueApology(**apology, new_appointment=date(2023, 3, 3))
        )
    assert refused.value.field == "new_appointment"
    ledger.handle(
        ctx(COMMUNE_OFFICER),
        uc.IssueApology(**apology, new_appointment=date(2023, 3, 8), apology_id="a1"),
    )
    with pytest.raises(Forbidden):
        ledger.handle(
            ctx(OTHER_OFFICER, reason="x"),
            uc.WithdrawApology(dossier_code="H11.23-0001", apology_id="a1"),
        )
    ledger.handle(
        ctx(COMMUNE_OFFICER, effective=vn(2023, 3, 7)),
        uc.ReturnDossierResult(dossier_code="H11.23-0001"),
    )
    dossier = ledger.get_dossier("H11.23-0001")
    assert dossier.returned_on == date(2023, 3, 7) and dossier.appointment == date(2023, 3, 8)


def test_officers_write_only_their_own_tasks(ledger: ParLedger) -> None:
    ledger.handle(
        ctx(OFFICER), uc.ReportTaskProgress(plan=PLAN, number="1", percent=20, note="Lead agency")
    )
    before = positions(ledger)
    # Task 2 is coordinated by a group ("UBND các xã, thị trấn"): a name for many agencies,
    # which gives none of them write authority (issue 13).
    with pytest.raises(Forbidden) as refused:
        ledger.handle(
            ctx(COMMUNE_OFFICER), uc.ReportTaskProgress(plan=PLAN, number="2", percent=20, note="x")
        )
    assert "nhóm cơ quan" in str(refused.value)
    for actor in (OTHER_OFFICER, AUDITOR, INSPECTOR):
        with pytest.raises(Forbidden):
            ledger.handle(
                ctx(actor),
                uc.ReportTaskProgress(plan=PLAN, number="1", percent=30, note="Not ours"),
            )
    with pytest.raises(Forbidden):
        ledger.handle(ctx(OFFICER, reason="x"), uc.CancelTask(plan=PLAN, number="1"))
    assert positions(ledger) == before  # nothing denied appended anything


def test_merged_commune_leaves_the_group(ledger: ParLedger) -> None:
    ledger.handle(
        ctx(reason="Nghị quyết sáp nhập"),
        uc.MergeAgency(agency_code="xa-dong-bai", successor="xa-hien-hao"),
    )
    assert ledger.agencies_of(["ubnd-cac-xa-thi-tran"]) == {"xa-hien-hao"}
    with pytest.raises(Forbidden):
        ledger.handle(
            ctx(COMMUNE_OFFICER), uc.ReportTaskProgress(plan=PLAN, number="2", percent=5, note="x")
        )


def test_idempotent_retry_appends_nothing(ledger: ParLedger) -> None:
    first = ledger.handle(
        ctx(key="k-1"), uc.ReportTaskProgress(plan=PLAN, number="1", percent=10, note="Lần đầu")
    )
    before = positions(ledger)
    again = ledger.handle(
        ctx(key="k-1"), uc.ReportTaskProgress(plan=PLAN, number="1", percent=10, note="Lần đầu")
    )
    assert again.replayed and again.changes == first.changes and positions(ledger) == before
    with pytest.raises(IdempotencyConflict):
        ledger.handle(
            ctx(key="k-1"), uc.ReportTaskProgress(plan=PLAN, number="1", percent=99, note="Khác")
        )
    assert positions(ledger) == before


def test_idempotent_creation_replays_instead_of_refusing(ledger: ParLedger) -> None:
    kwargs = dict(
        dossier_code="D-2",
        procedure="Cấp phép",
        agency="xa-dong-bai",
        received_on=date(2023, 3, 1),
        due_on=date(2023, 3, 3),
    )
    first = ledger.handle(ctx(key="d-2"), uc.ReportLateDossier(plan=PLAN, **kwargs))  # type: ignore[arg-type]
    again = ledger.handle(ctx(key="d-2"), uc.ReportLateDossier(plan=PLAN, **kwargs))  # type: ignore[arg-type]
    assert again.replayed and again.changes == first.changes
    with pytest.raises(InvalidValue, match="đã được ghi nhận"):
        ledger.handle(ctx(key="d-3"), uc.ReportLateDossier(plan=PLAN, **kwargs))  # type: ignore[arg-type]


def test_stale_expected_version_is_refused(ledger: ParLedger) -> None:
    version = ledger.get_task(PLAN, "1").version
    ledger.handle(
        ctx(version=version), uc.ReportTaskProgress(plan=PLAN, number="1", percent=10, note="a")
    )
    with pytest.raises(StaleVersion):
        ledger.handle(
            ctx(version=version), uc.ReportTaskProgress(plan=PLAN, number="1", percent=20, note="b")
        )


def test_two_writers_one_aggregate_exactly_one_wins(db_url: str) -> None:
    from persistence.settings import parse_database_url

    setup = ParLedger(parse_database_url(db_url))
    import_plan(setup, small_plan(), ctx())
    writers = [ParLedger(parse_database_url(db_url)) for _ in range(2)]
    tasks = [w.get_task(PLAN, "1") for w in writers]  # both read version N
    assert tasks[0].version == tasks[1].version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(app: ParLedger, note: str) -> None:
        barrier.wait()
        try:
            app.handle(
                ctx(version=tasks[0].version),
                uc.ReportTaskProgress(plan=PLAN, number="1", percent=1, note=note),
            )
            outcomes.append("ok")
        except (Conflict, StaleVersion):
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(w, f"w{i}")) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert setup.get_task(PLAN, "1").version == tasks[0].version + 1
    for w in [setup, *writers]:
        w.close()


def test_conflict_from_the_store_is_reported_clearly(ledger: ParLedger, db_url: str) -> None:
    from persistence.settings import parse_database_url

    other = ParLedger(parse_database_url(db_url))
    stale = other.get_task(PLAN, "1")
    ledger.handle(ctx(), uc.ReportTaskProgress(plan=PLAN, number="1", percent=5, note="first"))
    before = positions(ledger)

    def decide(meta: object) -> list[object]:
        stale.report_progress(percent=6, note="second", meta=meta)  # type: ignore[arg-type]
        return [stale]

    with pytest.raises(Conflict, match="người khác") as refused:
        command = uc.ReportTaskProgress(plan=PLAN, number="1", percent=6, note="second")
        other.execute(ctx(), command, decide)  # type: ignore[arg-type]
    assert refused.value.field == "version" and positions(ledger) == before
    other.close()


def test_nfc_and_nfd_text_are_stored_identically(ledger: ParLedger) -> None:
    note = "Đã hoàn thành việc số hóa hồ sơ thủ tục hành chính"
    ledger.handle(
        ctx(),
        uc.ReportTaskProgress(
            plan=PLAN, number="1", percent=None, note=unicodedata.normalize("NFD", note)
        ),
    )
    ledger.handle(ctx(), uc.ReportTaskProgress(plan=PLAN, number="2", percent=None, note=note))
    stored = [
        [e for e in ledger.events.get(ids.task_id(PLAN, n))][-1].note  # type: ignore[attr-defined]
        for n in ("1", "2")
    ]
    assert stored == [note, note]
    assert unicodedata.is_normalized("NFC", stored[0])
