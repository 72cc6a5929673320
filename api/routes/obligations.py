"""The register of obligations the ledger raised itself: ``GET /obligations``, over one plan
or every plan, as of a date and as known at a time (``replay.obligations``)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from api.routes.queries import AsOf, Code, KnownAt
from domain.values import Actor
from httpkit.problems import responses
from ledger.application import ParLedger
from replay.obligations import register
from replay.readmodel import ReadModel, today

Status = Literal["open", "overdue", "met", "met_late", "missed", "waived"]
Kind = Literal["apology", "report", "remediation"]


def router(ledger: ParLedger, model: ReadModel, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/obligations",
        summary="Sổ theo dõi nghĩa vụ (xin lỗi, báo cáo, khắc phục) theo đơn vị và cơ quan",
        tags=["obligations"],
        name="list_obligations",
    )
    def list_obligations(
        actor: Principal,
        plan: Code = None,
        agency: Code = None,
        unit: Code = None,
        status: Annotated[Status | None, Query(description="Trạng thái tại ngày hỏi")] = None,
        kind: Annotated[Kind | None, Query(description="Loại nghĩa vụ")] = None,
        as_of: AsOf = None,
        known_at: KnownAt = None,
    ) -> dict[str, Any]:
        # The present: the obligations process catches up first where no worker runs it
        # (the read model's own catch-up), then the register replays like every view.
        if known_at is None:
            model.position()
        found = register(
            ledger,
            as_of or today(),
            known_at,
            plan=plan,
            catch_up=False,
            agency=agency,
            unit=unit,
            status=status,
            kind=kind,
        )
        return dict(jsonable_encoder(found))

    return api
