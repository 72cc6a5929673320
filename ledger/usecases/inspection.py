"""Inspections (kiểm tra): planned, conducted, findings with remediation, concluded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4

from pydantic import Field

from domain.agency import Agency
from domain.base import LedgerAggregate
from domain.errors import InvalidValue
from domain.inspection import Inspection, InspectionKind
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Day, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

SAMPLE_ID = "5b0c1d52-7f0e-4c1a-9a57-0f4d1c7e2b13"  # an inspection id in the examples
INSPECTION_ID = Field(description="Mã (UUID) cuộc kiểm tra")
FINDING_ID = Field(description="Mã phát hiện")


class PlanInspection(Command):
    action = "inspection.plan"
    operation = "plan_inspection"
    label = "Lập kế hoạch kiểm tra một cơ quan"
    http = "/plans/{plan}/inspections"
    cli = "inspection plan"
    tag: ClassVar[str] = "inspections"
    creates = True
    example = {
        "plan": "cat-hai-2023",
        "agency": "xa-hien-hao",
        "kind": "periodic",
        "scheduled_on": "2023-09-12",
        "scope": "Công tác cải cách hành chính năm 2023 của UBND xã Hiền Hào",
    }

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    agency: Code = Field(description="Mã cơ quan được kiểm tra")
    kind: InspectionKind = Field(
        default=InspectionKind.PERIODIC,
        description="periodic (định kỳ) hoặc unannounced (đột xuất)",
    )
    scheduled_on: Day = Field(description="Ngày dự kiến kiểm tra")
    scope: Text = Field(description="Nội dung, phạm vi kiểm tra")


class InspectionCommand(Command):
    """A command addressed to one inspection."""

    tag: ClassVar[str] = "inspections"
    inspection_id: Annotated[UUID, INSPECTION_ID]


class RecordInspectionConducted(InspectionCommand):
    action = "inspection.conducted"
    operation = "record_inspection_conducted"
    label = "Ghi nhận đã tiến hành kiểm tra (ngày = ngày hiệu lực)"
    http = "/inspections/{inspection_id}/conducted"
    cli = "inspection conducted"
    example = {
        "inspection_id": SAMPLE_ID,
        "note": "Đoàn kiểm tra làm việc tại trụ sở UBND xã",
        "effective_at": "2023-09-12",
    }

    note: Text | None = Field(default=None, description="Ghi chú")


class RecordFinding(InspectionCommand):
    action = "inspection.finding"
    operation = "record_finding"
    label = "Ghi một phát hiện và kiến nghị"
    http = "/inspections/{inspection_id}/findings"
    cli = "inspection finding"
    cli_aliases = {"remediation_deadline": ("--deadline",)}
    example = {
        "inspection_id": SAMPLE_ID,
        "finding": "Niêm yết thủ tục hành chính tại bộ phận một cửa chưa đầy đủ",
        "recommendation": "Niêm yết công khai đủ 100% thủ tục thuộc thẩm quyền",
        "remediation_deadline": "2023-10-31",
        "finding_id": "niem-yet",
    }

    finding: Text = Field(description="Nội dung phát hiện")
    recommendation: Text = Field(description="Kiến nghị")
    remediation_deadline: Day | None = Field(default=None, description="Hạn khắc phục")
    finding_id: Code | None = Field(default=None, description="Mã phát hiện (tự sinh nếu bỏ)")


class AddRemediationEvidence(InspectionCommand):
    action = "inspection.remediation"
    operation = "add_remediation_evidence"
    label = "Thêm bằng chứng khắc phục"
    http = "/inspections/{inspection_id}/findings/{finding_id}/remediation"
    cli = "inspection remediation"
    cli_options = frozenset({"finding_id"})
    example = {
        "inspection_id": SAMPLE_ID,
        "finding_id": "niem-yet",
        "description": "Đã niêm yết bổ sung 14 thủ tục tại bộ phận một cửa",
        "document_number": "45/BC-UBND",
        "document_date": "2023-10-20",
    }

    finding_id: Annotated[Code, FINDING_ID]
    description: Text = Field(description="Việc đã làm để khắc phục")
    document_number: Short | None = Field(default=None, description="Số, ký hiệu văn bản")
    document_date: Day | None = Field(default=None, description="Ngày văn bản")


class CloseFinding(InspectionCommand):
    action = "inspection.close_finding"
    operation = "close_finding"
    label = "Đóng một phát hiện đã khắc phục"
    http = "/inspections/{inspection_id}/findings/{finding_id}/close"
    cli = "inspection close-finding"
    cli_options = frozenset({"finding_id"})
    example = {
        "inspection_id": SAMPLE_ID,
        "finding_id": "niem-yet",
        "reason": "Đã kiểm tra lại, khắc phục đầy đủ",
    }

    finding_id: Annotated[Code, FINDING_ID]


class ConcludeInspection(InspectionCommand):
    action = "inspection.conclude"
    operation = "conclude_inspection"
    label = "Ghi thông báo kết luận kiểm tra"
    http = "/inspections/{inspection_id}/conclusion"
    cli = "inspection conclude"
    example = {
        "inspection_id": SAMPLE_ID,
        "notice_number": "87/TB-UBND",
        "notice_date": "2023-09-20",
        "summary": "UBND xã Hiền Hào cơ bản thực hiện tốt công tác cải cách hành chính",
    }

    notice_number: Short = Field(description="Số thông báo kết luận")
    notice_date: Day = Field(description="Ngày thông báo")
    summary: Text = Field(description="Tóm tắt kết luận")


@use_case(PlanInspection)
def plan_inspection(app: LedgerCore, ctx: CommandContext, cmd: PlanInspection) -> CommandResult:
    access.require(ctx.actor, access.INSPECT)
    app.get_plan(cmd.plan)
    if not isinstance(app.require_agency(cmd.agency, "agency"), Agency):
        raise InvalidValue("cần một cơ quan cụ thể, không phải một nhóm", field="agency")
    return app.execute(
        ctx,
        cmd,
        lambda m: [
            Inspection.plan_inspection(
                plan=cmd.plan,
                agency=cmd.agency,
                kind=cmd.kind.value,
                scheduled_on=cmd.scheduled_on,
                scope=cmd.scope,
                meta=m,
            )
        ],
    )


def _inspection_command(
    app: LedgerCore,
    ctx: CommandContext,
    cmd: InspectionCommand,
    act: Callable[[Inspection, EventMeta], Any],
) -> CommandResult:
    access.require(ctx.actor, access.INSPECT)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.for_update(
            Inspection, cmd.inspection_id, f"cuộc kiểm tra {cmd.inspection_id}", ctx
        )
        act(found, meta)
        return [found]

    return app.execute(ctx, cmd, decide)


@use_case(RecordInspectionConducted)
def record_inspection_conducted(
    app: LedgerCore, ctx: CommandContext, cmd: RecordInspectionConducted
) -> CommandResult:
    return _inspection_command(
        app, ctx, cmd, lambda i, m: i.record_conducted(note=cmd.note, meta=m)
    )


@use_case(RecordFinding)
def record_finding(app: LedgerCore, ctx: CommandContext, cmd: RecordFinding) -> CommandResult:
    fid = cmd.finding_id or uuid4().hex[:12]
    return _inspection_command(
        app,
        ctx,
        cmd,
        lambda i, m: i.record_finding(
            finding_id=fid,
            finding=cmd.finding,
            recommendation=cmd.recommendation,
            remediation_deadline=cmd.remediation_deadline,
            meta=m,
        ),
    )


@use_case(AddRemediationEvidence)
def add_remediation_evidence(
    app: LedgerCore, ctx: CommandContext, cmd: AddRemediationEvidence
) -> CommandResult:
    return _inspection_command(
        app,
        ctx,
        cmd,
        lambda i, m: i.add_remediation_evidence(
            finding_id=cmd.finding_id,
            description=cmd.description,
            document_number=cmd.document_number,
            document_date=cmd.document_date,
            meta=m,
        ),
    )


@use_case(CloseFinding)
def close_finding(app: LedgerCore, ctx: CommandContext, cmd: CloseFinding) -> CommandResult:
    return _inspection_command(
        app, ctx, cmd, lambda i, m: i.close_finding(finding_id=cmd.finding_id, meta=m)
    )


@use_case(ConcludeInspection)
def conclude_inspection(
    app: LedgerCore, ctx: CommandContext, cmd: ConcludeInspection
) -> CommandResult:
    return _inspection_command(
        app,
        ctx,
        cmd,
        lambda i, m: i.conclude(
            notice_number=cmd.notice_number,
            notice_date=cmd.notice_date,
            summary=cmd.summary,
            meta=m,
        ),
    )
