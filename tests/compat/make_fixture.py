"""Write a release fixture: a ledger made by this release, its signed digest, and its answers.

Every later release must open the ledger, verify it against the digest and reproduce every
answer exactly (``tests/compat/test_release_fixtures.py``). Run it once per release that
changes what is stored, into a new folder, with the code of that release checked out::

    .venv/bin/python -m tests.compat.make_fixture tests/compat/release-0.3

The scenario drives the application layer (``ParLedger`` methods, the plan importer, the report
submission) on the bundled Cát Hải 2023 plan, so that every domain event class is stored at
least once, with effective dates in the past (backdated entries), corrections recorded after a
report was sent, and personal data that is then erased. If a later release renames a
``ParLedger`` method, adapt the calls here; the folders already written are never regenerated.

The signing key written beside the fixture is test data, not a secret: it signs the fixture's
digest so that the test can check the signature.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import reports.submission  # noqa: F401  (carries out SubmitReport: it hashes the report)
from domain import ids
from domain.values import Actor, Role, Source
from integrity.operations import make_digest
from ledger import usecases as uc
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.importer import import_plan
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan
from tests import cat_hai
from tests.compat import answers
from tests.compat.answers import PLAN
from tests.conftest import vn

OPERATOR = Actor(id="os:compat", name="compat", role=Role.ADMIN)


def ctx(
    actor: Actor = OPERATOR, effective: datetime | None = None, reason: str | None = None
) -> CommandContext:
    return CommandContext(actor=actor, source=Source.CLI, effective_at=effective, reason=reason)


def mark(app: ParLedger) -> str:
    """The recording time of the newest event: "as known" right after it."""
    head = int(app.recorder.max_notification_id() or 0)
    return app.ledger_recorder.select_index(gt=head - 1, limit=1)[0][1].recorded_at.isoformat()


def users(app: ParLedger) -> dict[str, Actor]:
    made = {}
    for name, role, agency in (
        ("can-bo-noi-vu", "agency_officer", "phong-noi-vu-ldtbxh"),
        ("can-bo-kinh-te", "agency_officer", "phong-kinh-te-ha-tang"),
        ("thanh-tra-vien", "inspector", None),
        ("thu-ky-cchc", "secretariat", None),
        ("nguoi-doc", "reader", None),
    ):
        _, token = app.add_user(
            ctx(), name=name, display_name=name.replace("-", " ").title(), role=role, agency=agency
        )
        made[name] = app.authenticate(token)
    app.handle(ctx(), uc.RevokeUser(name="nguoi-doc"))
    return made


def tasks(app: ParLedger, who: dict[str, Actor]) -> None:
    officer, secretariat = who["can-bo-noi-vu"], who["thu-ky-cchc"]
    app.handle(
        ctx(officer, vn(2023, 1, 14)),
        uc.CompleteTask(plan=PLAN, number="1.b", note="Đã ban hành kế hoạch"),
    )
    app.handle(ctx(officer, vn(2023, 5, 2)), cat_hai.survey_progress())
    app.handle(
        ctx(officer, vn(2023, 5, 15)),
        uc.AddTaskEvidence(
            plan=PLAN,
            number="3",
            title="Báo cáo khảo sát",
            document_number="45/BC-NV",
            document_date=date(2023, 5, 15),
            file_sha256="ab" * 32,
            evidence_id="ev-3-1",
        ),
    )
    app.handle(ctx(officer, vn(2023, 6, 30)), uc.CompleteTask(plan=PLAN, number="6"))
    app.handle(
        ctx(secretariat, vn(2023, 7, 5), "Sản phẩm chưa đạt yêu cầu"),
        uc.ReopenTask(plan=PLAN, number="6"),
    )
    app.handle(
        ctx(officer, vn(2023, 7, 20)),
        uc.ReportTaskProgress(plan=PLAN, number="6", percent=None, note="Đang hoàn thiện lại"),
    )
    app.handle(
        ctx(effective=vn(2023, 3, 1), reason="Trùng nhiệm vụ 19"),
        uc.CancelTask(plan=PLAN, number="18"),
    )
    app.handle(
        ctx(effective=vn(2023, 2, 1), reason="Điều chỉnh theo chỉ đạo"),
        uc.ChangeTaskDeadline(plan=PLAN, number="19", start=None, due=date(2023, 9, 30)),
    )
    app.handle(
        ctx(effective=vn(2023, 2, 15), reason="Phân công lại"),
        uc.ReassignTask(
            plan=PLAN, number="20", lead=["phong-tu-phap"], coordinating=["phong-noi-vu-ldtbxh"]
        ),
    )


def figures(app: ParLedger, who: dict[str, Actor]) -> None:
    secretariat = who["thu-ky-cchc"]
    app.handle(ctx(secretariat, vn(2023, 6, 1)), cat_hai.area_ii_score())
    app.handle(
        ctx(secretariat, vn(2023, 6, 2)),
        uc.RecordAreaScore(plan=PLAN, area="V", kind="self_assessed", score="10"),
    )
    app.handle(
        ctx(secretariat, vn(2023, 6, 3), "Tính lại tiêu chí 5.2"),
        uc.RecordAreaScore(plan=PLAN, area="V", kind="self_assessed", score="9.75"),
    )
    app.handle(ctx(secretariat, vn(2023, 6, 10)), cat_hai.satisfaction_7b())
    app.handle(
        ctx(secretariat, vn(2023, 6, 12)),
        uc.RecordMeasurement(
            plan=PLAN,
            target=7,
            indicator="7a",
            value=None,
            numerator=412,
            denominator=415,
            period_start=date(2023, 1, 1),
            period_end=date(2023, 6, 12),
            source="Hệ thống một cửa điện tử",
            evidence="Trích xuất ngày 12/6",
            measurement_id="m-7a-1",
        ),
    )
    app.handle(
        ctx(secretariat, vn(2023, 6, 13)),
        uc.RecordMeasurement(
            plan=PLAN,
            target=8,
            indicator="8a",
            value="40",
            period_start=date(2023, 1, 1),
            period_end=date(2023, 6, 13),
            source="Cổng dịch vụ công",
            measurement_id="m-8a-1",
        ),
    )


def corrections(app: ParLedger, who: dict[str, Actor]) -> None:
    """Recorded after the Q2 report was sent, effective inside its period: late entries."""
    secretariat = who["thu-ky-cchc"]
    app.handle(
        ctx(secretariat, vn(2023, 6, 10), "Nhập sai số liệu khảo sát"),
        cat_hai.corrected_7b("Khảo sát SIPAS (bản sửa)", measurement_id="m-7b-2"),
    )
    app.handle(
        ctx(secretariat, vn(2023, 6, 13), "Số liệu chưa được xác nhận"),
        uc.RetractMeasurement(plan=PLAN, target=8, measurement_id="m-8a-1"),
    )
    app.handle(
        ctx(secretariat, vn(2023, 12, 20)),
        uc.RecordAreaScore(plan=PLAN, area="II", kind="appraised", score="3.25"),
    )


def inspections(app: ParLedger, who: dict[str, Actor]) -> UUID:
    inspector = who["thanh-tra-vien"]
    planned = app.handle(ctx(inspector, vn(2023, 4, 3)), cat_hai.commune_inspection())
    first = planned.changes[0].id
    app.handle(
        ctx(inspector, vn(2023, 4, 20)),
        uc.RecordInspectionConducted(inspection_id=first, note="Đủ thành phần"),
    )
    app.handle(ctx(inspector, vn(2023, 4, 20)), cat_hai.posting_finding(first))
    app.handle(
        ctx(inspector, vn(2023, 4, 21)),
        uc.RecordFinding(
            inspection_id=first,
            finding="Sổ theo dõi hồ sơ ghi thiếu",
            recommendation="Bổ sung sổ theo dõi",
            remediation_deadline=date(2023, 6, 15),
            finding_id="f2",
        ),
    )
    app.handle(
        ctx(inspector, vn(2023, 4, 28)),
        uc.ConcludeInspection(
            inspection_id=first,
            notice_number="12/TB-NV",
            notice_date=date(2023, 4, 28),
            summary="Xã thực hiện cơ bản đầy đủ; còn hai tồn tại.",
        ),
    )
    app.handle(
        ctx(inspector, vn(2023, 5, 25)),
        uc.AddRemediationEvidence(
            inspection_id=first,
            finding_id="f1",
            description="Đã niêm yết 126 thủ tục",
            document_number="30/BC-UBND",
            document_date=date(2023, 5, 25),
        ),
    )
    app.handle(
        ctx(inspector, vn(2023, 5, 30)), uc.CloseFinding(inspection_id=first, finding_id="f1")
    )
    second = app.handle(
        ctx(inspector, vn(2023, 9, 1)),
        uc.PlanInspection(
            plan=PLAN,
            agency="phong-tu-phap",
            kind="unannounced",
            scheduled_on=date(2023, 9, 12),
            scope="Kiểm tra việc giải quyết hồ sơ chứng thực",
        ),
    )
    app.handle(
        ctx(inspector, vn(2023, 9, 12)),
        uc.RecordInspectionConducted(inspection_id=second.changes[0].id),
    )
    return first


def dossiers(app: ParLedger, who: dict[str, Actor]) -> None:
    officer = who["can-bo-kinh-te"]
    app.handle(ctx(officer, vn(2023, 5, 20)), cat_hai.late_permit())
    apology = cat_hai.permit_apology(
        apology_id="a1", citizen_name="Nguyễn Thị Hoa", citizen_contact="0912 345 678"
    )
    app.handle(ctx(officer, vn(2023, 5, 19)), apology)
    app.handle(ctx(officer, vn(2023, 5, 29)), uc.ReturnDossierResult(dossier_code="HS-2023-001"))
    app.handle(
        ctx(officer, vn(2023, 8, 1)),
        uc.ReportLateDossier(
            plan=PLAN,
            dossier_code="HS-2023-002",
            procedure="Cấp phép khai thác nước mặt",
            agency="phong-kinh-te-ha-tang",
            received_on=date(2023, 7, 3),
            due_on=date(2023, 8, 2),
        ),
    )
    app.handle(
        ctx(officer, vn(2023, 8, 1)),
        uc.IssueApology(
            dossier_code="HS-2023-002",
            issued_on=date(2023, 8, 1),
            reason_text="Thiếu hồ sơ",
            new_appointment=date(2023, 8, 10),
            signer="Trưởng phòng",
            apology_id="a2",
            citizen_name="Trần Văn Bình",
        ),
    )
    app.handle(
        ctx(officer, vn(2023, 8, 2), "Ghi nhầm hồ sơ"),
        uc.WithdrawApology(dossier_code="HS-2023-002", apology_id="a2"),
    )
    app.handle(
        ctx(officer, vn(2023, 8, 2)),
        uc.IssueApology(
            dossier_code="HS-2023-002",
            issued_on=date(2023, 8, 2),
            reason_text="Chờ kết quả khảo sát thực địa",
            new_appointment=date(2023, 8, 16),
            signer="Trưởng phòng Kinh tế và Hạ tầng",
            apology_id="a3",
            citizen_name="Trần Văn Bình",
            citizen_contact="binh@example.vn",
        ),
    )
    app.handle(
        ctx(reason="Công dân yêu cầu xoá dữ liệu cá nhân"),
        uc.EraseCitizenData(dossier_code="HS-2023-002"),
    )


def directory(app: ParLedger) -> None:
    """The two-tier reorganisation of 2025, effective on its dates."""
    app.handle(
        ctx(effective=vn(2025, 7, 1)),
        uc.RegisterAgency(
            agency_code="ubnd-dac-khu-cat-hai",
            unit="cat-hai",
            name="UBND đặc khu Cát Hải",
            kind="district_peoples_committee",
            aliases=["Đặc khu Cát Hải"],
        ),
    )
    app.handle(
        ctx(effective=vn(2025, 3, 1), reason="Hợp nhất chức năng lao động"),
        uc.RenameAgency(agency_code="phong-noi-vu-ldtbxh", name="Phòng Nội vụ"),
    )
    app.handle(
        ctx(effective=vn(2025, 7, 1), reason="Tổ chức chính quyền hai cấp"),
        uc.MergeAgency(agency_code="ubnd-huyen", successor="ubnd-dac-khu-cat-hai"),
    )
    app.handle(
        ctx(effective=vn(2025, 3, 1), reason="Chuyển chức năng về Phòng Nội vụ"),
        uc.DissolveAgency(agency_code="phong-y-te"),
    )


def amend_plan(app: ParLedger) -> None:
    """A corrected plan file: the plan's title, one target's wording, one task's product."""
    plan = bundled_plan(PLAN)
    targets = [
        t.model_copy(update={"text": t.text + " (sửa đổi)"}) if t.number == 9 else t
        for t in plan.targets
    ]
    tasks_ = [
        t.model_copy(update={"product": "Báo cáo kết quả (sửa đổi)"}) if t.number == "5" else t
        for t in plan.tasks
    ]
    amended = plan.model_copy(
        update={"title": plan.title + " (điều chỉnh)", "targets": targets, "tasks": tasks_,
                "source": replace_sha(plan.source)}
    )  # fmt: skip
    import_plan(app, amended, ctx(effective=vn(2023, 3, 10), reason="Kế hoạch điều chỉnh"))


