"""Tasks (nhiệm vụ): progress, evidence, completion and the plan owner's changes to them.

Each command says what it does to the task (``apply``, called inside the decision, so its
checks see the task as loaded); one use case loads, authorises and saves for all of them.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import uuid4

from pydantic import Field

from domain import ids
from domain.errors import InvalidValue
from domain.task import Task
from domain.values import Actor, EventMeta, Role
from ledger import access, scope
from ledger.commands import Code, Command, Day, Percent, Route, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

# Who may carry a task command out, besides the plan's managers (administrators, the
# secretariat of the plan's own unit): the lead agency's officers, a coordinating agency's
# officers (their contribution only), or nobody else.
LEAD = "lead"
CONTRIBUTOR = "contributor"
MANAGER = "manager"


class TaskCommand(Command):
    """A command addressed to one task of a plan."""

    tag: ClassVar[str] = "tasks"
    guard: ClassVar[str | None] = None  # a permission needed besides writing to the task
    writer: ClassVar[str] = LEAD
    action: ClassVar[str] = "cập nhật nhiệm vụ"  # what the denial says was refused
    # Sets the task's own status (a heading task has none: its sub-items' decide it).
    own_status: ClassVar[bool] = False

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    number: Annotated[Code, Field(description="Số nhiệm vụ, ví dụ 7 hoặc 1.b")]

    def check(self, app: LedgerCore) -> None:
        """What must hold before the task is loaded (the directory, …)."""

    def authorise(self, app: LedgerCore, actor: Actor, task: Task) -> None:
        """Write authority follows the plan: managers of the plan's unit do anything; officers
        what their agency's part in the task allows (groups give none)."""
        if actor.role in (Role.ADMIN, Role.SECRETARIAT):
            scope.require_plan_manager(app, actor, task.plan)
        elif self.writer == LEAD:
            access.require_task_lead(actor, scope.parties(app, task), self.action)
        else:
            access.require(actor, access.MANAGE_PLAN)  # says which role was refused

    def apply(self, task: Task, meta: EventMeta) -> None:
        raise NotImplementedError


@use_case(TaskCommand)
def change_task(app: LedgerCore, ctx: CommandContext, cmd: TaskCommand) -> CommandResult:
    if cmd.guard:
        access.require(ctx.actor, cmd.guard)
    cmd.check(app)

    def act(task: Task, meta: EventMeta) -> None:
        cmd.authorise(app, ctx.actor, task)
        if cmd.own_status:
            task.require_own_status(scope.sub_items(app, task), cmd.action)
        cmd.apply(task, meta)

    target = (Task, ids.task_id(cmd.plan, cmd.number), f"nhiệm vụ {cmd.number}")
    return app.change(ctx, cmd, target, act)


class OwnerTaskCommand(TaskCommand):
    """A change the plan's owner makes to a task (its deadline, its agencies, its
    cancellation): for the plan's managers only, always with a reason."""

    guard = access.MANAGE_PLAN
    writer = MANAGER
    own_status = True


def owner_route(cli: str, http: str, label: str) -> Route:
    return Route(cli, http, label, reason_required=True, permission=access.MANAGE_PLAN)


class ReportTaskProgress(TaskCommand):
    route = Route(
        "task progress",
        "/plans/{plan}/tasks/{number}/progress",
        "Báo cáo tiến độ nhiệm vụ",
        permission=access.WRITE_TASK,
    )

    action = "báo cáo tiến độ"
    own_status = True

    percent: Percent | None = Field(default=None, description="Phần trăm hoàn thành (0–100)")
    note: Text = Field(description="Nội dung tiến độ")

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.report_progress(percent=self.percent, note=self.note, meta=meta)


class AddTaskEvidence(TaskCommand):
    route = Route(
        "task evidence",
        "/plans/{plan}/tasks/{number}/evidence",
        "Thêm văn bản, sản phẩm chứng minh",
        permission=access.WRITE_TASK,
    )

    action = "thêm minh chứng"

    title: Short = Field(description="Tên văn bản hoặc sản phẩm")
    document_number: Short | None = Field(default=None, description="Số, ký hiệu văn bản")
    document_date: Day | None = Field(default=None, description="Ngày ban hành")
    file_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="SHA-256 của tệp (64 chữ số hex)"
    )
    evidence_id: Code | None = Field(default=None, description="Mã minh chứng (tự sinh nếu bỏ)")

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.add_evidence(
            evidence_id=self.evidence_id or uuid4().hex[:12],
            document_number=self.document_number,
            document_date=self.document_date,
            title=self.title,
            file_sha256=self.file_sha256,
            meta=meta,
        )


