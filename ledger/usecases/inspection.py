"""Inspections (kiểm tra): planned, conducted, findings with remediation, concluded."""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID, uuid4

from pydantic import Field

from domain.agency import Agency
from domain.errors import InvalidValue
from domain.inspection import Inspection, InspectionKind
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Code, Command, Day, Route, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

SAMPLE_ID = "5b0c1d52-7f0e-4c1a-9a57-0f4d1c7e2b13"  # an inspection id in the examples
INSPECT = "ghi nhận kiểm tra"  # what a denial says was refused


class PlanInspection(Command):
    route = Route(
        "inspection plan",
        "/plans/{plan}/inspections",
        "Lập kế hoạch kiểm tra một cơ quan",
        creates=True,
        permission=access.INSPECT,
    )
    tag: ClassVar[str] = "inspections"

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    agency: Code = Field(description="Mã cơ quan được kiểm tra")
    kind: InspectionKind = Field(
        default=InspectionKind.PERIODIC,
        description="periodic (định kỳ) hoặc unannounced (đột xuất)",
    )
    scheduled_on: Day = Field(description="Ngày dự kiến kiểm tra")
    scope: Text = Field(description="Nội dung, phạm vi kiểm tra")


@use_case(PlanInspection)
def plan_inspection(app: LedgerCore, ctx: CommandContext, cmd: PlanInspection) -> CommandResult:
    access.require(ctx.actor, access.INSPECT)
    unit = scope.plan_unit(app, cmd.plan)
    scope.require_plan_actor(app, ctx.actor, cmd.plan, INSPECT, unit)
    if not isinstance(app.require_agency(cmd.agency, "agency"), Agency):
        raise InvalidValue("cần một cơ quan cụ thể, không phải một nhóm", field="agency")
    scope.require_agency_of_plan(app, cmd.agency, cmd.plan, unit)
    fields = cmd.model_dump(include={"plan", "agency", "scheduled_on", "scope"})
    return app.execute(
        ctx,
        cmd,
        lambda meta: [Inspection.plan_inspection(kind=cmd.kind.value, meta=meta, **fields)],
    )


class InspectionCommand(Command):
    """A command addressed to one inspection."""

    tag: ClassVar[str] = "inspections"

    inspection_id: Annotated[UUID, Field(description="Mã (UUID) cuộc kiểm tra")]

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        raise NotImplementedError


@use_case(InspectionCommand)
def change_inspection(
    app: LedgerCore, ctx: CommandContext, cmd: InspectionCommand
) -> CommandResult:
    access.require(ctx.actor, access.INSPECT)

    def act(inspection: Inspection, meta: EventMeta) -> None:
        scope.require_plan_actor(app, ctx.actor, inspection.plan, INSPECT)
        cmd.apply(inspection, meta)

    target = (Inspection, cmd.inspection_id, f"cuộc kiểm tra {cmd.inspection_id}")
    return app.change(ctx, cmd, target, act)


class RecordInspectionConducted(InspectionCommand):
    route = Route(
        "inspection conducted",
        "/inspections/{inspection_id}/conducted",
        "Ghi nhận đã tiến hành kiểm tra (ngày = ngày hiệu lực)",
        permission=access.INSPECT,
    )

    note: Text | None = Field(default=None, description="Ghi chú")

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        inspection.record_conducted(note=self.note, meta=meta)


class RecordFinding(InspectionCommand):
    route = Route(
        "inspection finding",
        "/inspections/{inspection_id}/findings",
        "Ghi một phát hiện và kiến nghị",
        cli_aliases={"remediation_deadline": ("--deadline",)},
        permission=access.INSPECT,
    )

    finding: Text = Field(description="Nội dung phát hiện")
    recommendation: Text = Field(description="Kiến nghị")
    remediation_deadline: Day | None = Field(default=None, description="Hạn khắc phục")
    finding_id: Code | None = Field(default=None, description="Mã phát hiện (tự sinh nếu bỏ)")

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        inspection.record_finding(
            finding_id=self.finding_id or uuid4().hex[:12],
            finding=self.finding,
            recommendation=self.recommendation,
            remediation_deadline=self.remediation_deadline,
            meta=meta,
        )


class FindingCommand(InspectionCommand):
    """A command about one finding of an inspection: its id is in the path, and a flag of the
    CLI (``--finding-id``)."""

    finding_id: Annotated[Code, Field(description="Mã phát hiện")]


def finding_route(cli: str, http: str, label: str) -> Route:
    return Route(cli, http, label, cli_options=frozenset({"finding_id"}), permission=access.INSPECT)


class AddRemediationEvidence(FindingCommand):
    route = finding_route(
        "inspection remediation",
        "/inspections/{inspection_id}/findings/{finding_id}/remediation",
        "Thêm bằng chứng khắc phục",
    )

    description: Text = Field(description="Việc đã làm để khắc phục")
    document_number: Short | None = Field(default=None, description="Số, ký hiệu văn bản")
    document_date: Day | None = Field(default=None, description="Ngày văn bản")

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        inspection.add_remediation_evidence(
            meta=meta,
            **self.model_dump(
                include={"finding_id", "description", "document_number", "document_date"}
            ),
        )


class CloseFinding(FindingCommand):
    route = finding_route(
        "inspection close-finding",
        "/inspections/{inspection_id}/findings/{finding_id}/close",
        "Đóng một phát hiện đã khắc phục",
    )

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        inspection.close_finding(finding_id=self.finding_id, meta=meta)


class ConcludeInspection(InspectionCommand):
    route = Route(
        "inspection conclude",
        "/inspections/{inspection_id}/conclusion",
        "Ghi thông báo kết luận kiểm tra",
        permission=access.INSPECT,
    )

    notice_number: Short = Field(description="Số thông báo kết luận")
    notice_date: Day = Field(description="Ngày thông báo")
    summary: Text = Field(description="Tóm tắt kết luận")

    def apply(self, inspection: Inspection, meta: EventMeta) -> None:
        inspection.conclude(
            notice_number=self.notice_number,
            notice_date=self.notice_date,
            summary=self.summary,
            meta=meta,
        )