def replace_sha(source: Any) -> Any:
    return source.model_copy(update={"sha256": "1" * 64})


def scenario(app: ParLedger) -> dict[str, Any]:
    """Run every command; returns the questions whose answers the fixture stores."""
    import_plan(app, bundled_plan(PLAN), ctx())
    imported = mark(app)
    who = users(app)
    tasks(app, who)
    figures(app, who)
    inspection = inspections(app, who)
    dossiers(app, who)
    app.handle(ctx(who["thu-ky-cchc"], vn(2023, 6, 7)), uc.SubmitReport(plan=PLAN, period="Q2"))
    reported = mark(app)
    corrections(app, who)
    amend_plan(app)
    amended = mark(app)
    directory(app)
    pairs = [
        ("2023-01-31", imported),
        ("2023-01-31", None),
        ("2023-06-14", reported),
        ("2023-06-14", None),
        ("2023-06-30", amended),
        ("2023-12-31", None),
        ("2025-07-31", None),
    ]
    return {
        "replays": [{"as_of": a, "known_at": k} for a, k in pairs],
        "audit": {
            "task:3": str(ids.task_id(PLAN, "3")),
            "task:6": str(ids.task_id(PLAN, "6")),
            "target:7": str(ids.target_id(PLAN, 7)),
            "inspection:first": str(inspection),
            "dossier:HS-2023-002": str(ids.dossier_id("HS-2023-002")),
            "agency:ubnd-huyen": str(ids.agency_id("ubnd-huyen")),
            "plan": str(ids.plan_id(PLAN)),
        },
        "timelines": {
            "task:6": {
                "id": str(ids.task_id(PLAN, "6")),
                "as_of": vn(2023, 7, 1).isoformat(),
                "upto": None,
            },
            "target:7": {"id": str(ids.target_id(PLAN, 7)), "as_of": None, "upto": 60},
        },
        "report_period": "Q2",
    }


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a new folder, e.g. tests/compat/release-0.3")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if folder.exists() and any(folder.iterdir()):
        print(f"{folder} exists: a release fixture is never regenerated", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    app = ParLedger(parse_database_url(f"sqlite:///{folder / answers.SQLITE_FILE}"))
    try:
        questions = scenario(app)
        key = write_key(folder / answers.KEY_FILE)
        digest, _ = make_digest(app.ledger_recorder, key)
        answers.dump(folder / answers.DIGEST_FILE, digest.to_json())
        answers.dump(folder / answers.QUESTIONS_FILE, questions)
        answers.dump(folder / answers.ANSWERS_FILE, answers.answer(app, questions, digest))
    finally:
        app.close()
    # The file as an earlier release left it: no write-ahead log beside it.
    print(json.dumps({"folder": str(folder), "events": digest.size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
