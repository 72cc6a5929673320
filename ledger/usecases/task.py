"""Tasks (nhiệm vụ): progress, evidence, completion and the plan owner's changes to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.task import Task
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Day, Percent, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

PLAN = Field(description="Mã kế hoạch, ví dụ cat-hai-2023")
NUMBER = Field(description="Số nhiệm vụ, ví dụ 7 hoặc 1.b")


class TaskCommand(Command):
    """A command addressed to one task of a plan."""

    tag: ClassVar[str] = "tasks"
    plan: Annotated[Code, PLAN]
    number: Annotated[Code, NUMBER]


class ReportTaskProgress(TaskCommand):
    action = "task.progress"
    operation = "report_task_progress"
    label = "Báo cáo tiến độ nhiệm vụ"
    http = "/plans/{plan}/tasks/{number}/progress"
    cli = "task progress"
    example = {
        "plan": "cat-hai-2023",
        "number": "3",
        "percent": 40,
        "note": "Đã khảo sát mức độ hài lòng tại 6/12 xã, thị trấn",
        "effective_at": "2023-05-02",
    }

    percent: Percent | None = Field(default=None, description="Phần trăm hoàn thành (0–100)")
    note: Text = Field(description="Nội dung tiến độ")


class AddTaskEvidence(TaskCommand):
    action = "task.evidence"
    operation = "add_task_evidence"
    label = "Thêm văn bản, sản phẩm chứng minh"
    http = "/plans/{plan}/tasks/{number}/evidence"
    cli = "task evidence"
    example = {
        "plan": "cat-hai-2023",
        "number": "1.b",
        "title": "Kế hoạch cải cách hành chính năm 2023 của UBND huyện Cát Hải",
        "document_number": "12/KH-UBND",
        "document_date": "2023-01-05",
    }

    title: Short = Field(description="Tên văn bản hoặc sản phẩm")
    document_number: Short | None = Field(default=None, description="Số, ký hiệu văn bản")
    document_date: Day | None = Field(default=None, description="Ngày ban hành")
    file_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="SHA-256 của tệp (64 chữ số hex)"
    )
    evidence_id: Code | None = Field(default=None, description="Mã minh chứng (tự sinh nếu bỏ)")


class CompleteTask(TaskCommand):
    action = "task.complete"
    operation = "complete_task"
    label = "Ghi nhận hoàn thành nhiệm vụ (ngày hoàn thành = ngày hiệu lực)"
    http = "/plans/{plan}/tasks/{number}/complete"
    cli = "task complete"
    example = {
        "plan": "cat-hai-2023",
        "number": "1.b",
        "note": "Đã ban hành Kế hoạch số 12/KH-UBND",
        "effective_at": "2023-01-14",
    }

    note: Text | None = Field(default=None, description="Ghi chú")


class ReopenTask(TaskCommand):
    action = "task.reopen"
    operation = "reopen_task"
    label = "Mở lại nhiệm vụ (cần lý do)"
    http = "/plans/{plan}/tasks/{number}/reopen"
    cli = "task reopen"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "number": "1.b",
        "reason": "Sản phẩm chưa đạt yêu cầu, cần bổ sung",
    }


class CancelTask(TaskCommand):
    action = "task.cancel"
    operation = "cancel_task"
    label = "Hủy nhiệm vụ (cần lý do)"
    http = "/plans/{plan}/tasks/{number}/cancel"
    cli = "task cancel"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "number": "1.c",
        "reason": "Thành phố điều chỉnh kế hoạch, không còn thực hiện",
    }


class ChangeTaskDeadline(TaskCommand):
    action = "task.deadline"
    operation = "change_task_deadline"
    label = "Điều chỉnh thời hạn nhiệm vụ (cần lý do)"
    http = "/plans/{plan}/tasks/{number}/deadline"
    cli = "task deadline"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "number": "1.b",
        "due": "2023-02-15",
        "reason": "Chờ hướng dẫn của Sở Nội vụ",
    }

    start: Day | None = Field(default=None, description="Ngày bắt đầu mới")
    due: Day = Field(description="Hạn hoàn thành mới")


class ReassignTask(TaskCommand):
    action = "task.reassign"
    operation = "reassign_task"
    label = "Giao lại cơ quan chủ trì, phối hợp (cần lý do)"
    http = "/plans/{plan}/tasks/{number}/reassign"
    cli = "task reassign"
    reason_required = True
    example = {
        "plan": "cat-hai-2023",
        "number": "2",
        "lead": ["phong-noi-vu-ldtbxh"],
        "coordinating": ["ubnd-cac-xa-thi-tran"],
        "reason": "Theo Quyết định phân công của Chủ tịch UBND huyện",
    }

    lead: Annotated[list[Code], Field(min_length=1, max_length=50)] = Field(
        description="Mã cơ quan chủ trì"
    )
    coordinating: Annotated[list[Code], Field(max_length=100)] = Field(
        default_factory=list, description="Mã cơ quan phối hợp"
    )


def _task_command(
    app: LedgerCore,
    ctx: CommandContext,
    command: TaskCommand,
    act: Callable[[Task, EventMeta], Any],
) -> CommandResult:
    """Load the task (at the expected version), check the officer's agency, act, save."""

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        task = app.for_update(
            Task, ids.task_id(command.plan, command.number), f"nhiệm vụ {command.number}", ctx
        )
        access.require_task_writer(
            ctx.actor, lambda a: app.covers([*task.lead, *task.coordinating], a)
        )
        act(task, meta)
        return [task]

    return app.execute(ctx, command, decide)


