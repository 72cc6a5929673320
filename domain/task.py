"""Task (nhiệm vụ): one row of the plan's appendix and its life until done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.values import (
    MAX_SHORT_TEXT,
    EventMeta,
    code,
    day,
    document_ref,
    local_date,
    optional_day,
    optional_text,
    text,
)
from domain.withdrawal import InPlan


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _agencies(values: object, field: str, *, required: bool) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise InvalidValue("phải là danh sách mã cơ quan", field=field)
    codes = [code(v, field) for v in values]
    if required and not codes:
        raise InvalidValue("cần ít nhất một cơ quan", field=field)
    if len(set(codes)) != len(codes):
        raise InvalidValue("có mã cơ quan lặp lại", field=field)
    return codes


def _window(start: date | None, due: date | None) -> None:
    if start is not None and due is not None and start > due:
        raise InvalidValue(
            f"ngày bắt đầu {start:%d/%m/%Y} sau hạn hoàn thành {due:%d/%m/%Y}", field="start"
        )


class Task(InPlan, LedgerAggregate):
    ENTITY = "task"
    WHAT = "nhiệm vụ"

    @staticmethod
    def create_id(plan: str, number: str) -> UUID:
        return ids.task_id(plan, number)

    @classmethod
    def register(
        cls,
        *,
        plan: str,
        number: str,
        area: str,
        content: str,
        lead: list[str],
        coordinating: list[str],
        timeframe_text: str,
        start: date | None,
        due: date | None,
        product: str,
        meta: EventMeta,
        parent: str | None = None,
        lead_text: str = "",
        coordinating_text: str = "",
        source_line: int | None = None,
    ) -> Task:
        start, due = optional_day(start, "start"), optional_day(due, "due")
        _window(start, due)
        return cls(
            plan=code(plan, "plan"),
            number=code(number, "number"),
            parent=None if parent is None else code(parent, "parent"),
            area=code(area, "area"),
            content=text(content, "content"),
            lead=_agencies(lead, "lead", required=False),
            coordinating=_agencies(coordinating, "coordinating", required=False),
            lead_text=text(lead_text, "lead_text", required=False, limit=MAX_SHORT_TEXT),
            coordinating_text=text(
                coordinating_text, "coordinating_text", required=False, limit=MAX_SHORT_TEXT
            ),
            timeframe_text=text(timeframe_text, "timeframe_text", required=False, limit=200),
            start=start,
            due=due,
            product=text(product, "product", required=False),
            source_line=source_line,
            meta=meta,
        )

    @event("Registered")
    def __init__(
        self,
        plan: str,
        number: str,
        parent: str | None,
        area: str,
        content: str,
        lead: list[str],
        coordinating: list[str],
        lead_text: str,
        coordinating_text: str,
        timeframe_text: str,
        start: date | None,
        due: date | None,
        product: str,
        source_line: int | None,
        meta: EventMeta,
    ) -> None:
        self.plan = plan
        self.number = number
        self.parent = parent
        self.area = area
        self.content = content
        self.lead = tuple(lead)
        self.coordinating = tuple(coordinating)
        self.lead_text = lead_text
        self.coordinating_text = coordinating_text
        self.timeframe_text = timeframe_text
        self.start = start
        self.due = due
        self.product = product
        self.source_line = source_line
        self.status = TaskStatus.NOT_STARTED
        self.progress: int | None = None
        self.completed_at: date | None = None
        self.evidence: dict[str, dict[str, Any]] = {}
        # Kept out of the audit trail's field changes (``projections.history`` shows public
        # attributes only): they are facts of the events already shown, not new state.
        self._registered_on = local_date(meta.effective_at)
        self._last_progress_on: date | None = None

    # -- rules ---------------------------------------------------------------------------

    def _require_open(self) -> None:
        self._require_in_plan()
        if self.status is TaskStatus.CANCELLED:
            raise RuleViolation(
                f"nhiệm vụ {self.number} đã bị hủy; chỉ có thể mở lại", field="status"
            )

    def _require_not_completed(self) -> None:
        if self.status is TaskStatus.COMPLETED:
            raise RuleViolation(
                f"nhiệm vụ {self.number} đã hoàn thành; cần mở lại trước khi thay đổi",
                field="status",
            )

    def require_own_status(self, sub_items: Sequence[str], action: str) -> None:
        """A heading task (one with sub-items, like task 1 of Cát Hải's plan) has no status
        of its own: the views derive it from its sub-items only, so nothing may set it."""
        if sub_items:
            raise RuleViolation(
                f"nhiệm vụ {self.number} là nhiệm vụ tiêu đề, trạng thái lấy từ các mục con "
                f"{', '.join(sub_items)}; hãy {action} ở từng mục con",
                field="number",
            )

    def _require_dated_in_plan(self, meta: EventMeta, what: str) -> None:
        """Work is not dated before the task entered its plan (the plan's own date, as the
        importer dates its entities): the fold keeps the registration's state over anything
        dated earlier, so such an entry would be recorded and never shown. Work dated after
        the plan's year is accepted: a late completion in January is a real case (the board
        says "hoàn thành quá hạn"), and a plan may set a due date in the next year (task 2 of
        Cát Hải's plan runs to Q1/2024)."""
        on, since = local_date(meta.effective_at), getattr(self, "_registered_on", None)
        if since is not None and on < since:
            raise RuleViolation(
                f"ngày {what} {on:%d/%m/%Y} trước ngày nhiệm vụ {self.number} có trong kế "
                f"hoạch {self.plan} ({since:%d/%m/%Y})",
                field="effective_at",
            )

    # -- commands ------------------------------------------------------------------------

    def reassign(
        self,
        *,
        lead: list[str],
        coordinating: list[str],
        meta: EventMeta,
        lead_required: bool = True,
    ) -> None:
        """Change the lead (chủ trì) or coordinating (phối hợp) agencies. A user reassigning
        names a lead; a re-imported text may name none, as a registered one may
        (``lead_required=False``): the text is the plan, and no lead then leads it."""
        self._require_open()
        meta.require_reason()
        new_lead = _agencies(lead, "lead", required=lead_required)
        new_coordinating = _agencies(coordinating, "coordinating", required=False)
        if (tuple(new_lead), tuple(new_coordinating)) == (self.lead, self.coordinating):
            raise RuleViolation("phân công không thay đổi", field="lead")
        self._reassigned(lead=new_lead, coordinating=new_coordinating, meta=meta)

    @event("Reassigned")
    def _reassigned(self, lead: list[str], coordinating: list[str], meta: EventMeta) -> None:
        self.lead = tuple(lead)
        self.coordinating = tuple(coordinating)

    def change_deadline(self, *, start: date | None, due: date, meta: EventMeta) -> None:
        self._require_open()
        meta.require_reason()
        # An omitted start keeps the current one: moving a deadline does not erase a start.
        new_start = self.start if start is None else optional_day(start, "start")
        new_due = day(due, "due")
        _window(new_start, new_due)
        if (new_start, new_due) == (self.start, self.due):
            raise RuleViolation("thời hạn không thay đổi", field="due")
        self._deadline_changed(start=new_start, due=new_due, meta=meta)

    def reschedule(self, *, start: date | None, due: date | None, meta: EventMeta) -> None:
        """Set the time frame a re-imported text gives, exactly: a start or a due date the
        text no longer has is removed (the event then records ``None``). Like a reworded
        task, a rescheduled one may be completed or cancelled: the text is the plan."""
        self._require_in_plan()
        meta.require_reason()
        new_start, new_due = optional_day(start, "start"), optional_day(due, "due")
        _window(new_start, new_due)
        if (new_start, new_due) == (self.start, self.due):
            raise RuleViolation("thời hạn không thay đổi", field="due")
        self._deadline_changed(start=new_start, due=new_due, meta=meta)

    # ``due`` is None only when a re-imported text removed the deadline (``reschedule``);
    # events stored before that have a date, in the same shape.
    @event("DeadlineChanged")
    def _deadline_changed(self, start: date | None, due: date | None, meta: EventMeta) -> None:
        self.start = start
        self.due = due

    def move(self, *, area: str, parent: str | None, meta: EventMeta) -> None:
        """Put the task under another area of its plan, or under another heading task (a
        re-imported text that lists it elsewhere); whether the area exists is the plan's to
        say, and the importer asks it."""
        self._require_in_plan()
        meta.require_reason()
        new_area = code(area, "area")
        new_parent = None if parent is None else code(parent, "parent")
        if new_parent == self.number:
            raise InvalidValue(
                f"nhiệm vụ {self.number} không thể là mục con của chính nó", field="parent"
            )
        if (new_area, new_parent) == (self.area, self.parent):
            raise RuleViolation("vị trí trong kế hoạch không thay đổi", field="area")
        self._moved(area=new_area, parent=new_parent, meta=meta)

    @event("Moved")
    def _moved(self, area: str, parent: str | None, meta: EventMeta) -> None:
        self.area = area
        self.parent = parent

    def amend(self, *, changes: dict[str, Any], meta: EventMeta) -> None:
        """Correct the registered wording (content, product, time frame text, lines)."""
        meta.require_reason()
        allowed = {"content", "product", "timeframe_text", "lead_text", "coordinating_text"}
        unknown = set(changes) - allowed - {"source_line"}
        if unknown:
            raise InvalidValue(f"không sửa được trường {sorted(unknown)}", field="changes")
        cleaned: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "source_line":
                cleaned[name] = value
            elif name == "content":
                cleaned[name] = text(value, name)
            else:
                cleaned[name] = text(value, name, required=False)
        cleaned = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
        if not cleaned:
            raise RuleViolation("không có gì thay đổi", field="changes")
        self._amended(changes=cleaned, meta=meta)

    @event("Amended")
    def _amended(self, changes: dict[str, Any], meta: EventMeta) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    def report_progress(self, *, percent: int | None, note: str, meta: EventMeta) -> None:
        self._require_open()
        self._require_dated_in_plan(meta, "báo cáo tiến độ")
        on = local_date(meta.effective_at)
        if self.completed_at is not None and on > self.completed_at:
            raise RuleViolation(
                f"ngày báo cáo tiến độ {on:%d/%m/%Y} sau ngày hoàn thành "
                f"{self.completed_at:%d/%m/%Y} của nhiệm vụ {self.number}; cần mở lại nhiệm vụ "
                "trước khi báo cáo thêm",
                field="effective_at",
            )
        self._require_not_completed()
        if percent is not None and (
            isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100
        ):
            raise InvalidValue("phải là số nguyên từ 0 đến 100", field="percent")
        self._progress_reported(percent=percent, note=text(note, "note"), meta=meta)

    @event("ProgressReported")
    def _progress_reported(self, percent: int | None, note: str, meta: EventMeta) -> None:
        self.status = TaskStatus.IN_PROGRESS
        if percent is not None:
            self.progress = percent
        on, last = local_date(meta.effective_at), getattr(self, "_last_progress_on", None)
        self._last_progress_on = on if last is None else max(last, on)

    def add_evidence(
        self,
        *,
        evidence_id: str,
        document_number: str | None,
        document_date: date | None,
        title: str,
        file_sha256: str | None,
        meta: EventMeta,
    ) -> None:
        """Record a product (sản phẩm): a document that shows the work was done."""
        self._require_open()
        evidence_id = code(evidence_id, "evidence_id")
        if evidence_id in self.evidence:
            raise RuleViolation("minh chứng này đã được ghi", field="evidence_id")
        if file_sha256 is not None and (
            not isinstance(file_sha256, str)
            or len(file_sha256) != 64
            or any(c not in "0123456789abcdef" for c in file_sha256)
        ):
            raise InvalidValue("phải là 64 ký tự hex thường (SHA-256)", field="file_sha256")
        self._evidence_added(
            evidence_id=evidence_id,
            **document_ref(document_number, document_date),
            title=text(title, "title", limit=MAX_SHORT_TEXT),
            file_sha256=file_sha256,
            meta=meta,
        )

    @event("EvidenceAdded")
    def _evidence_added(
        self,
        evidence_id: str,
        document_number: str | None,
        document_date: date | None,
        title: str,
        file_sha256: str | None,
        meta: EventMeta,
    ) -> None:
        self.evidence[evidence_id] = {
            "document_number": document_number,
            "document_date": document_date,
            "title": title,
            "file_sha256": file_sha256,
        }

    def record_contribution(
        self,
        *,
        agency: str,
        note: str,
        document_number: str | None,
        document_date: date | None,
        meta: EventMeta,
    ) -> None:
        """A coordinating agency's part of the work (phần phối hợp): recorded beside the lead's
        progress, never changing the task's status, progress or completion."""
        self._require_open()
        self._require_not_completed()
        self._contribution_recorded(
            agency=code(agency, "agency"),
            note=text(note, "note"),
            **document_ref(document_number, document_date),
            meta=meta,
        )

    @event("ContributionRecorded")
    def _contribution_recorded(
        self,
        agency: str,
        note: str,
        document_number: str | None,
        document_date: date | None,
        meta: EventMeta,
    ) -> None:
        self.contributions = (*getattr(self, "contributions", ()), agency)

    def complete(self, *, note: str | None, meta: EventMeta) -> None:
        """Mark done; the completion date is the event's effective date, never before a
        progress report already recorded (that report would then be dated after it)."""
        self._require_open()
        self._require_not_completed()
        self._require_dated_in_plan(meta, "hoàn thành")
        last = getattr(self, "_last_progress_on", None)
        on = local_date(meta.effective_at)
        if last is not None and on < last:
            raise RuleViolation(
                f"nhiệm vụ {self.number} có báo cáo tiến độ ngày {last:%d/%m/%Y}, sau ngày "
                f"hoàn thành {on:%d/%m/%Y}: ngày hoàn thành không thể trước báo cáo tiến độ",
                field="effective_at",
            )
        self._completed(note=optional_text(note, "note"), meta=meta)

    @event("Completed")
    def _completed(self, note: str | None, meta: EventMeta) -> None:
        self.status = TaskStatus.COMPLETED
        self.completed_at = local_date(meta.effective_at)

    def reopen(self, *, meta: EventMeta) -> None:
        self._require_in_plan()
        if self.status not in (TaskStatus.COMPLETED, TaskStatus.CANCELLED):
            raise RuleViolation(
                f"nhiệm vụ {self.number} chưa hoàn thành hay bị hủy, không cần mở lại",
                field="status",
            )
        meta.require_reason()
        self._reopened(meta=meta)

    @event("Reopened")
    def _reopened(self, meta: EventMeta) -> None:
        self.status = TaskStatus.IN_PROGRESS
        self.completed_at = None

    _withdrawn = event("Withdrawn")(InPlan.mark_withdrawn)
    _reinstated = event("Reinstated")(InPlan.mark_reinstated)

    def cancel(self, *, meta: EventMeta) -> None:
        self._require_open()
        meta.require_reason()
        self._cancelled(meta=meta)

    @event("Cancelled")
    def _cancelled(self, meta: EventMeta) -> None:
        self.status = TaskStatus.CANCELLED
