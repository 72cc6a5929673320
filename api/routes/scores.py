"""PAR Index scores computed, not typed: ``GET /plans/{plan}/scores/computed`` (area and total
scores under the rule version of the plan's year, the reason for every criterion's points,
beside the typed area scores) and ``GET /rules/scoring`` (the rule sets, with their sources)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from api.routes.queries import AsOf, KnownAt
from domain.values import Actor
from httpkit.problems import responses
from ledger.application import ParLedger
from replay.readmodel import today
from replay.scores import plan_scores
from rules.scoring import LEVELS, packaged


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/plans/{plan}/scores/computed",
        summary="Điểm Chỉ số CCHC tính từ điểm tiêu chí theo bộ chỉ số của năm kế hoạch",
        tags=["scores"],
        name="get_computed_scores",
    )
    def get_computed_scores(
        plan: str, actor: Principal, as_of: AsOf = None, known_at: KnownAt = None
    ) -> dict[str, Any]:
        found = plan_scores(ledger, plan, as_of or today(), known_at, actor)
        return dict(jsonable_encoder(found))

    @api.get(
        "/rules/scoring",
        summary="Các bộ chỉ số CCHC (quy tắc chấm điểm) theo cấp và năm, với căn cứ pháp lý",
        tags=["scores"],
        name="list_scoring_rules",
    )
    def list_scoring_rules(
        actor: Principal,
        level: Annotated[
            str | None, Query(pattern=f"^({'|'.join(LEVELS)})$", description="Cấp chấm điểm")
        ] = None,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> list[dict[str, Any]]:
        return [
            r.described()
            for r in packaged()
            if (level is None or r.level == level)
            and (year is None or r.years[0] <= year <= r.years[1])
        ]

    return api
