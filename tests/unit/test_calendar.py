"""The working-day calendar: known days of 2023-2025 and the add/count inverse property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.calendar import (
    CalendarRangeError,
    DayRule,
    civil_service_calendar,
    local_day,
)

CAL = civil_service_calendar()
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def test_tet_2025_break_and_the_last_working_day_before_it() -> None:
    assert CAL.is_working_day(date(2025, 1, 24))  # Friday before the break
    for d in range(25, 32):
        assert not CAL.is_working_day(date(2025, 1, d)), d
    assert not CAL.is_working_day(date(2025, 2, 1))
    assert not CAL.is_working_day(date(2025, 2, 2))
    assert CAL.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    assert CAL.add_working_days(date(2025, 2, 3), -1) == date(2025, 1, 24)
    assert CAL.working_days_between(date(2025, 1, 24), date(2025, 2, 3)) == 1
    assert "Tết" in CAL.why(date(2025, 1, 29))


def test_holidays_of_2023_and_a_saturday_swapped_into_a_working_day() -> None:
    for day in (date(2023, 1, 2), date(2023, 5, 2), date(2023, 5, 3), date(2023, 9, 4)):
        assert not CAL.is_working_day(day), day
    # 2025: Friday 2 May was a day off, worked on Saturday 26 April instead.
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert CAL.is_working_day(date(2025, 4, 26))
    assert CAL.why(date(2025, 4, 26)) == "ngày làm việc bù"
    assert not CAL.is_working_day(date(2025, 4, 27))  # an ordinary Sunday


def test_a_recorded_correction_wins_and_changes_the_version() -> None:
    fixed = CAL.with_rules(
        [DayRule(date(2025, 1, 24), False, "nghỉ theo quyết định của UBND", "QĐ 1/2025")],
        label="position-7",
    )
    assert not fixed.is_working_day(date(2025, 1, 24))
    assert fixed.add_working_days(date(2025, 1, 23), 1) == date(2025, 2, 3)
    assert fixed.version != CAL.version and fixed.version.endswith("+position-7")
    assert CAL.is_working_day(date(2025, 1, 24))  # the base calendar is unchanged


def test_days_are_counted_in_vietnam() -> None:
    late_evening_utc = datetime(2025, 1, 23, 18, 30, tzinfo=UTC)
    assert local_day(late_evening_utc) == date(2025, 1, 24)
    with pytest.raises(ValueError):
        local_day(datetime(2025, 1, 23, 18, 30))


def test_out_of_range_years_are_refused() -> None:
    with pytest.raises(CalendarRangeError):
        CAL.is_working_day(date(1999, 12, 31))
    with pytest.raises(CalendarRangeError):
        CAL.add_working_days(date(2100, 12, 1), 40)


@given(DAYS, st.integers(min_value=-400, max_value=400))
def test_adding_n_working_days_and_counting_them_back_agree(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_working_day(end)
        assert (end > start) == (n > 0)


@given(DAYS, DAYS)
def test_counting_matches_the_day_list(a: date, b: date) -> None:
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days <= 120:
        after_lo = sum(1 for _, working, _ in CAL.days(lo + timedelta(days=1), hi) if working)
        assert CAL.working_days_between(lo, hi) == after_lo
        before_hi = sum(1 for _, working, _ in CAL.days(lo, hi - timedelta(days=1)) if working)
        assert CAL.working_days_between(hi, lo) == -before_hi
