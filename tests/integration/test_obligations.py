"""Obligations raised by the ledger itself, on SQLite and PostgreSQL: the walk of a dossier
received on the last working day before Tết 2025 through lateness, the raised apology
obligation, the sweep that records it missed, a late apology and the register (CLI-level
function, API and page); the regimes chosen by date and procedure; waivers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.errors import InvalidValue, RuleViolation
from domain.ids import obligation_id
from domain.inspection import InspectionKind
from domain.values import VN_TZ, Actor, Role
from ledger.application import ParLedger
from ledger.errors import Forbidden
from ledger.importer import import_plan
from ledger.obligations import NAME, ObligationsProcess
from ledger.usecases.dossier import IssueApology, ProcedureKind, WithdrawApology
from ledger.usecases.inspection import (
    CloseFinding,
    PlanInspection,
    RecordFinding,
    RecordInspectionConducted,
)
from ledger.usecases.obligation import WaiveObligation
from ledger.usecases.plan import SubmitReport
from ledger.usecases.user import AddUser
from persistence.records import IndexFilter
from projections import live
from projections.worker import Worker
from replay.obligations import register
from replay.readmodel import ReadModel
from reports import submission  # noqa: F401  (SubmitReport's use case)
from rules.calendar import civil_service_calendar
from service.app import create_app
from tests.conftest import ctx, vn
from tests.factories import late_dossier, small_plan
from tests.reports.test_report_http import PASSWORDS, sign_in

PLAN = "thu-nghiem-2023"
SECRETARIAT = Actor(id="user:vp", name="Văn phòng", role=Role.SECRETARIAT)
OFFICER = Actor(
    id="user:cb-dongbai", name="Cán bộ Đồng Bài", role=Role.AGENCY_OFFICER, agency="xa-dong-bai"
)


@pytest.fixture
def ledger(app: ParLedger) -> ParLedger:
    import_plan(app, small_plan(), ctx())
    return app


def late(app: ParLedger, code: str, received: date, due: date, **kind: ProcedureKind) -> None:
    app.handle(
        ctx(effective=datetime.combine(received, datetime.min.time(), VN_TZ) + timedelta(hours=9)),
        late_dossier(code, received, due, procedure="Cấp bản sao trích lục hộ tịch", **kind),
    )


def apology_of(app: ParLedger, code: str, as_of: date, known_at: datetime | None = None) -> dict:  # type: ignore[type-arg]
    found = register(app, as_of, known_at, plan=PLAN, kind="apology")
    (row,) = [r for r in found["obligations"] if r["cause"] == f"dossier:{code}"]
    return row


def raised_count(app: ParLedger) -> int:
    where = IndexFilter(entity="Obligation", event_type="Raised")
    return len(app.ledger_recorder.select_filtered(where, limit=10_000))


def test_a_dossier_received_before_tet_walks_to_a_late_apology(ledger: ParLedger) -> None:
    calendar = civil_service_calendar()
    received, due = date(2025, 1, 24), date(2025, 2, 5)
    # 24/01/2025 is the last working day before the Tết break; nothing until 03/02 is one.
    assert calendar.is_working_day(received)
    assert not any(calendar.is_working_day(received + timedelta(days=n)) for n in range(1, 10))
    apology_day = calendar.add_working_days(due, -1)  # one working day before the due date
    assert apology_day == date(2025, 2, 4)

    late(ledger, "HS-TET", received, due)
    assert ObligationsProcess(ledger).run() >= 1
    row = apology_of(ledger, "HS-TET", date(2025, 2, 4))
    assert row["status"] == "open" and row["due_on"] == apology_day.isoformat()
    assert row["rule"] == "dossier-apology@2018.107"
    assert row["calendar"] == calendar.version
    assert datetime.fromisoformat(row["due_at"]) == datetime(2025, 2, 5, tzinfo=VN_TZ)

    # The moment passes: a sweep on 05/02 at 08:00 records the miss (effective at the moment).
    before_sweep = datetime.now(VN_TZ)
    missed = ObligationsProcess(ledger).sweep(vn(2025, 2, 5, 8))
    # The plan's 2023 report periods, long past and never submitted, are missed with it.
    reports = {obligation_id("report", f"plan:{PLAN}:{p.code}") for p in small_plan().reporting}
    assert set(missed) == {obligation_id("apology", "dossier:HS-TET"), *reports}
    assert ObligationsProcess(ledger).sweep(vn(2025, 2, 5, 9)) == []  # once only
    assert apology_of(ledger, "HS-TET", date(2025, 2, 5))["status"] == "missed"
    # As known before the sweep, the moment had passed but no miss was recorded: overdue.
    assert apology_of(ledger, "HS-TET", date(2025, 2, 5), before_sweep)["status"] == "overdue"
    assert apology_of(ledger, "HS-TET", date(2025, 2, 4))["status"] == "open"

    # A late apology, on 06/02: met late, and the recorded miss stays in the register.
    ledger.handle(
        ctx(effective=vn(2025, 2, 6)),
        IssueApology(
            dossier_code="HS-TET",
            issued_on=date(2025, 2, 6),
            reason_text="Hồ sơ tồn đọng sau kỳ nghỉ Tết",
            new_appointment=date(2025, 2, 10),
            signer="Chủ tịch UBND xã",
        ),
    )
    ObligationsProcess(ledger).run()
    row = apology_of(ledger, "HS-TET", date(2025, 2, 7))
    assert row["status"] == "met_late"
    assert row["met"]["on"] == "2025-02-06" and row["met"]["late"] is True
    assert row["missed"]["on"] == "2025-02-05"
    assert apology_of(ledger, "HS-TET", date(2025, 2, 5))["status"] == "missed"
    assert raised_count(ledger) == 1 + len(small_plan().reporting)

    # The same register through the API and the page.
    added = ledger.handle(
        ctx(), AddUser(name="kiem", display_name="Kiểm", role=Role.AUDITOR, agency=None)
    )
    client = TestClient(create_app(ledger), base_url="http://127.0.0.1")
    auth = {"Authorization": f"Bearer {added.detail['token']}"}
    answer = client.get(
        "/obligations",
        params={"plan": PLAN, "agency": "xa-dong-bai", "as_of": "2025-02-07"},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["obligations"]] == ["met_late"]
    assert answer.json()["by_agency"] == {"xa-dong-bai": {"met_late": 1}}
    refused = client.get("/obligations", params={"status": "late"}, headers=auth)
    assert refused.status_code == 422
    PASSWORDS[id(client)] = added.detail["password"]
    assert sign_in(client).status_code == 303
    page = client.get(f"/web/{PLAN}/obligations", params={"as_of": "2025-02-07"})
    assert page.status_code == 200 and "đã thực hiện muộn" in page.text and "HS-TET" in page.text


def test_the_regime_follows_the_received_date_and_the_procedure(ledger: ParLedger) -> None:
    calendar = civil_service_calendar()
    due = date(2025, 7, 10)  # a Thursday
    late(ledger, "HS-OLD-LT", date(2025, 6, 30), due, procedure_kind=ProcedureKind.INTERLINKED)
    late(ledger, "HS-NEW", date(2025, 7, 1), due)
    late(ledger, "HS-NEW-LT", date(2025, 7, 1), due, procedure_kind=ProcedureKind.INTERLINKED)
    as_of = date(2025, 7, 2)
    old, new, linked = (apology_of(ledger, c, as_of) for c in ("HS-OLD-LT", "HS-NEW", "HS-NEW-LT"))
    before = calendar.add_working_days(due, -1).isoformat()
    assert (old["rule"], old["due_on"]) == ("dossier-apology@2018.107", before)
    assert (new["rule"], new["due_on"]) == ("dossier-apology@2025.118", before)
    # Electronic inter-linked under Decree 118/2025: sent when the deadline passes.
    assert (linked["rule"], linked["due_on"]) == ("dossier-apology@2025.118", due.isoformat())
    assert ledger.get_dossier("HS-NEW-LT").interlinked is True
    assert ledger.get_dossier("HS-NEW").interlinked is False


def test_a_waiver_needs_a_reason_and_an_authorised_role(ledger: ParLedger) -> None:
    late(ledger, "HS-W", date(2025, 3, 3), date(2025, 3, 10))
    oid = obligation_id("apology", "dossier:HS-W")
    with pytest.raises(Forbidden):
        ledger.handle(ctx(OFFICER, reason="không cần"), WaiveObligation(obligation_id=oid))
    with pytest.raises(InvalidValue) as no_reason:
        ledger.handle(ctx(SECRETARIAT), WaiveObligation(obligation_id=oid))
    assert no_reason.value.field == "reason"
    waived_on = ctx(SECRETARIAT, reason="Công dân rút hồ sơ", effective=vn(2025, 3, 5))
    ledger.handle(waived_on, WaiveObligation(obligation_id=oid))
    assert apology_of(ledger, "HS-W", date(2025, 3, 4))["status"] == "open"  # valid time
    row = apology_of(ledger, "HS-W", date(2025, 3, 20))
    assert row["status"] == "waived" and row["waived"]["reason"] == "Công dân rút hồ sơ"
    with pytest.raises(RuleViolation):
        ledger.handle(ctx(SECRETARIAT, reason="lần nữa"), WaiveObligation(obligation_id=oid))
    # Waived: neither a sweep nor a later apology changes it.
    assert oid not in ObligationsProcess(ledger).sweep(vn(2025, 3, 20))
    assert apology_of(ledger, "HS-W", date(2025, 3, 20))["status"] == "waived"


def test_a_sweep_in_the_future_is_refused(ledger: ParLedger) -> None:
    with pytest.raises(InvalidValue) as refused:
        ObligationsProcess(ledger).sweep(datetime.now(VN_TZ) + timedelta(days=1))
    assert refused.value.field == "now"


def test_processing_again_or_from_the_start_records_nothing_new(ledger: ParLedger) -> None:
    late(ledger, "HS-R", date(2025, 3, 3), date(2025, 3, 10))
    process = ObligationsProcess(ledger)
    first = process.run()
    head = int(ledger.recorder.max_notification_id() or 0)
    assert first > 0 and process.run() == 0
    # Its own events are in the log after the position it tracked: the next run passes them.
    assert process.position() == head
    # A process whose tracking row was lost starts from 0 and finds every obligation raised.
    ledger.view.reset(NAME)
    assert process.position() == 0 and process.run() == 0
    assert raised_count(ledger) == 1 + len(small_plan().reporting)


def test_reports_and_remediations_are_met_by_what_fulfils_them(ledger: ParLedger) -> None:
    (period,) = small_plan().reporting
    ledger.handle(ctx(effective=vn(2023, 6, 5)), SubmitReport(plan=PLAN, period=period.code))
    planned = ledger.handle(
        ctx(),
        PlanInspection(
            plan=PLAN,
            agency="xa-hien-hao",
            kind=InspectionKind.PERIODIC,
            scheduled_on=date(2023, 9, 12),
            scope="Công tác cải cách hành chính",
        ),
    )
    inspection = planned.changes[0].id
    ledger.handle(
        ctx(effective=vn(2023, 9, 12)), RecordInspectionConducted(inspection_id=inspection)
    )
    ledger.handle(
        ctx(effective=vn(2023, 9, 12)),
        RecordFinding(
            inspection_id=inspection,
            finding_id="niem-yet",
            finding="Niêm yết thủ tục chưa đầy đủ",
            recommendation="Niêm yết đủ",
            remediation_deadline=date(2023, 10, 31),
        ),
    )
    ledger.handle(
        ctx(effective=vn(2023, 11, 3), reason="Đã niêm yết đủ"),
        CloseFinding(inspection_id=inspection, finding_id="niem-yet"),
    )
    found = register(ledger, date(2023, 12, 1), plan=PLAN)
    status = {r["kind"]: (r["status"], r["agency"], r["due_on"]) for r in found["obligations"]}
    assert status["report"] == ("met", None, period.due.isoformat())
    assert status["remediation"] == ("met_late", "xa-hien-hao", "2023-10-31")
    assert found["by_unit"] == {ledger.get_plan(PLAN).unit_code: {"met": 1, "met_late": 1}}
    # As of 31/10, the finding was still open (its closing takes effect on 03/11).
    early = register(ledger, date(2023, 10, 31), plan=PLAN, kind="remediation")
    assert [r["status"] for r in early["obligations"]] == ["open"]


def test_an_apology_withdrawn_reopens_what_it_met(ledger: ParLedger) -> None:
    late(ledger, "HS-X", date(2025, 3, 3), date(2025, 3, 10))
    apology = {"reason_text": "Thiếu hồ sơ", "signer": "Chủ tịch UBND xã"}
    ledger.handle(
        ctx(effective=vn(2025, 3, 6)),
        IssueApology(
            dossier_code="HS-X",
            issued_on=date(2025, 3, 6),
            new_appointment=date(2025, 3, 14),
            apology_id="nham",
            **apology,
        ),
    )
    ObligationsProcess(ledger).run()
    assert apology_of(ledger, "HS-X", date(2025, 3, 7))["status"] == "met"
    second = IssueApology(
        dossier_code="HS-X",
        issued_on=date(2025, 3, 13),
        new_appointment=date(2025, 3, 20),
        apology_id="lan-hai",
        **apology,
    )
    with pytest.raises(RuleViolation, match="không có lần hẹn lại thứ hai") as refused:
        ledger.handle(ctx(), second)  # a second lateness: no lawful second appointment
    assert refused.value.field == "new_appointment"
    ledger.handle(
        ctx(effective=vn(2025, 3, 7), reason="Ghi nhầm hồ sơ"),
        WithdrawApology(dossier_code="HS-X", apology_id="nham"),
    )
    ObligationsProcess(ledger).run()
    assert apology_of(ledger, "HS-X", date(2025, 3, 6))["status"] == "met"  # valid time
    # Owed again, and its day (07/03, the working day before 10/03) has passed: overdue.
    assert apology_of(ledger, "HS-X", date(2025, 3, 8))["status"] == "overdue"
    ledger.handle(
        ctx(effective=vn(2025, 3, 12)),
        IssueApology(
            dossier_code="HS-X",
            issued_on=date(2025, 3, 12),
            new_appointment=date(2025, 3, 17),
            apology_id="dung",
            **apology,
        ),
    )
    row = apology_of(ledger, "HS-X", date(2025, 3, 13))
    assert row["status"] == "met_late" and row["met"]["by"].startswith(
        "dossier:HS-X#ApologyIssued:dung@"
    )


def test_reads_and_the_worker_run_the_process(ledger: ParLedger) -> None:
    late(ledger, "HS-E", date(2025, 3, 3), date(2025, 3, 10))
    # Embedded: a present read records the obligations before the view folds them.
    state = ReadModel(ledger).snapshot(PLAN).state
    (doc,) = [d for d in state.kind("obligations").values() if d["kind"] == "apology"]
    assert doc["cause"] == "dossier:HS-E" and "missed" not in doc
    # The worker: the same process, then a sweep at its clock (the due day is long past).
    late(ledger, "HS-F", date(2025, 3, 4), date(2025, 3, 11))
    Worker(ledger, poll=0.01).run(once=True)
    for code in ("HS-E", "HS-F"):
        assert apology_of(ledger, code, date(2025, 4, 1))["status"] == "missed"
    assert live.status(ledger)["consistent"]
