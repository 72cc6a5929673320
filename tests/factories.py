"""A small plan built directly (independent of the text parser), for ledger tests, and the
commands those tests send about it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledger.usecases.dossier import ReportLateDossier
from planfile.schema import (
    Agency,
    AgencyGroup,
    AgencyKind,
    Area,
    Document,
    Indicator,
    PlanFile,
    ReportingPeriod,
    Signer,
    Source,
    Target,
    Task,
    TimeFrame,
    Warning,
)


def small_plan(plan_id: str = "thu-nghiem-2023", *, product: str = "Kế hoạch") -> PlanFile:
    return PlanFile(
        id=plan_id,
        unit="Huyện Thử Nghiệm",
        year=2023,
        title="Kế hoạch cải cách hành chính năm 2023",
        document=Document(
            text="Kế hoạch số 12/KH-UBND", number="12/KH-UBND", date=date(2023, 1, 5)
        ),
        signer=Signer(name="Nguyễn Văn A", title="Chủ tịch"),
        source=Source(file="thu-nghiem.txt", sha256="0" * 64),
        areas=[
            Area(
                code="I",
                name="Chỉ đạo điều hành",
                target_score=Decimal("13"),
                max_score=Decimal("13"),
                line=1,
            ),
            Area(
                code="V",
                name="Cải cách chế độ công vụ",
                target_score=Decimal("10.5"),
                max_score=Decimal("11.5"),
                line=2,
            ),
        ],
        targets=[
            Target(
                number=7,
                text="100% hồ sơ giải quyết đúng hạn; hài lòng đạt 90% trở lên.",
                line=3,
                indicators=[
                    Indicator(
                        code="7a",
                        label="Hồ sơ đúng hạn",
                        kind="percentage",
                        comparator=">=",
                        threshold=Decimal(100),
                        unit="%",
                    ),
                    Indicator(
                        code="7b",
                        label="Mức độ hài lòng",
                        kind="percentage",
                        comparator=">=",
                        threshold=Decimal(90),
                        unit="%",
                    ),
                ],
            ),
        ],
        agencies=[
            Agency(code="phong-noi-vu", name="Phòng Nội vụ", kind=AgencyKind.SPECIALISED_OFFICE),
            Agency(code="phong-tu-phap", name="Phòng Tư pháp", kind=AgencyKind.SPECIALISED_OFFICE),
            Agency(code="xa-dong-bai", name="UBND xã Đồng Bài", kind=AgencyKind.COMMUNE),
            Agency(code="xa-hien-hao", name="UBND xã Hiền Hào", kind=AgencyKind.COMMUNE),
        ],
        groups=[
            AgencyGroup(
                code="ubnd-cac-xa-thi-tran",
                name="UBND các xã, thị trấn",
                kinds=[AgencyKind.COMMUNE, AgencyKind.TOWN],
            ),
        ],
        tasks=[
            Task(
                number="1",
                area="I",
                content="Ban hành Kế hoạch cải cách hành chính năm 2023",
                lead_text="Phòng Nội vụ",
                coordinating_text="",
                lead=["phong-noi-vu"],
                coordinating=[],
                timeframe=TimeFrame(text="15/01/2023", start=None, due=date(2023, 1, 15)),
                product=product,
                line=10,
            ),
            Task(
                number="2",
                area="I",
                content="Kiểm tra cải cách hành chính các xã",
                lead_text="Phòng Nội vụ",
                coordinating_text="UBND các xã, thị trấn",
                lead=["phong-noi-vu"],
                coordinating=["ubnd-cac-xa-thi-tran"],
                timeframe=TimeFrame(
                    text="Cả năm 2023", start=date(2023, 1, 1), due=date(2023, 12, 31)
                ),
                product="Thông báo kết luận",
                line=11,
            ),
        ],
        reporting=[
            ReportingPeriod(
                code="Q2",
                name="Quý II năm 2023",
                start=date(2023, 4, 1),
                end=date(2023, 6, 30),
                cutoff_from=date(2023, 3, 15),
                cutoff_to=date(2023, 6, 14),
                due=date(2023, 6, 7),
            ),
        ],
        warnings=[Warning(line=11, code="example", message="Cảnh báo mẫu")],
    )


# The small plan's target 7 over the first quarter of 2023: where the tests' figures go.
Q1 = {
    "plan": "thu-nghiem-2023",
    "target": 7,
    "period_start": date(2023, 1, 1),
    "period_end": date(2023, 3, 31),
}


def late_dossier(code: str, received_on: date, due_on: date, **more: Any) -> ReportLateDossier:
    """A dossier the small plan's commune (xã Đồng Bài) returned late, its dates being what a
    test is about; ``more`` names the procedure, its kind or another plan."""
    given = {"plan": "thu-nghiem-2023", "procedure": "Chứng thực bản sao", **more}
    return ReportLateDossier(
        dossier_code=code, agency="xa-dong-bai", received_on=received_on, due_on=due_on, **given
    )
