"""Reporting periods as a versioned rule set: which periods, each one's data window, and when
its report is due.

The data window is Decree 09/2019/NĐ-CP art. 12: from the 15th of the month before the period
to the 14th of its last month; the six-month and yearly windows start on 15 December of the
previous year. The deadline is the reporting body's (a plan's "gửi trước ngày 08 tháng cuối của
quý"); the version gives the default when a plan states none. A deadline falling on a day off
ends at the end of the next working day (Civil Code 2015 art. 148(5)), on the working-day
calendar the version of which the period records.

**A report due before its window closes** (due 07/06, window to 14/06) keeps the Decree's
window: a plan, a lower instrument, sets when to send, not what the report covers. The report
is the plan as of the window's last day *as known when it is made*; what is effective from the
day after the deadline to the window's end is provisional (ước tính) and the report says so,
naming the span; what the ledger learns later is the report's diff, never a silent change.
(Closing the window the day before the deadline instead would report a period different from
the one the Decree defines, and would change every report already submitted.)

A plan records, for each period, the version it was computed under (``rule``) and the calendar
(``calendar``): a newer version changes the periods of plans recorded from then on, never a
stored plan's nor a submitted report's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from rules.calendar import WorkingCalendar, civil_service_calendar
from rules.versions import RuleVersion, in_force

RULE = "reporting-periods"
# Units' levels as the rule sets know them: since 1/7/2025 wards and special zones are of the
# commune level, as towns (thị trấn) were before.
RULE_LEVEL = {"ward": "commune", "special_zone": "commune", "town": "commune"}


@dataclass(frozen=True)
class PeriodRule:
    code: str  # Q1, Q2, H1, Q3, Q4, Y
    name: str  # "Quý II năm {year}"
    first_month: int
    last_month: int
    window_from: str  # "previous_month" or "previous_december"
    regime: str  # what the CCHC reporting regime calls it, for users


@dataclass(frozen=True)
class ReportingRules:
    version: RuleVersion
    periods: tuple[PeriodRule, ...]
    default_due_day: int  # "gửi trước ngày NN tháng cuối kỳ" when the plan states none
    due_source: str

    @property
    def ref(self) -> str:
        return self.version.ref

    def describe(self) -> dict[str, Any]:
        return {
            **self.version.describe(),
            "default_due_day": self.default_due_day,
            "due_source": self.due_source,
            "periods": [p.__dict__ for p in self.periods],
        }

    def window(self, period: PeriodRule, year: int) -> tuple[date, date]:
        """The data window (Decree 09/2019/NĐ-CP art. 12)."""
        if period.window_from == "previous_december":
            start = date(year - 1, 12, 15)
        else:
            month = period.first_month - 1 or 12
            start = date(year if period.first_month > 1 else year - 1, month, 15)
        return start, date(year, period.last_month, 14)

    def period_of(
        self,
        period: PeriodRule,
        year: int,
        due_day: int | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> dict[str, Any]:
        """One period of ``year`` as a plan records it. ``due_day``: the plan's "trước ngày
        NN" (default: the version's); the report is due the day before it."""
        calendar = calendar or civil_service_calendar()
        last = date(year, period.last_month, 1)
        window_from, window_to = self.window(period, year)
        due = date(year, period.last_month, due_day or self.default_due_day) - timedelta(days=1)
        return {
            "code": period.code,
            "name": period.name.format(year=year),
            "start": date(year, period.first_month, 1),
            "end": (last + timedelta(days=31)).replace(day=1) - timedelta(days=1),
            "cutoff_from": window_from,
            "cutoff_to": window_to,
            "due": due,
            "due_effective": calendar.next_working_day(due),
            "rule": self.ref,
            "calendar": calendar.version,
        }


def plan_periods(
    year: int,
    unit_level: str | None = None,
    due_day: int | None = None,
    *,
    versions: Iterable[ReportingRules] | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[dict[str, Any]]:
    """A plan's periods for ``year``, each under the version in force on the last day of its
    data window (a new instrument from 1 July governs Q3 and the year, not Q1)."""
    candidates = tuple(versions) if versions is not None else reporting_rules()
    out = []
    for period in rules_for(date(year, 1, 1), unit_level, candidates).periods:
        rules = rules_for(date(year, period.last_month, 14), unit_level, candidates)
        chosen = next((p for p in rules.periods if p.code == period.code), None)
        if chosen is not None:
            out.append(rules.period_of(chosen, year, due_day, calendar))
    return out


def provisional_span(due: date, window_to: date) -> tuple[date, date] | None:
    """The days of a data window after the report's deadline: what a report sent on time
    shows of them is what was known when it was made (None when the window closes by it)."""
    return (due + timedelta(days=1), window_to) if due < window_to else None


def _load(raw: dict[str, Any]) -> tuple[ReportingRules, ...]:
    found: dict[str, ReportingRules] = {}
    for item in raw["versions"]:
        periods = item["periods"]
        shared = found[periods].periods if isinstance(periods, str) else None
        version = RuleVersion.of_data(raw["rule"], item)
        found[item["version"]] = ReportingRules(
            version=version,
            periods=shared or tuple(PeriodRule(**p) for p in periods),
            default_due_day=int(item["default_due_day"]),
            due_source=item["due_source"],
        )
    return tuple(found.values())


@cache
def reporting_rules() -> tuple[ReportingRules, ...]:
    """Every packaged version (``data/reporting-vn.json``)."""
    raw = resources.files("rules").joinpath("data/reporting-vn.json").read_bytes()
    return _load(json.loads(raw))


def rule_level(unit_level: str | None) -> str:
    return RULE_LEVEL.get(unit_level or "", unit_level or "")


def rules_for(
    day: date, unit_level: str | None = None, versions: Iterable[ReportingRules] | None = None
) -> ReportingRules:
    """The version in force at ``day`` for a unit of ``unit_level``."""
    candidates = tuple(versions) if versions is not None else reporting_rules()
    chosen = in_force([r.version for r in candidates], day, rule_level(unit_level))
    return next(r for r in candidates if r.version is chosen)


def by_ref(ref: str, versions: Sequence[ReportingRules] | None = None) -> ReportingRules | None:
    """A version by the ref a plan recorded (None for one this release does not know)."""
    return next((r for r in versions or reporting_rules() if r.ref == ref), None)
