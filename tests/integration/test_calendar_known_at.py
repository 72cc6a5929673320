"""Property: the calendar as known at each position is the packaged calendar with exactly the
corrections recorded by then (the latest for a day wins), however many are recorded after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import ParLedger
from ledger.usecases.calendar import CorrectCalendarDay, DayStatus
from persistence.settings import parse_database_url
from replay.calendar import calendar_at
from rules.calendar import civil_service_calendar
from tests.conftest import ctx, fresh_database_urls

FIRST = date(2026, 4, 20)  # a fortnight around 30/4–1/5: holidays, weekends and working days
DAYS = [FIRST + timedelta(days=n) for n in range(14)]
CORRECTIONS = st.lists(st.tuples(st.sampled_from(DAYS), st.booleans()), min_size=1, max_size=6)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_calendar_known_at_each_position(backend: str, request: pytest.FixtureRequest) -> None:
    base = civil_service_calendar()
    with fresh_database_urls(backend, request) as fresh_url:

        @given(corrections=CORRECTIONS)
        def check(corrections: list[tuple[date, bool]]) -> None:
            app = ParLedger(parse_database_url(fresh_url()))
            try:
                positions = [int(app.recorder.max_notification_id() or 0)]
                for n, (day, working) in enumerate(corrections):
                    status = DayStatus.WORKING if working else DayStatus.DAY_OFF
                    app.handle(
                        ctx(reason=f"điều chỉnh {n}"),
                        # A new source each time: the same day and status again is a new act.
                        CorrectCalendarDay(day=day, status=status, source=f"văn bản {n}"),
                    )
                    positions.append(int(app.recorder.max_notification_id() or 0))
                for known, position in enumerate(positions):
                    expected = {d: base.is_working_day(d) for d in DAYS}
                    expected |= dict(corrections[:known])
                    calendar = calendar_at(app, position=position)
                    assert {d: calendar.is_working_day(d) for d in DAYS} == expected
                    if known:
                        assert calendar.version == f"{base.version}+ledger@{position}"
                    else:
                        assert calendar.version == base.version
            finally:
                app.close()

        check()