@use_case(ReportTaskProgress)
def report_task_progress(
    app: LedgerCore, ctx: CommandContext, cmd: ReportTaskProgress
) -> CommandResult:
    return _task_command(
        app, ctx, cmd, lambda t, m: t.report_progress(percent=cmd.percent, note=cmd.note, meta=m)
    )


@use_case(AddTaskEvidence)
def add_task_evidence(app: LedgerCore, ctx: CommandContext, cmd: AddTaskEvidence) -> CommandResult:
    evidence = cmd.evidence_id or uuid4().hex[:12]
    return _task_command(
        app,
        ctx,
        cmd,
        lambda t, m: t.add_evidence(
            evidence_id=evidence,
            document_number=cmd.document_number,
            document_date=cmd.document_date,
            title=cmd.title,
            file_sha256=cmd.file_sha256,
            meta=m,
        ),
    )


@use_case(CompleteTask)
def complete_task(app: LedgerCore, ctx: CommandContext, cmd: CompleteTask) -> CommandResult:
    return _task_command(app, ctx, cmd, lambda t, m: t.complete(note=cmd.note, meta=m))


@use_case(ReopenTask)
def reopen_task(app: LedgerCore, ctx: CommandContext, cmd: ReopenTask) -> CommandResult:
    return _task_command(app, ctx, cmd, lambda t, m: t.reopen(meta=m))


@use_case(CancelTask)
def cancel_task(app: LedgerCore, ctx: CommandContext, cmd: CancelTask) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_PLAN)
    return _task_command(app, ctx, cmd, lambda t, m: t.cancel(meta=m))


@use_case(ChangeTaskDeadline)
def change_task_deadline(
    app: LedgerCore, ctx: CommandContext, cmd: ChangeTaskDeadline
) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_PLAN)
    return _task_command(
        app, ctx, cmd, lambda t, m: t.change_deadline(start=cmd.start, due=cmd.due, meta=m)
    )


@use_case(ReassignTask)
def reassign_task(app: LedgerCore, ctx: CommandContext, cmd: ReassignTask) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_PLAN)
    for agency_code in [*cmd.lead, *cmd.coordinating]:
        app.require_agency(agency_code, "lead" if agency_code in cmd.lead else "coordinating")
    return _task_command(
        app,
        ctx,
        cmd,
        lambda t, m: t.reassign(lead=list(cmd.lead), coordinating=list(cmd.coordinating), meta=m),
    )
