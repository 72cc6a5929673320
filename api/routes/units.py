"""Roll-ups across units: ``GET /units/{unit}/rollup``, a unit's plans and its communes' (or
every plan, for ``all``) side by side as of a date, as known at a time (``replay.rollup``).
Plans the caller may not read are left out and counted (``withheld``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.encoders import jsonable_encoder

from api.routes.queries import AsOf, KnownAt
from domain.values import Actor
from httpkit.problems import responses
from ledger.application import ParLedger
from replay.readmodel import today
from replay.rollup import WHOLE_LEDGER, rollup, unit_name

UnitCode = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description=f"Mã đơn vị hành chính, ví dụ hai-phong; {WHOLE_LEDGER}: toàn sổ cái",
        examples=["hai-phong"],
    ),
]


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

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
