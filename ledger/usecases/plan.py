"""Plans (kế hoạch): area scores and the submission of periodic reports."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.plan import SCORE_KINDS, Plan
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

# The domain's kinds as an enumeration for the schemas and the CLI's choices (not retyped).
ScoreKind = StrEnum("ScoreKind", {kind: kind for kind in SCORE_KINDS})  # type: ignore[misc]

PLAN = Field(description="Mã kế hoạch, ví dụ cat-hai-2023")


class RecordAreaScore(Command):
    action = "plan.area_score"
    operation = "record_area_score"
    label = "Ghi điểm tự đánh giá hoặc điểm thẩm định của một lĩnh vực"
    http = "/plans/{plan}/scores"
    cli = "area score"
    tag: ClassVar[str] = "scores"
    positional = ("area",)
    example = {"plan": "cat-hai-2023", "area": "V", "kind": "self_assessed", "score": "10.5"}

    plan: Annotated[Code, PLAN]
    area: Annotated[str, Field(pattern=r"^[IVX]{1,5}$", description="Lĩnh vực: I … VII")]
    kind: ScoreKind = Field(description="self_assessed (tự đánh giá) hoặc appraised (thẩm định)")
    score: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)] = Field(
        description="Số điểm"
    )


class SubmitReport(Command):
    """Carried out in ``reports.submission``: the content hashed is the report itself."""

    action = "plan.report_submit"
    operation = "submit_report"
    label = "Nộp báo cáo kỳ: ghi mã băm nội dung và vị trí sổ cái"
    http = "/plans/{plan}/reports/{period}/submit"
    cli = "report submit"
    tag: ClassVar[str] = "reports"
    example = {"plan": "cat-hai-2023", "period": "Q2", "effective_at": "2023-06-07"}

    plan: Annotated[Code, PLAN]
    period: Annotated[
        str,
        Field(
            pattern=r"^([0-9]{4}-)?[A-Z][A-Z0-9]{0,5}$", description="Kỳ báo cáo: Q2 hoặc 2023-Q2"
        ),
    ]


@use_case(RecordAreaScore)
def record_area_score(app: LedgerCore, ctx: CommandContext, cmd: RecordAreaScore) -> CommandResult:
    access.require(ctx.actor, access.REPORT_FIGURES)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.for_update(Plan, ids.plan_id(cmd.plan), f"kế hoạch {cmd.plan}", ctx)
        found.record_area_score(area=cmd.area, kind=cmd.kind.value, score=cmd.score, meta=meta)
        return [found]

    return app.execute(ctx, cmd, decide)


def submit_report(
    app: LedgerCore, ctx: CommandContext, cmd: SubmitReport, content_sha256: str, position: int
) -> CommandResult:
    """Record that the report whose content hashes to ``content_sha256`` at ``position`` was
    sent (the caller builds the content: reports sit above the ledger)."""
    access.require(ctx.actor, access.REPORT_FIGURES)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.for_update(Plan, ids.plan_id(cmd.plan), f"kế hoạch {cmd.plan}", ctx)
        found.submit_report(
            period=cmd.period, content_sha256=content_sha256, position=position, meta=meta
        )
        return [found]

    return app.execute(ctx, cmd, decide)
