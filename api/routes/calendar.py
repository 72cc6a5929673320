"""The working-day calendar and the rule versions: ``GET /calendar``,
``/calendar/working-days``, ``/calendar/between``, ``/rules``, ``/rules/{rule}``. The calendar
answers name its version (the packaged data and the last correction known at ``known_at``);
recording a correction is the declared command ``POST /calendar/corrections``."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.routes.queries import Day, IsoDay, KnownAt
from domain.errors import InvalidValue, NotFound
from domain.values import Actor
from httpkit.problems import responses
from ledger.application import ParLedger
from replay.calendar import MAX_COUNT, add_working_days, calendar_days, working_days_between
from rules.catalog import RULE_SETS, UnknownRule, listing
from rules.reporting import RULE_LEVEL
from rules.versions import LEVELS

From = Annotated[
    IsoDay, Query(alias="from", description="Ngày đầu (YYYY-MM-DD)", examples=["2025-01-24"])
]
To = Annotated[IsoDay, Query(description="Ngày cuối (YYYY-MM-DD)", examples=["2025-02-03"])]
LastDay = Annotated[
    Day, Query(description="Ngày cuối (YYYY-MM-DD); mặc định ngày đầu", examples=["2025-02-03"])
]
Count = Annotated[
    int,
    Query(
        ge=-MAX_COUNT,
        le=MAX_COUNT,
        description="Số ngày làm việc (âm: tính lùi)",
        examples=[1],
    ),
]
On = Annotated[
    Day, Query(description="Chỉ phiên bản áp dụng vào ngày này", examples=["2024-06-30"])
]
Level = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join((*LEVELS[1:], *RULE_LEVEL)) + ")$",
        description="Cấp: " + ", ".join(LEVELS[1:]) + " (phường, đặc khu, thị trấn như cấp xã)",
    ),
]
Rule = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9.-]{1,60}$",
        description="Tên bộ quy định, ví dụ reporting-periods",
        examples=["reporting-periods"],
    ),
]


def _listing(rule: str | None, on: date | None, level: str | None) -> list[dict[str, Any]]:
    try:
        return listing(rule, on, level)
    except UnknownRule as error:
        raise NotFound(str(error), field="rule") from None
    except ValueError as error:
        raise InvalidValue(str(error), field="level") from None


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/calendar",
        summary="Lịch ngày làm việc trong một khoảng: ngày làm việc, ngày nghỉ, lý do",
        tags=["calendar"],
        name="get_calendar",
    )
    def get_calendar(
        _: Principal, from_: From, to: LastDay = None, known_at: KnownAt = None
    ) -> dict[str, Any]:
        return calendar_days(ledger, from_, to or from_, known_at)

    @api.get(
        "/calendar/working-days",
        summary="Ngày làm việc thứ N sau (hoặc trước) một ngày",
        tags=["calendar"],
        name="add_working_days",
    )
    def get_working_day(
        _: Principal, from_: From, count: Count, known_at: KnownAt = None
    ) -> dict[str, Any]:
        return add_working_days(ledger, from_, count, known_at)

    @api.get(
        "/calendar/between",
        summary="Số ngày làm việc sau ngày đầu đến hết ngày cuối",
        tags=["calendar"],
        name="count_working_days",
    )
    def get_between(_: Principal, from_: From, to: To, known_at: KnownAt = None) -> dict[str, Any]:
        return working_days_between(ledger, from_, to, known_at)

    @api.get(
        "/rules",
        summary="Các phiên bản quy định: căn cứ pháp lý, thời gian hiệu lực, cấp áp dụng",
        tags=["rules"],
        name="list_rules",
    )
    def list_rules(_: Principal, on: On = None, level: Level = None) -> dict[str, Any]:
        return {"rule_sets": list(RULE_SETS), "versions": _listing(None, on, level)}

    @api.get(
        "/rules/{rule}",
        summary="Các phiên bản của một bộ quy định",
        tags=["rules"],
        name="get_rule",
        responses=responses(404),
    )
    def get_rule(_: Principal, rule: Rule, on: On = None, level: Level = None) -> dict[str, Any]:
        return {"rule": rule, "versions": _listing(rule, on, level)}

    return api