class CompleteTask(TaskCommand):
    route = Route(
        "task complete",
        "/plans/{plan}/tasks/{number}/complete",
        "Ghi nhận hoàn thành nhiệm vụ (ngày hoàn thành = ngày hiệu lực)",
        permission=access.WRITE_TASK,
    )

    action = "ghi nhận hoàn thành"
    own_status = True

    note: Text | None = Field(default=None, description="Ghi chú")

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.complete(note=self.note, meta=meta)


class ReopenTask(TaskCommand):
    route = Route(
        "task reopen",
        "/plans/{plan}/tasks/{number}/reopen",
        "Mở lại nhiệm vụ (cần lý do)",
        reason_required=True,
        permission=access.WRITE_TASK,
    )
    action = "mở lại nhiệm vụ"

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.reopen(meta=meta)


class CancelTask(OwnerTaskCommand):
    route = owner_route(
        "task cancel", "/plans/{plan}/tasks/{number}/cancel", "Hủy nhiệm vụ (cần lý do)"
    )
    action = "hủy nhiệm vụ"

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.cancel(meta=meta)


class ChangeTaskDeadline(OwnerTaskCommand):
    route = owner_route(
        "task deadline",
        "/plans/{plan}/tasks/{number}/deadline",
        "Điều chỉnh thời hạn nhiệm vụ (cần lý do)",
    )
    action = "điều chỉnh thời hạn"

    start: Day | None = Field(default=None, description="Ngày bắt đầu mới")
    due: Day = Field(description="Hạn hoàn thành mới")

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.change_deadline(start=self.start, due=self.due, meta=meta)


class ReassignTask(OwnerTaskCommand):
    route = owner_route(
        "task reassign",
        "/plans/{plan}/tasks/{number}/reassign",
        "Giao lại cơ quan chủ trì, phối hợp (cần lý do)",
    )
    action = "giao lại cơ quan chủ trì"

    lead: Annotated[list[Code], Field(min_length=1, max_length=50)] = Field(
        description="Mã cơ quan chủ trì"
    )
    coordinating: Annotated[list[Code], Field(max_length=100)] = Field(
        default_factory=list, description="Mã cơ quan phối hợp"
    )

    def check(self, app: LedgerCore) -> None:
        for agency in self.lead:
            app.require_agency(agency, "lead")
        for agency in self.coordinating:
            app.require_agency(agency, "coordinating")

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.reassign(lead=list(self.lead), coordinating=list(self.coordinating), meta=meta)


class RecordTaskContribution(TaskCommand):
    route = Route(
        "task contribute",
        "/plans/{plan}/tasks/{number}/contributions",
        "Ghi nhận phần phối hợp của cơ quan phối hợp",
        permission=access.WRITE_TASK,
    )
    writer = CONTRIBUTOR

    agency: Code | None = Field(
        default=None,
        description="Mã cơ quan phối hợp (bỏ trống: cơ quan của người ghi nhận)",
    )
    note: Text = Field(description="Nội dung đã phối hợp thực hiện")
    document_number: Short | None = Field(default=None, description="Số, ký hiệu văn bản")
    document_date: Day | None = Field(default=None, description="Ngày ban hành văn bản")

    def contributor(self, actor: Actor) -> str:
        if self.agency:
            return self.agency
        if actor.agency:
            return actor.agency
        raise InvalidValue("cần nêu mã cơ quan phối hợp", field="agency")

    def authorise(self, app: LedgerCore, actor: Actor, task: Task) -> None:
        """An officer records their own coordinating agency's part; a manager of the plan's
        unit records any coordinating agency's, a member of a coordinating group included
        (the group names who may be credited, it gives no officer authority)."""
        agency = self.contributor(actor)
        parties = scope.parties(app, task)
        if actor.role not in (Role.ADMIN, Role.SECRETARIAT):
            access.require_task_contributor(actor, parties, agency)
            return
        scope.require_plan_manager(app, actor, task.plan)
        unit = scope.plan_unit(app, task.plan)
        named = agency in parties.coordinating or (
            scope.is_agency(app, agency)
            and app.covers(parties.groups & set(task.coordinating), agency, unit)
        )
        if not named:
            raise InvalidValue(
                f"cơ quan {agency} không phối hợp thực hiện nhiệm vụ {task.number}",
                field="agency",
            )

    def apply(self, task: Task, meta: EventMeta) -> None:
        task.record_contribution(
            agency=self.contributor(meta.actor),
            note=self.note,
            document_number=self.document_number,
            document_date=self.document_date,
            meta=meta,
        )
