"""Obligation (nghĩa vụ): what the regime says someone owes because of a fact in the ledger.

Raised by the ledger itself (``ledger.obligations``), never typed: an apology per late dossier,
a report per plan period and unit, a remediation per inspection finding. Met by the event that
fulfils it, missed when its due moment passed without it (recorded by a sweep at a stated
``now``), waived with a reason by an authorised role; reopened when what met it is withdrawn
(an apology recorded in error). One obligation per cause: its id is
derived from (kind, cause), so it can never be raised twice.

An obligation met after its due moment is met late, whether or not the miss was recorded
first: the citizen did get the apology, the register shows both facts.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.values import EventMeta, code, text


class ObligationKind(StrEnum):
    APOLOGY = "apology"  # phiếu xin lỗi, per late dossier
    REPORT = "report"  # báo cáo định kỳ, per plan period and unit
    REMEDIATION = "remediation"  # khắc phục, per inspection finding


class ObligationStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    MET_LATE = "met_late"
    MISSED = "missed"
    WAIVED = "waived"


class Obligation(LedgerAggregate):
    ENTITY = "obligation"
    WHAT = "nghĩa vụ"

    @staticmethod
    def create_id(kind: str, cause: str) -> UUID:
        return ids.obligation_id(kind, cause)

    @classmethod
    def raise_for(
        cls,
        *,
        kind: ObligationKind,
        cause: str,
        plan: str,
        unit: str,
        agency: str | None,
        due_on: date | None,
        due_at: datetime | None,
        rule: str,
        calendar: str,
        raised_by: str,
        detail: str,
        meta: EventMeta,
    ) -> Obligation:
        """``agency`` is None where the unit as a whole owes it (a report)."""
        if (due_on is None) != (due_at is None):
            raise InvalidValue("hạn và thời điểm hết hạn phải đi cùng nhau", field="due_at")
        if due_at is not None and due_at.tzinfo is None:
            raise InvalidValue("thời điểm hết hạn phải có múi giờ", field="due_at")
        return cls(
            kind=kind.value,
            cause=text(cause, "cause", limit=300),
            plan=code(plan, "plan"),
            unit=code(unit, "unit"),
            agency=None if agency is None else code(agency, "agency"),
            due_on=due_on,
            due_at=due_at,
            rule=text(rule, "rule", limit=200),
            calendar=text(calendar, "calendar", limit=200, required=False),
            raised_by=text(raised_by, "raised_by", limit=300),
            detail=text(detail, "detail", limit=500),
            meta=meta,
        )

    @event("Raised")
    def __init__(
        self,
        kind: str,
        cause: str,
        plan: str,
        unit: str,
        agency: str | None,
        due_on: date | None,
        due_at: datetime | None,
        rule: str,
        calendar: str,
        raised_by: str,
        detail: str,
        meta: EventMeta,
    ) -> None:
        self.kind = kind
        self.cause = cause
        self.plan = plan
        self.unit = unit
        self.agency = agency
        self.due_on = due_on
        self.due_at = due_at
        self.rule = rule
        self.status = ObligationStatus.OPEN
        self.met_by: str | None = None
        self.was_missed = False

    def can_be_met(self) -> bool:
        return self.status in (ObligationStatus.OPEN, ObligationStatus.MISSED)

    def meet(self, *, by: str, on: date, meta: EventMeta) -> None:
        """Fulfilled by the event ``by`` (entity, event type and position) on day ``on``."""
        if not self.can_be_met():
            raise RuleViolation(f"nghĩa vụ đã {self.status.value}", field="status")
        late = self.due_on is not None and on > self.due_on
        self._met(by=text(by, "by", limit=300), on=on, late=late, meta=meta)

    @event("Met")
    def _met(self, by: str, on: date, late: bool, meta: EventMeta) -> None:
        self.status = ObligationStatus.MET_LATE if late else ObligationStatus.MET
        self.met_by = by

    def reopen(self, *, by: str, meta: EventMeta) -> None:
        """What met it was withdrawn (``by``: the withdrawing event): owed again, or missed
        again when a miss was recorded before."""
        if self.status not in (ObligationStatus.MET, ObligationStatus.MET_LATE):
            raise RuleViolation("nghĩa vụ chưa được thực hiện", field="status")
        self._reopened(by=text(by, "by", limit=300), meta=meta)

    @event("Reopened")
    def _reopened(self, by: str, meta: EventMeta) -> None:
        self.status = ObligationStatus.MISSED if self.was_missed else ObligationStatus.OPEN
        self.met_by = None

    def can_be_missed(self, now: datetime) -> bool:
        return (
            self.status is ObligationStatus.OPEN and self.due_at is not None and now >= self.due_at
        )

    def miss(self, *, now: datetime, meta: EventMeta) -> None:
        """The due moment passed without the obligation met; ``now`` is when the sweep saw it
        (the event takes effect at the due moment itself, its valid time)."""
        if not self.can_be_missed(now):
            raise RuleViolation("nghĩa vụ chưa quá hạn hoặc không còn mở", field="status")
        self._missed(now=now, meta=meta)

    @event("Missed")
    def _missed(self, now: datetime, meta: EventMeta) -> None:
        self.status = ObligationStatus.MISSED
        self.was_missed = True

    def waive(self, *, meta: EventMeta) -> None:
        """Excused, with a reason (an authorised role decides: the use case checks who)."""
        meta.require_reason()
        if self.status not in (ObligationStatus.OPEN, ObligationStatus.MISSED):
            raise RuleViolation(
                f"chỉ miễn được nghĩa vụ đang mở hoặc đã quá hạn (đang: {self.status.value})",
                field="status",
            )
        self._waived(meta=meta)

    @event("Waived")
    def _waived(self, meta: EventMeta) -> None:
        self.status = ObligationStatus.WAIVED
