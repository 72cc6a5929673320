"""The working-day calendar as the ledger knew it: the packaged calendar
(``rules.calendar.civil_service_calendar``) with the corrections recorded up to a position.

This is the one place an answer computed on the calendar gets its calendar from. Its version
names the packaged data and the position of the last correction it includes, so the same
question asked later, at the same position, gets the same calendar (a correction recorded
since changes the answers from that position on, never before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.calendar import CALENDAR_SCOPE
from domain.errors import InvalidValue
from ledger.application import ParLedger
from persistence.records import Window
from projections.rows import RowDecoder
from projections.state import LedgerState, fold
from replay.engine import position_known_at
from rules.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarRangeError,
    DayRule,
    WorkingCalendar,
    civil_service_calendar,
)


@dataclass(frozen=True)
class Correction:
    """A recorded correction as the calendar pages and the API show it."""

    day: date
    working: bool
    reason: str
    source: str
    actor: str
    position: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "working": self.working,
            "reason": self.reason,
            "source": self.source,
            "actor": self.actor,
            "position": self.position,
        }


def corrections_known_at(app: ParLedger, position: int) -> list[Correction]:
    """The corrections recorded at or before ``position``, the one in force for each day
    (the fold's register: the latest by effective time, then position), in day order."""
    notifications = app.ledger_recorder.select_scoped(
        CALENDAR_SCOPE, Window(after=0, upto=position)
    )
    state = fold(RowDecoder(app.mapper).rows(notifications))
    return corrections_of(state)


def corrections_of(state: LedgerState) -> list[Correction]:
    found = [
        Correction(
            day=date.fromisoformat(key),
            working=bool(held["working"]),
            reason=str(held["reason"] or ""),
            source=str(held["source"]),
            actor=str(held["actor"]),
            position=int(held["position"]),
        )
        for doc in state.kind("calendar").values()
        for key, held in doc.get("days", {}).items()
        if key != "_s"
    ]
    return sorted(found, key=lambda c: c.day)


def with_corrections(corrections: list[Correction]) -> WorkingCalendar:
    """The packaged calendar with ``corrections`` on top; without any, the packaged one."""
    base = civil_service_calendar()
    if not corrections:
        return base
    rules = [DayRule(c.day, c.working, c.reason, c.source) for c in corrections]
    # Named by the last correction it includes, not the position asked: every position between
    # two corrections has the same calendar, and so the same version.
    return base.with_rules(rules, label=f"ledger@{max(c.position for c in corrections)}")


def calendar_at(
    app: ParLedger, *, position: int | None = None, known_at: datetime | None = None
) -> WorkingCalendar:
    """The calendar as known at ``position`` (or at the moment ``known_at``; default: now)."""
    upto = position if position is not None else position_known_at(app, known_at)
    return with_corrections(corrections_known_at(app, upto))


# -- the answers the CLI, the API and the pages share ------------------------------------------

MAX_SPAN = 400  # days one listing shows: a year and some, never the whole range
MAX_COUNT = 1000  # working days one question may add (four years)
WEEKDAYS_VN = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _within(day: date, field: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidValue(
            f"ngày {day:%d/%m/%Y} nằm ngoài khoảng năm {FIRST_YEAR}–{LAST_YEAR} của lịch",
            field=field,
        )


def _answer(app: ParLedger, known_at: datetime | None) -> tuple[WorkingCalendar, int]:
    upto = position_known_at(app, known_at)
    return calendar_at(app, position=upto), upto


def calendar_days(
    app: ParLedger, start: date, end: date, known_at: datetime | None = None
) -> dict[str, Any]:
    """Each day from ``start`` to ``end``: working or not and why, with the corrections that
    decided any of them, as known at ``known_at`` (default: now)."""
    _within(start, "from")
    _within(end, "to")
    if end < start:
        raise InvalidValue("ngày cuối trước ngày đầu", field="to")
    if (end - start).days >= MAX_SPAN:
        raise InvalidValue(f"xem nhiều nhất {MAX_SPAN} ngày một lần", field="to")
    calendar, upto = _answer(app, known_at)
    corrected = {c.day: c for c in corrections_known_at(app, upto) if start <= c.day <= end}
    days = [
        {
            "day": d.isoformat(),
            "weekday": WEEKDAYS_VN[d.weekday()],
            "working": working,
            "why": why,
            "source": corrected[d].source if d in corrected else None,
        }
        for d, working, why in calendar.days(start, end)
    ]
    return {
        "calendar": calendar.version,
        "position": upto,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "working_days": sum(1 for d in days if d["working"]),
        "days": days,
        "corrections": [c.as_dict() for c in corrected.values()],
    }


def add_working_days(
    app: ParLedger, start: date, count: int, known_at: datetime | None = None
) -> dict[str, Any]:
    """The ``count``-th working day after ``start`` (before it when negative)."""
    _within(start, "from")
    if abs(count) > MAX_COUNT:
        raise InvalidValue(f"nhiều nhất {MAX_COUNT} ngày làm việc", field="count")
    calendar, upto = _answer(app, known_at)
    try:
        found = calendar.add_working_days(start, count)
    except CalendarRangeError as error:
        raise InvalidValue(str(error), field="count") from None
    return {
        "calendar": calendar.version,
        "position": upto,
        "from": start.isoformat(),
        "count": count,
        "day": found.isoformat(),
        "weekday": WEEKDAYS_VN[found.weekday()],
    }


def working_days_between(
    app: ParLedger, start: date, end: date, known_at: datetime | None = None
) -> dict[str, Any]:
    """The working days after ``start`` up to and including ``end``."""
    _within(start, "from")
    _within(end, "to")
    if abs((end - start).days) > MAX_COUNT * 2:
        raise InvalidValue(f"cách ngày đầu nhiều nhất {MAX_COUNT * 2} ngày", field="to")
    calendar, upto = _answer(app, known_at)
    return {
        "calendar": calendar.version,
        "position": upto,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "working_days": calendar.working_days_between(start, end),
    }
