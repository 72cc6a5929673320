"""Units: ``GET /units``, the recorded units by code (filtered by level and parent, in keyset
pages), and ``GET /units/{unit}/rollup``, a unit's plans and its communes' (or every plan, for
``all``) side by side as of a date, as known at a time (``replay.rollup``). Plans the caller
may not read are left out and counted (``withheld``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict

from api.routes.queries import AsOf, KnownAt, Limit
from domain.unit import UNIT_LEVELS
from domain.values import Actor
from httpkit.problems import responses
from ledger.application import ParLedger
from replay.readmodel import today
from replay.rollup import WHOLE_LEDGER, list_units, rollup, unit_name

CODE = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
UnitCode = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=CODE,
        description=f"Mã đơn vị hành chính, ví dụ hai-phong; {WHOLE_LEDGER}: toàn sổ cái",
        examples=["hai-phong"],
    ),
]

Level = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join(UNIT_LEVELS) + ")$",
        description="Cấp: " + ", ".join(UNIT_LEVELS),
        examples=["commune"],
    ),
]


def _code_query(description: str, example: str) -> Any:
    """A unit code in the query, as the path's ``UnitCode`` is checked."""
    return Query(
        min_length=1, max_length=100, pattern=CODE, description=description, examples=[example]
    )


Parent = Annotated[
    str | None, _code_query("Chỉ các đơn vị trực thuộc trực tiếp đơn vị mã này", "hai-phong")
]
After = Annotated[
    str | None,
    _code_query("Con trỏ trang sau (next_cursor): mã đơn vị cuối của trang trước", "cat-hai"),
]


class UnitPage(BaseModel):
    """One page of the recorded units, by code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "cat-hai",
                            "name": "Đặc khu Cát Hải",
                            "level": "special_zone",
                            "parent": "hai-phong",
                            "status": {"state": "active", "on": "2025-07-01", "successors": []},
                            "version": 1,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[dict[str, Any]]
    next_cursor: str | None


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/units",
        summary="Các đơn vị hành chính đã ghi: mã, tên, cấp, cấp trên, trạng thái",
        tags=["units"],
        name="list_units",
        response_model=UnitPage,
    )
    def get_units(
        _: Principal,
        level: Level = None,
        parent: Parent = None,
        cursor: After = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return list_units(ledger, level=level, parent=parent, after=cursor, limit=limit)

    @api.get(
        "/units/{unit}/rollup",
        summary="Tổng hợp các kế hoạch của đơn vị và các đơn vị trực thuộc tại một ngày",
        tags=["units"],
        name="get_unit_rollup",
    )
    def get_unit_rollup(
        unit: UnitCode, actor: Principal, as_of: AsOf = None, known_at: KnownAt = None
    ) -> dict[str, Any]:
        found = rollup(ledger, unit, as_of or today(), known_at, actor)
        return dict(jsonable_encoder({"name": unit_name(ledger, unit), **found}))

    return api
