"""Working days of the Vietnamese civil service, counted in ``Asia/Ho_Chi_Minh``.

The public holidays, Tết and the compensatory days come from the ``holidays`` package (pinned in
``pyproject.toml``: a new release may change its data, and an answer must not change under a
stored ledger without a new calendar version). ``data/calendar-vn.json`` adds the Government's
yearly swaps the package does not carry; an administrator's recorded corrections come last and
win. Saturdays and Sundays are days off unless a swap makes them working days.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import metadata, resources
from typing import Any
from zoneinfo import ZoneInfo

import holidays

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The calendar answers only within these years: a count that runs past them is a mistake in
# the input (a due date typed with the wrong year), not a deadline.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_SAFETY_SPAN = 366 * 3  # no run of days off is longer than this; a guard against a bad swap


class CalendarRangeError(ValueError):
    """A date or a count outside the years the calendar answers for."""


@dataclass(frozen=True)
class DayRule:
    """One day's status decided beyond the package's holidays: ``working`` or not, and why."""

    day: date
    working: bool
    reason: str
    source: str = ""


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days. Build one with :func:`civil_service_calendar`."""

    overrides: Mapping[date, DayRule] = field(default_factory=dict)
    version: str = ""

    def is_working_day(self, day: date) -> bool:
        rule = self.overrides.get(day)
        if rule is not None:
            return rule.working
        _check_year(day)
        off, swapped_in = _package_year(day.year)
        if day in swapped_in:
            return True
        return day.weekday() < 5 and day not in off

    def why(self, day: date) -> str:
        """A short Vietnamese reason for the day's status."""
        rule = self.overrides.get(day)
        if rule is not None:
            return rule.reason
        off, swapped_in = _package_year(day.year)
        if day in swapped_in:
            return "ngày làm việc bù"
        if day in off:
            return off[day]
        return "ngày làm việc" if day.weekday() < 5 else "nghỉ cuối tuần"

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (before it when ``count`` is negative);
        ``start`` itself when ``count`` is 0."""
        step = 1 if count >= 0 else -1
        day, left, idle = start, abs(count), 0
        while left:
            day += timedelta(days=step)
            if self.is_working_day(day):
                left, idle = left - 1, 0
            else:
                idle += 1
                if idle > _SAFETY_SPAN:
                    raise CalendarRangeError(f"không có ngày làm việc nào sau {day:%d/%m/%Y}")
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The inverse of :meth:`add_working_days`: the working days after ``start`` up to and
        including ``end``; when ``end`` is before ``start``, minus the working days from ``end``
        up to but excluding ``start``."""
        _check_year(start)
        _check_year(end)
        if end < start:
            return -sum(1 for n in range((start - end).days) if self.is_working_day(end + _day(n)))
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + _day(n))
        )

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    def days(self, start: date, end: date) -> list[tuple[date, bool, str]]:
        """Each day from ``start`` to ``end`` inclusive: (day, working, why)."""
        out = []
        for n in range((end - start).days + 1):
            d = start + timedelta(days=n)
            out.append((d, self.is_working_day(d), self.why(d)))
        return out

    def with_rules(self, rules: Iterable[DayRule], *, label: str) -> WorkingCalendar:
        """This calendar with ``rules`` applied on top (later rules win). ``label`` names them
        in the version, e.g. the ledger position of the last recorded correction."""
        merged = dict(self.overrides)
        for rule in rules:
            _check_year(rule.day)
            merged[rule.day] = rule
        return WorkingCalendar(overrides=merged, version=f"{self.version}+{label}")


def _day(n: int) -> timedelta:
    return timedelta(days=n)


def local_day(moment: datetime) -> date:
    """The Vietnamese calendar day of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("moment must carry its time zone")
    return moment.astimezone(TIMEZONE).date()


@cache
def civil_service_calendar() -> WorkingCalendar:
    """The package's holidays plus the packaged swaps; its version names both."""
    raw = resources.files("rules").joinpath("data/calendar-vn.json").read_bytes()
    data: dict[str, Any] = json.loads(raw)
    rules = [
        DayRule(date.fromisoformat(item["day"]), working, item["reason"], item.get("source", ""))
        for key, working in (("days_off", False), ("working_days", True))
        for item in data[key]
    ]
    digest = hashlib.sha256(raw).hexdigest()[:12]
    base = WorkingCalendar(version=f"holidays-{metadata.version('holidays')}")
    return base.with_rules(rules, label=f"{data['id']}@{digest}")


def _check_year(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarRangeError(
            f"ngày {day:%d/%m/%Y} nằm ngoài khoảng năm {FIRST_YEAR}–{LAST_YEAR} của lịch"
        )


@cache
def _package_year(year: int) -> tuple[Mapping[date, str], frozenset[date]]:
    """The package's days off for one year, and the weekend days it swaps into working days."""
    calendar = holidays.country_holidays("VN", years=year, language="vi")
    swapped_in = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return {d: str(name) for d, name in calendar.items()}, swapped_in
