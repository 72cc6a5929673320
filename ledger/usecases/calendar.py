"""Corrections of the working-day calendar: an administrator records that a day is, or is
not, a working day, why, and the document that says so (``domain.calendar``)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.calendar import CalendarYear
from domain.values import EventMeta
from ledger import access
from ledger.commands import Command, Day, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore


class DayStatus(StrEnum):
    WORKING = "working"  # ngày làm việc (e.g. a Saturday swapped in)
    DAY_OFF = "day_off"  # ngày nghỉ


class CorrectCalendarDay(Command):
    route = Route(
        "calendar correct",
        "/calendar/corrections",
        "Điều chỉnh lịch ngày làm việc: ghi nhận một ngày là ngày làm việc hay ngày nghỉ "
        "theo văn bản (cần lý do)",
        creates=True,
        reason_required=True,
        positional=("day",),
        permission=access.MANAGE_CALENDAR,
    )
    tag: ClassVar[str] = "calendar"

    day: Day = Field(description="Ngày được điều chỉnh")
    status: DayStatus = Field(description="working (ngày làm việc) hoặc day_off (ngày nghỉ)")
    source: Short = Field(
        description="Văn bản quyết định: số, ký hiệu, ngày, cơ quan ban hành (thông báo nghỉ lễ, "
        "hoán đổi ngày làm việc …)"
    )


@use_case(CorrectCalendarDay)
def correct_calendar_day(
    app: LedgerCore, ctx: CommandContext, cmd: CorrectCalendarDay
) -> CommandResult:
    """The year's stream is opened by its first correction, in the same transaction."""
    access.require(ctx.actor, access.MANAGE_CALENDAR)
    year_id = ids.calendar_year_id(cmd.day.year)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        if app.exists(year_id):
            year = app.for_update(CalendarYear, year_id, f"lịch năm {cmd.day.year}", ctx)
        else:
            year = CalendarYear.open(year=cmd.day.year, meta=meta)
        working = cmd.status is DayStatus.WORKING
        year.correct_day(on=cmd.day, working=working, source=cmd.source, meta=meta)
        return [year]

    return app.execute(ctx, cmd, decide)
