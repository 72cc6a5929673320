"""Corrections of the working-day calendar (lịch làm việc), one stream per year.

The calendar itself is data (``rules.calendar``: the ``holidays`` package and the packaged
swaps); what an administrator learns later — a swap the Government announced, a day the package
gets wrong — is recorded here as an event naming the day, whether it is a working day, why and
the source document. An answer computed on the calendar names the corrections it knew (the
ledger position of the last one), so it can be computed again exactly as it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.values import EventMeta, day, text

# The event index's scope of every calendar correction: "the calendar as known at position P"
# reads this scope only, never a plan's events.
CALENDAR_SCOPE = "calendar"


class CalendarYear(LedgerAggregate):
    """The corrections recorded for one calendar year."""

    ENTITY = "calendar"
    WHAT = "lịch năm"

    @staticmethod
    def create_id(year: int) -> UUID:
        return ids.calendar_year_id(year)

    @property
    def plan(self) -> str:
        """The index scope its events are filed under (``ledger.core.plan_of``)."""
        return CALENDAR_SCOPE

    @classmethod
    def open(cls, *, year: int, meta: EventMeta) -> CalendarYear:
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidValue("năm phải trong khoảng 2000–2100", field="day")
        return cls(year=year, meta=meta)

    @event("Opened")
    def __init__(self, year: int, meta: EventMeta) -> None:
        self.year = year
        self.days: dict[str, dict[str, Any]] = {}

    def correct_day(self, *, on: date, working: bool, source: str, meta: EventMeta) -> None:
        """Record that ``on`` is (``working``) or is not a working day, per ``source``."""
        meta.require_reason()
        on = day(on, "day")
        if on.year != self.year:
            raise InvalidValue(f"ngày {on:%d/%m/%Y} không thuộc năm {self.year}", field="day")
        if not isinstance(working, bool):
            raise InvalidValue("phải là ngày làm việc hoặc ngày nghỉ", field="status")
        source = text(source, "source", limit=500)
        held = self.days.get(on.isoformat())
        if held is not None and held == {"working": working, "source": source}:
            raise RuleViolation(
                f"ngày {on:%d/%m/%Y} đã được ghi nhận như vậy theo cùng văn bản", field="day"
            )
        self._day_corrected(day=on, working=working, source=source, meta=meta)

    @event("DayCorrected")
    def _day_corrected(self, day: date, working: bool, source: str, meta: EventMeta) -> None:
        self.days[day.isoformat()] = {"working": working, "source": source}
