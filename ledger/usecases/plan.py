"""Plans (kế hoạch): area scores and the submission of periodic reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from domain import ids
from domain.plan import SCORE_KINDS, Plan
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Code, Command, Route, Score, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

# The domain's kinds as an enumeration for the schemas and the CLI's choices (not retyped).
ScoreKind = StrEnum("ScoreKind", {kind: kind for kind in SCORE_KINDS})  # type: ignore[misc]

SUBMIT = "nộp báo cáo kỳ"  # what a denial says was refused
PLAN = Field(description="Mã kế hoạch, ví dụ cat-hai-2023")


class PlanScore(Command):
    """A score for part of a plan's PAR Index: an area's typed in, or a criterion's."""

    tag: ClassVar[str] = "scores"

    plan: Annotated[Code, PLAN]
    kind: ScoreKind = Field(description="self_assessed (tự đánh giá) hoặc appraised (thẩm định)")


class RecordAreaScore(PlanScore):
    route = Route(
        "area score",
        "/plans/{plan}/scores",
        "Ghi điểm tự đánh giá hoặc điểm thẩm định của một lĩnh vực",
        positional=("area",),
        permission=access.REPORT_FIGURES,
    )

    area: Annotated[str, Field(pattern=r"^[IVX]{1,5}$", description="Lĩnh vực: I … VII")]
    score: Score = Field(description="Số điểm")


class SubmitReport(Command):
    """Carried out in ``reports.submission``: the content hashed is the report itself."""

    route = Route(
        "report submit",
        "/plans/{plan}/reports/{period}/submit",
        "Nộp báo cáo kỳ: ghi mã băm nội dung và vị trí sổ cái",
        permission=access.REPORT_FIGURES,
    )
    tag: ClassVar[str] = "reports"

    plan: Annotated[Code, PLAN]
    period: Annotated[
        str,
        Field(
            pattern=r"^([0-9]{4}-)?[A-Z][A-Z0-9]{0,5}$", description="Kỳ báo cáo: Q2 hoặc 2023-Q2"
        ),
    ]


def _plan(code: str) -> tuple[type[Plan], UUID, str]:
    return Plan, ids.plan_id(code), f"kế hoạch {code}"


@use_case(RecordAreaScore)
def record_area_score(app: LedgerCore, ctx: CommandContext, cmd: RecordAreaScore) -> CommandResult:
    access.require(ctx.actor, access.REPORT_FIGURES)

    def act(plan: Plan, meta: EventMeta) -> None:
        scope.require_plan_actor(app, ctx.actor, plan.code, "ghi điểm lĩnh vực", plan.unit_code)
        plan.record_area_score(area=cmd.area, kind=cmd.kind.value, score=cmd.score, meta=meta)

    return app.change(ctx, cmd, _plan(cmd.plan), act)


def submit_report(
    app: LedgerCore, ctx: CommandContext, cmd: SubmitReport, content_sha256: str, position: int
) -> CommandResult:
    """Record that the report whose content hashes to ``content_sha256`` at ``position`` was
    sent (the caller builds the content: reports sit above the ledger)."""
    access.require(ctx.actor, access.REPORT_FIGURES)

    def act(plan: Plan, meta: EventMeta) -> None:
        scope.require_plan_actor(app, ctx.actor, plan.code, SUBMIT, plan.unit_code)
        plan.submit_report(
            period=cmd.period, content_sha256=content_sha256, position=position, meta=meta
        )

    return app.change(ctx, cmd, _plan(cmd.plan), act)
