"""Reports name the rule versions and the data window they used, and a submitted report
reproduces byte for byte after newer rule versions are released and applied to its plan."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import docx
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import reports.submission  # noqa: F401  (registers SubmitReport's use case)
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.plan import SubmitReport
from planfile.bundled import bundled_plan
from planfile.schema import ReportingPeriod
from replay.reports import diff
from reports.data import build_report
from reports.formats import render
from reports.vn_dates import vn_date
from rules.reporting import PeriodRule, ReportingRules, plan_periods, reporting_rules
from rules.versions import RuleVersion
from tests.cat_hai import PLAN, seed
from tests.conftest import ctx

ISSUED = date(2023, 6, 7)
FORMATS = ("docx", "xlsx", "json", "csv")
OLD_RULE = "reporting-periods@2019.1-huyen"


def _files(app: ParLedger, position: int) -> dict[str, bytes]:
    report = build_report(app, PLAN, "Q2", issued_on=ISSUED, position=position)
    return {name: render(report, name)[0] for name in FORMATS}


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def _newer(number: int, start: date, shift_window: bool, due_day: int) -> ReportingRules:
    """A newer district version in force from ``start`` (before the period: it would govern
    it), with another window or default deadline."""
    base = reporting_rules()[1]
    periods = tuple(
        replace(p, window_from="previous_december") if shift_window and p.code == "Q2" else p
        for p in base.periods
    )
    version = RuleVersion(
        "reporting-periods", f"2099.{number}", "phiên bản thử", "văn bản thử", start,
        level="district",
    )  # fmt: skip
    return ReportingRules(version, periods, due_day, "thử")


def test_a_submitted_report_names_its_rules_and_reproduces_after_newer_versions(
    app: ParLedger,
) -> None:
    seed(app)
    result = app.handle(ctx(), SubmitReport(plan=PLAN, period="Q2"))
    submitted_at, sha = int(result.detail["position"]), result.detail["sha256"]
    before = _files(app, submitted_at)

    content = json.loads(before["json"])
    assert content["sha256"] == sha
    assert content["content"]["period"]["rule"] == OLD_RULE
    basis = content["basis"]
    assert basis["reporting_rule"] == OLD_RULE and "09/2019/NĐ-CP" in basis["reporting_rule_source"]
    assert basis["window"] == {"from": "2023-03-15", "to": "2023-06-14"}
    assert basis["provisional"] == {"from": "2023-06-08", "to": "2023-06-14"}
    assert basis["calendar"].startswith("holidays-")
    words = _text(before["docx"])
    window = f"từ {vn_date(date(2023, 3, 15))} đến {vn_date(date(2023, 6, 14))}"
    assert OLD_RULE in words and f"Kỳ số liệu: {window}" in words
    early = f"từ {vn_date(date(2023, 6, 8))} đến {vn_date(date(2023, 6, 14))} là những gì sổ cái"
    assert early in words
    assert basis["calendar"] in words

    seen: list[str] = []

    # Every example appends to the one store (the submitted report must survive them all), so
    # a failing example is shown as found: shrinking would replay it on a store it changed.
    @settings(max_examples=6, phases=[Phase.explicit, Phase.generate])
    @given(
        start=st.dates(min_value=date(2019, 3, 13), max_value=date(2023, 6, 14)),
        shift_window=st.booleans(),
        due_day=st.integers(min_value=5, max_value=20),
    )
    def newer_versions_recorded_later(start: date, shift_window: bool, due_day: int) -> None:
        newer = _newer(len(seen) + 1, start, shift_window, due_day)
        periods = plan_periods(2023, "district", 8, versions=[*reporting_rules(), newer])
        [q2] = [p for p in periods if p["code"] == "Q2"]
        assert q2["rule"] == newer.ref  # in force for the period: a new plan would take it
        seen.append(newer.ref)
        amended = bundled_plan(PLAN).model_copy(
            update={"reporting": [ReportingPeriod.model_validate(p) for p in periods]}
        )
        import_plan(app, amended, ctx(reason=f"Kỳ báo cáo theo {newer.ref}"))
        # The submitted report: the same bytes in every format, the hash it recorded.
        assert _files(app, submitted_at) == before
        # Today's report is the plan as recorded now: under the newer version.
        head = int(app.recorder.max_notification_id() or 0)
        now = json.loads(render(build_report(app, PLAN, "Q2", position=head), "json")[0])
        assert now["basis"]["reporting_rule"] == newer.ref

    newer_versions_recorded_later()
    found = diff(app, PLAN, "Q2")
    assert found["reproduced"] is True and found["submitted"]["sha256"] == sha
    assert len(seen) > 1


def test_a_plan_recorded_before_versioned_rules_keeps_its_report(app: ParLedger) -> None:
    """A plan file without rule versions (an older release's) is recorded and reported as it
    was: its report's content names no rule it was not computed under."""
    plan = bundled_plan(PLAN)
    legacy = [
        ReportingPeriod.model_validate(
            {
                k: v
                for k, v in p.model_dump().items()
                if k not in ("rule", "calendar", "due_effective")
            }
        )
        for p in plan.reporting
    ]
    import_plan(app, plan.model_copy(update={"reporting": legacy}), ctx())
    files = _files(app, int(app.recorder.max_notification_id() or 0))
    report = json.loads(files["json"])
    assert set(report["content"]["period"]) == {
        "code", "name", "start", "end", "cutoff_from", "cutoff_to", "due"
    }  # fmt: skip
    assert report["basis"]["reporting_rule"] is None
    words = _text(files["docx"])
    assert "trước khi sổ cái ghi phiên bản quy định" in words


def test_a_deadline_on_a_day_off_ends_on_the_next_working_day() -> None:
    # "trước ngày 15": due Saturday 14/09/2024, so the end of Monday 16/09/2024.
    [q3] = [p for p in plan_periods(2024, "district", 15) if p["code"] == "Q3"]
    assert (q3["due"], q3["due_effective"]) == (date(2024, 9, 14), date(2024, 9, 16))
    # After 1/7/2025 there are no districts: the every-level version governs.
    [q3_2025] = [p for p in plan_periods(2025, "district") if p["code"] == "Q3"]
    assert q3_2025["rule"] == "reporting-periods@2019.1"
    assert [p["rule"] for p in plan_periods(2025, "district")][:1] == [OLD_RULE]


def test_period_rule_is_data_with_its_source() -> None:
    for rules in reporting_rules():
        assert rules.version.legal_source and rules.due_source
        assert {p.code for p in rules.periods} == {"Q1", "Q2", "H1", "Q3", "Q4", "Y"}
        assert all(isinstance(p, PeriodRule) for p in rules.periods)
