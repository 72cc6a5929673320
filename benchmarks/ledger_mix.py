"""A realistic, growing ledger for benchmarks: many districts, plans and years.

Each plan-year is a copy of the Cát Hải 2023 plan for one district and year (its agencies
prefixed with the district, so the directory grows with the ledger as it would), imported by
the real importer, then a year of activity made by the domain's own commands and saved through
the application (index rows and all): weekly task progress, monthly figures for every
indicator, late dossiers with apologies and returned results, and inspections with findings.
About 2,700 events per plan-year. The first plan-year is ``cat-hai-2023`` itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from domain import ids
from domain.base import LedgerAggregate
from domain.dossier import LateDossier
from domain.inspection import Inspection
from domain.target import Target
from domain.task import Task
from domain.values import VN_TZ, Actor, EventMeta, Role, Source
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.importer import import_plan
from planfile.bundled import bundled_plan
from planfile.schema import PlanFile

OPERATOR = Actor(id="os:bench", name="bench", role=Role.ADMIN)
YEARS = (2023, 2024, 2025, 2026, 2027)


def _meta(day: date) -> EventMeta:
    return EventMeta(
        actor=OPERATOR,
        effective_at=datetime.combine(day, time(9), VN_TZ),
        reason="dữ liệu đo hiệu năng",
        source=Source.CLI,
    )


def _shift(value: Any, years: int) -> Any:
    if isinstance(value, date):
        try:
            return value.replace(year=value.year + years)
        except ValueError:  # 29/02
            return value.replace(year=value.year + years, day=28)
    if isinstance(value, dict):
        return {k: _shift(v, years) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, years) for v in value]
    return value


def plan_year(district: int, year: int) -> PlanFile:
    """The Cát Hải 2023 plan moved to another district (agency codes prefixed) and year."""
    base = bundled_plan("cat-hai-2023")
    if district == 0 and year == 2023:
        return base
    prefix = f"d{district}-"
    data = _shift(base.model_dump(mode="python", by_alias=True), year - 2023)
    data["id"] = f"d{district}-{year}"
    data["year"] = year
    for agency in data["agencies"]:
        agency["code"] = prefix + agency["code"]
    for group in data["groups"]:
        group["code"] = prefix + group["code"]
    for task in data["tasks"]:
        task["lead"] = [prefix + c for c in task["lead"]]
        task["coordinating"] = [prefix + c for c in task["coordinating"]]
    return PlanFile.model_validate(data)


@dataclass
class Mix:
    app: ParLedger
    rng: random.Random = field(default_factory=lambda: random.Random(2023))
    made: int = 0  # plan-years made so far

    def grow_to(self, events: int) -> None:
        while int(self.app.recorder.max_notification_id() or 0) < events:
            district, year = divmod(self.made, len(YEARS))
            self.add_plan_year(district, YEARS[year])
            self.made += 1

    def add_plan_year(self, district: int, year: int) -> None:
        plan = plan_year(district, year)
        import_plan(self.app, plan, CommandContext(actor=OPERATOR, source=Source.CLI))
        self.add_activity(plan, year)

    def add_activity(self, plan: PlanFile, year: int) -> None:
        """A year of activity on ``plan``, already imported (benchmarks/national.py makes
        its plans its own way and reuses this)."""
        offices = [a.code for a in plan.agencies if a.kind.value == "specialised_office"]
        communes = [a.code for a in plan.agencies if a.kind.value in ("commune", "town")]
        touched: list[LedgerAggregate] = []
        rng = self.rng
        start = date(year, 1, 2)
        for task in plan.tasks:
            aggregate: Task = self.app.repository.get(ids.task_id(plan.id, task.number))
            assert isinstance(aggregate, Task)
            for week in range(0, 50, 1 + rng.randrange(2)):
                on = start + timedelta(weeks=week)
                aggregate.report_progress(
                    percent=min(100, week * 2), note="Tiến độ", meta=_meta(on)
                )
            touched.append(aggregate)
        for target in plan.targets:
            aggregate = self.app.repository.get(ids.target_id(plan.id, target.number))
            assert isinstance(aggregate, Target)
            for month in range(1, 13):
                for indicator in target.indicators:
                    aggregate.record_measurement(
                        measurement_id=f"m{month}-{indicator.code}", indicator=indicator.code,
                        value=rng.randrange(60, 101), period_start=date(year, 1, 1),
                        period_end=date(year, month, 28), source="Báo cáo tháng",
                        meta=_meta(date(year, month, 28)),
                    )  # fmt: skip
            touched.append(aggregate)
        for n in range(400):
            due = start + timedelta(days=rng.randrange(340))
            dossier = LateDossier.report(
                plan=plan.id, dossier_code=f"{plan.id}-HS{n}", procedure="Cấp giấy phép xây dựng",
                agency=rng.choice(communes), received_on=due - timedelta(days=15), due_on=due,
                meta=_meta(due),
            )  # fmt: skip
            issued = due - timedelta(days=rng.randrange(-2, 3))
            dossier.issue_apology(
                apology_id="a1", issued_on=issued, reason_text="Hồ sơ cần xác minh thêm",
                new_appointment=due + timedelta(days=7), signer="Chủ tịch UBND xã",
                meta=_meta(max(issued, due - timedelta(days=3))),
            )  # fmt: skip
            dossier.return_result(meta=_meta(due + timedelta(days=rng.randrange(3, 10))))
            touched.append(dossier)
        for n, agency in enumerate(rng.sample(offices + communes, 10)):
            day = start + timedelta(days=30 * n + 10)
            inspection = Inspection.plan_inspection(
                plan=plan.id, agency=agency, kind="periodic", scheduled_on=day,
                scope="Công tác cải cách hành chính", meta=_meta(day - timedelta(days=20)),
            )  # fmt: skip
            inspection.record_conducted(note=None, meta=_meta(day))
            for f in range(3):
                inspection.record_finding(
                    finding_id=f"f{f}", finding="Niêm yết thủ tục chưa đầy đủ",
                    recommendation="Niêm yết công khai",
                    remediation_deadline=day + timedelta(days=30),
                    meta=_meta(day),
                )  # fmt: skip
            inspection.conclude(
                notice_number=f"{n}/TB-UBND", notice_date=day + timedelta(days=5),
                summary="Cơ bản thực hiện tốt", meta=_meta(day + timedelta(days=5)),
            )  # fmt: skip
            touched.append(inspection)
        for chunk in range(0, len(touched), 100):
            self.app.save(*touched[chunk : chunk + 100])
