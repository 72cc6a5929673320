"""Targets (chỉ tiêu): figures measured for their indicators, corrected or retracted with a
reason, never overwritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.target import Target
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Day, Figure, Number, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

Q2 = {"period_start": "2023-04-01", "period_end": "2023-06-30"}


class TargetCommand(Command):
    """A command addressed to one target of a plan."""

    tag: ClassVar[str] = "targets"
    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    target: Annotated[Number, Field(description="Số chỉ tiêu")]


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
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "source": self.source,
            "evidence": self.evidence,
        }


class RecordMeasurement(Figures):
    action = "measurement.record"
    operation = "record_measurement"
    label = "Ghi số liệu của một chỉ số"
    http = "/plans/{plan}/targets/{target}/measurements"
    cli = "target measure"
    example = {
        "plan": "cat-hai-2023",
        "target": 7,
        "indicator": "7b",
        "numerator": 880,
        "denominator": 1000,
        **Q2,
        "source": "Khảo sát SIPAS quý II",
        "measurement_id": "sipas-q2",
    }

    indicator: Code = Field(description="Mã chỉ số, ví dụ 7b")


class CorrectMeasurement(Figures):
    action = "measurement.correct"
    operation = "correct_measurement"
    label = "Sửa một số liệu đã ghi: ghi số đo mới thay thế (cần lý do)"
    http = "/plans/{plan}/targets/{target}/corrections"
    cli = "target correct"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "target": 7,
        "replaces": "sipas-q2",
        "numerator": 905,
        "denominator": 1000,
        **Q2,
        "source": "Khảo sát SIPAS quý II (bản tổng hợp lại)",
        "measurement_id": "sipas-q2-sua",
        "reason": "Tổng hợp thiếu phiếu của thị trấn Cát Bà",
    }

    replaces: Code = Field(description="Mã số đo bị thay thế")


class RetractMeasurement(TargetCommand):
    action = "measurement.retract"
    operation = "retract_measurement"
    label = "Rút một số liệu đã ghi (cần lý do)"
    http = "/plans/{plan}/targets/{target}/retractions"
    cli = "target retract"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "target": 7,
        "measurement_id": "sipas-q2-sua",
        "reason": "Ghi nhầm số liệu của quý I",
    }

    measurement_id: Code = Field(description="Mã số đo bị rút")


def _target_command(
    app: LedgerCore,
    ctx: CommandContext,
    cmd: TargetCommand,
    act: Callable[[Target, EventMeta], Any],
) -> CommandResult:
    access.require(ctx.actor, access.REPORT_FIGURES)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.for_update(
            Target, ids.target_id(cmd.plan, cmd.target), f"chỉ tiêu {cmd.target}", ctx
        )
        act(found, meta)
        return [found]

    return app.execute(ctx, cmd, decide)


@use_case(RecordMeasurement)
def record_measurement(
    app: LedgerCore, ctx: CommandContext, cmd: RecordMeasurement
) -> CommandResult:
    mid = cmd.measurement_id or uuid4().hex[:12]
    return _target_command(
        app,
        ctx,
        cmd,
        lambda t, m: t.record_measurement(
            measurement_id=mid, indicator=cmd.indicator, meta=m, **cmd.figures()
        ),
    )


@use_case(CorrectMeasurement)
def correct_measurement(
    app: LedgerCore, ctx: CommandContext, cmd: CorrectMeasurement
) -> CommandResult:
    mid = cmd.measurement_id or uuid4().hex[:12]
    return _target_command(
        app,
        ctx,
        cmd,
        lambda t, m: t.correct_measurement(
            measurement_id=mid, replaces=cmd.replaces, meta=m, **cmd.figures()
        ),
    )


@use_case(RetractMeasurement)
def retract_measurement(
    app: LedgerCore, ctx: CommandContext, cmd: RetractMeasurement
) -> CommandResult:
    return _target_command(
        app,
        ctx,
        cmd,
        lambda t, m: t.retract_measurement(measurement_id=cmd.measurement_id, meta=m),
    )
