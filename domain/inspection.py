"""Inspection (kiểm tra): planned, conducted, findings and their remediation, concluded."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound, RuleViolation
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


class InspectionKind(StrEnum):
    PERIODIC = "periodic"  # định kỳ
    UNANNOUNCED = "unannounced"  # đột xuất


class InspectionStatus(StrEnum):
    PLANNED = "planned"
    CONDUCTED = "conducted"
    CONCLUDED = "concluded"


class Inspection(LedgerAggregate):
    ENTITY = "inspection"
    WHAT = "cuộc kiểm tra"

    @classmethod
    def plan_inspection(
        cls,
        *,
        plan: str,
        agency: str,
        kind: str,
        scheduled_on: date,
        scope: str,
        meta: EventMeta,
    ) -> Inspection:
        try:
            kind_ = InspectionKind(kind)
        except ValueError:
            raise InvalidValue(
                f"loại kiểm tra phải là một trong {[k.value for k in InspectionKind]}",
                field="kind",
            ) from None
        return cls(
            plan=code(plan, "plan"),
            agency=code(agency, "agency"),
            kind=kind_.value,
            scheduled_on=day(scheduled_on, "scheduled_on"),
            scope=text(scope, "scope"),
            meta=meta,
        )

    @event("Planned")
    def __init__(
        self, plan: str, agency: str, kind: str, scheduled_on: date, scope: str, meta: EventMeta
    ) -> None:
        self.plan = plan
        self.agency = agency
        self.kind = kind
        self.scheduled_on = scheduled_on
        self.scope = scope
        self.status = InspectionStatus.PLANNED
        self.conducted_on: date | None = None
        self.conclusion: dict[str, Any] | None = None
        self.findings: dict[str, dict[str, Any]] = {}

    def record_conducted(self, *, note: str | None, meta: EventMeta) -> None:
        """The inspection took place (on the event's effective date)."""
        if self.status is not InspectionStatus.PLANNED:
            raise RuleViolation("cuộc kiểm tra đã được ghi là đã tiến hành", field="status")
        self._conducted(note=optional_text(note, "note"), meta=meta)

    @event("Conducted")
    def _conducted(self, note: str | None, meta: EventMeta) -> None:
        self.status = InspectionStatus.CONDUCTED
        self.conducted_on = local_date(meta.effective_at)

    def record_finding(
        self,
        *,
        finding_id: str,
        finding: str,
        recommendation: str,
        remediation_deadline: date | None,
        meta: EventMeta,
    ) -> None:
        if self.status is InspectionStatus.CONCLUDED:
            raise RuleViolation(
                "cuộc kiểm tra đã có thông báo kết luận; không ghi thêm phát hiện",
                field="status",
            )
        if self.status is InspectionStatus.PLANNED:
            raise RuleViolation("cuộc kiểm tra chưa được tiến hành", field="status")
        finding_id = code(finding_id, "finding_id")
        if finding_id in self.findings:
            raise RuleViolation("phát hiện này đã được ghi", field="finding_id")
        self._finding_recorded(
            finding_id=finding_id,
            finding=text(finding, "finding"),
            recommendation=text(recommendation, "recommendation"),
            remediation_deadline=optional_day(remediation_deadline, "remediation_deadline"),
            meta=meta,
        )

    @event("FindingRecorded")
    def _finding_recorded(
        self,
        finding_id: str,
        finding: str,
        recommendation: str,
        remediation_deadline: date | None,
        meta: EventMeta,
    ) -> None:
        self.findings[finding_id] = {
            "finding": finding,
            "recommendation": recommendation,
            "remediation_deadline": remediation_deadline,
            "remediation": [],
            "closed": False,
        }

    def _open_finding(self, finding_id: str) -> dict[str, Any]:
        found = self.findings.get(finding_id)
        if found is None:
            raise NotFound(f"không có phát hiện {finding_id!r}", field="finding_id")
        if found["closed"]:
            raise RuleViolation(f"phát hiện {finding_id!r} đã đóng", field="finding_id")
        return found

    def add_remediation_evidence(
        self,
        *,
        finding_id: str,
        description: str,
        document_number: str | None,
        document_date: date | None,
        meta: EventMeta,
    ) -> None:
        self._open_finding(finding_id)
        self._remediation_added(
            finding_id=finding_id,
            description=text(description, "description"),
            **document_ref(document_number, document_date),
            meta=meta,
        )

    @event("RemediationEvidenceAdded")
    def _remediation_added(
        self,
        finding_id: str,
        description: str,
        document_number: str | None,
        document_date: date | None,
        meta: EventMeta,
    ) -> None:
        self.findings[finding_id]["remediation"].append(
            {
                "description": description,
                "document_number": document_number,
                "document_date": document_date,
            }
        )

    def close_finding(self, *, finding_id: str, meta: EventMeta) -> None:
        """The recommendation has been carried out (on the effective date)."""
        self._open_finding(finding_id)
        self._finding_closed(finding_id=finding_id, meta=meta)

    @event("FindingClosed")
    def _finding_closed(self, finding_id: str, meta: EventMeta) -> None:
        self.findings[finding_id]["closed"] = True

    def conclude(
        self, *, notice_number: str, notice_date: date, summary: str, meta: EventMeta
    ) -> None:
        """The conclusion notice (thông báo kết luận) was issued."""
        if self.status is InspectionStatus.PLANNED:
            raise RuleViolation("cuộc kiểm tra chưa được tiến hành", field="status")
        if self.status is InspectionStatus.CONCLUDED:
            raise RuleViolation("cuộc kiểm tra đã có thông báo kết luận", field="status")
        notice = day(notice_date, "notice_date")
        if self.conducted_on is not None and notice < self.conducted_on:
            raise InvalidValue("ngày thông báo kết luận trước ngày kiểm tra", field="notice_date")
        self._concluded(
            notice_number=text(notice_number, "notice_number", limit=100),
            notice_date=notice,
            summary=text(summary, "summary", limit=MAX_SHORT_TEXT * 20),
            meta=meta,
        )

    @event("Concluded")
    def _concluded(
        self, notice_number: str, notice_date: date, summary: str, meta: EventMeta
    ) -> None:
        self.status = InspectionStatus.CONCLUDED
        self.conclusion = {
            "notice_number": notice_number,
            "notice_date": notice_date,
            "summary": summary,
        }
