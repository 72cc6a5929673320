"""Calendar corrections recorded as events: who may record one, what it must say, and the
calendar as known at a position, which a later correction never changes."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidValue, RuleViolation
from domain.values import Actor, Role
from ledger.application import ParLedger
from ledger.errors import Forbidden
from ledger.refs import parse_ref
from ledger.usecases.calendar import CorrectCalendarDay, DayStatus
from persistence.records import IndexFilter
from projections import live
from projections.audit import iter_audit
from replay.calendar import calendar_at, corrections_known_at, corrections_of
from rules.calendar import civil_service_calendar
from tests.conftest import ctx

SECRETARIAT = Actor(id="user:thu-ky", name="thu-ky", role=Role.SECRETARIAT)
SOURCE = "Thông báo hoán đổi ngày làm việc (ví dụ kiểm thử)"


def _correct(app: ParLedger, day: date, status: DayStatus, reason: str = "Theo thông báo") -> int:
    result = app.handle(
        ctx(reason=reason), CorrectCalendarDay(day=day, status=status, source=SOURCE)
    )
    return result.positions[-1]


def test_a_correction_changes_the_calendar_from_its_position_on_only(app: ParLedger) -> None:
    saturday, monday = date(2026, 3, 7), date(2026, 3, 9)
    base = civil_service_calendar()
    assert not base.is_working_day(saturday) and base.is_working_day(monday)
    before = int(app.recorder.max_notification_id() or 0)
    first = _correct(app, saturday, DayStatus.WORKING)
    second = _correct(app, monday, DayStatus.DAY_OFF)

    then = calendar_at(app, position=before)
    assert then.version == base.version  # nothing recorded yet: the packaged calendar
    middle = calendar_at(app, position=first)
    assert middle.is_working_day(saturday) and middle.is_working_day(monday)
    now = calendar_at(app)
    assert now.is_working_day(saturday) and not now.is_working_day(monday)
    assert now.why(monday) == "Theo thông báo"
    assert now.version == f"{base.version}+ledger@{second}"
    assert middle.version == f"{base.version}+ledger@{first}"
    # An answer computed at the first position is computed again the same way.
    assert calendar_at(app, position=first).add_working_days(date(2026, 3, 6), 2) == monday
    assert now.add_working_days(date(2026, 3, 6), 2) == date(2026, 3, 10)


def test_a_later_correction_of_the_same_day_wins_and_the_live_view_agrees(
    app: ParLedger,
) -> None:
    day = date(2026, 3, 9)
    _correct(app, day, DayStatus.DAY_OFF)
    last = _correct(app, day, DayStatus.WORKING, reason="Thông báo đã được thay thế")
    [found] = corrections_known_at(app, last)
    assert (found.day, found.working, found.reason) == (day, True, "Thông báo đã được thay thế")
    live.catch_up(app, app.view)
    assert corrections_of(live.stored_state(app)) == [found]
    rows = list(iter_audit(app, IndexFilter(originator_id=parse_ref("calendar:2026"))))
    assert [r.entity for r in rows] == ["calendar:2026"] * 3  # opened, corrected twice


def test_only_an_administrator_corrects_and_a_reason_and_a_source_are_required(
    app: ParLedger,
) -> None:
    command = CorrectCalendarDay(day=date(2026, 3, 7), status=DayStatus.WORKING, source=SOURCE)
    with pytest.raises(Forbidden):
        app.handle(ctx(SECRETARIAT, reason="Theo thông báo"), command)
    with pytest.raises(InvalidValue) as no_reason:
        app.handle(ctx(), command)
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidValue) as no_source:
        CorrectCalendarDay.parse({"day": "2026-03-07", "status": "working", "source": " "})
    assert no_source.value.field == "source"
    with pytest.raises(InvalidValue) as bad_status:
        CorrectCalendarDay.parse({"day": "2026-03-07", "status": "holiday", "source": SOURCE})
    assert bad_status.value.field == "status"
    _correct(app, date(2026, 3, 7), DayStatus.WORKING)
    with pytest.raises(RuleViolation) as same:
        _correct(app, date(2026, 3, 7), DayStatus.WORKING)
    assert same.value.field == "day"
    assert calendar_at(app).is_working_day(date(2026, 3, 7))
