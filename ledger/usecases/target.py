"""Targets (chỉ tiêu): figures measured for their indicators, corrected or retracted with a
reason, never overwritten."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import Field

from domain import ids
from domain.target import Target
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Code, Command, Day, Figure, Number, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

Q2 = {"period_start": "2023-04-01", "period_end": "2023-06-30"}


class TargetCommand(Command):
    """A command addressed to one target of a plan."""

    tag: ClassVar[str] = "targets"

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    target: Annotated[Number, Field(description="Số chỉ tiêu")]

    def apply(self, target: Target, meta: EventMeta) -> None:
        raise NotImplementedError


@use_case(TargetCommand)
def change_target(app: LedgerCore, ctx: CommandContext, cmd: TargetCommand) -> CommandResult:
    access.require(ctx.actor, access.REPORT_FIGURES)

    def act(target: Target, meta: EventMeta) -> None:
        # Checked with the target loaded: a missing one is told as missing, whoever asks.
        scope.require_plan_actor(app, ctx.actor, target.plan, "ghi số liệu chỉ tiêu")
        cmd.apply(target, meta)

    target = (Target, ids.target_id(cmd.plan, cmd.target), f"chỉ tiêu {cmd.target}")
    return app.change(ctx, cmd, target, act)


class Figures(TargetCommand):
    """What a measurement states: a value, or a numerator over a denominator, for a period."""

    value: Figure | None = Field(default=None, description="Giá trị (số thập phân, ví dụ 92.5)")
    numerator: Figure | None = Field(default=None, description="Tử số")
    denominator: Figure | None = Field(default=None, description="Mẫu số")
    period_start: Day = Field(description="Đầu kỳ đo")
    period_end: Day = Field(description="Cuối kỳ đo")
    source: Short = Field(description="Nguồn số liệu")
    evidence: Short | None = Field(default=None, description="Văn bản, tài liệu chứng minh")
    measurement_id: Code | None = Field(default=None, description="Mã số đo (tự sinh nếu bỏ)")

    def figures(self) -> dict[str, Any]:
        return {
            "measurement_id": self.measurement_id or uuid4().hex[:12],
            **self.model_dump(
                include={"value", "numerator", "denominator", "period_start", "period_end"}
            ),
            "source": self.source,
            "evidence": self.evidence,
        }


class RecordMeasurement(Figures):
    route = Route(
        "target measure",
        "/plans/{plan}/targets/{target}/measurements",
        "Ghi số liệu của một chỉ số",
        permission=access.REPORT_FIGURES,
    )

    indicator: Code = Field(description="Mã chỉ số, ví dụ 7b")

    def apply(self, target: Target, meta: EventMeta) -> None:
        target.record_measurement(indicator=self.indicator, meta=meta, **self.figures())


class CorrectMeasurement(Figures):
    route = Route(
        "target correct",
        "/plans/{plan}/targets/{target}/corrections",
        "Sửa một số liệu đã ghi: ghi số đo mới thay thế (cần lý do)",
        reason_required=True,
        permission=access.REPORT_FIGURES,
    )

    replaces: Code = Field(description="Mã số đo bị thay thế")

    def apply(self, target: Target, meta: EventMeta) -> None:
        target.correct_measurement(replaces=self.replaces, meta=meta, **self.figures())


class RetractMeasurement(TargetCommand):
    route = Route(
        "target retract",
        "/plans/{plan}/targets/{target}/retractions",
        "Rút một số liệu đã ghi (cần lý do)",
        reason_required=True,
        permission=access.REPORT_FIGURES,
    )

    measurement_id: Code = Field(description="Mã số đo bị rút")

    def apply(self, target: Target, meta: EventMeta) -> None:
        target.retract_measurement(measurement_id=self.measurement_id, meta=meta)
