"""PAR Index criterion scores (điểm tiêu chí): self-assessed by the unit, appraised by the
authority, each under the rule version that scores the plan's level and year
(``rules.scoring``); areas and totals are computed from them, never typed
(``projections.scoring``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain import ids
from domain.plan import Plan
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Route, Score, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from ledger.usecases.plan import PlanScore


class RecordCriterionScore(PlanScore):
    route = Route(
        "score criterion",
        "/plans/{plan}/criteria/{criterion}/scores",
        "Ghi điểm tự đánh giá hoặc điểm thẩm định của một tiêu chí Chỉ số CCHC",
        permission=access.REPORT_FIGURES,
    )
    criterion: Annotated[
        str,
        Field(
            pattern=r"^[0-9IVX]{1,5}(\.[0-9]{1,3}){0,3}$",
            description="Mã tiêu chí trong bộ chỉ số của năm kế hoạch, ví dụ I.1.2",
        ),
    ]
    score: Score = Field(description="Số điểm (không vượt điểm tối đa của tiêu chí)")
    evidence: Short | None = Field(
        default=None, description="Minh chứng: số, ngày văn bản hoặc tài liệu làm căn cứ chấm"
    )


@use_case(RecordCriterionScore)
def record_criterion_score(
    app: LedgerCore, ctx: CommandContext, cmd: RecordCriterionScore
) -> CommandResult:
    access.require(ctx.actor, access.REPORT_FIGURES)

    def act(plan: Plan, meta: EventMeta) -> None:
        scope.require_plan_scorer(app, ctx.actor, plan, cmd.kind.value)
        rules = scope.scoring_rules(app, plan)
        criterion = rules.criterion(cmd.criterion)
        plan.record_criterion_score(
            criterion=criterion.code,
            kind=cmd.kind.value,
            score=cmd.score,
            max_points=criterion.max_points,
            rules=rules.ref,
            evidence=cmd.evidence,
            meta=meta,
        )

    target = (Plan, ids.plan_id(cmd.plan), f"kế hoạch {cmd.plan}")
    return app.change(ctx, cmd, target, act)
