"""The obligations process: a policy that follows the notification log and records obligations.

The library's process-application pattern (``eventsourcing.system``): each notification is
turned into a domain event, ``policy`` decides what new events it causes, and the new events
are recorded with a tracking record of the position processed, in one transaction
(``ProcessingEvent`` with ``tracking``; the recorders write the position with the library's
single-row statement, refused unless it moves on). Here a whole page of the log is one
processing event: a process stopped anywhere resumes from the tracking position, and a page
processed twice (two processes, or a restart after a lost acknowledgement) is refused whole.
Obligation ids are derived from (kind, cause), so even a process that lost its tracking row
could not raise one twice: the second ``Raised`` collides with the first at version 1.

What it does (rules from ``rules/``):
- ``LateDossier.Reported`` raises an apology obligation, due on the working-day calendar under
  the regime in force when the dossier was received; ``ApologyIssued`` meets it, and
  ``ApologyWithdrawn`` of that apology reopens it;
- ``Plan.Registered`` / ``Amended`` raise a report obligation per reporting period of the
  plan's unit, due on the plan's own due date; ``Plan.ReportSubmitted`` meets it;
- ``Inspection.FindingRecorded`` raises a remediation obligation, due on the finding's
  remediation deadline (none: it stays open until closed); ``FindingClosed`` meets it.

``sweep(now)`` records ``Missed`` for every open obligation whose due moment is at or before
``now``, after catching the process up (so an apology already recorded is never missed).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import datetime_now_with_tzinfo
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.utils import get_topic

from domain.dossier import LateDossier
from domain.errors import InvalidValue
from domain.inspection import Inspection
from domain.obligation import Obligation, ObligationKind
from domain.plan import Plan, unit_code_of
from domain.values import Actor, EventMeta, Role, Source, local_date
from ledger.core import CLOCK_SKEW, LedgerCore
from persistence.records import IndexFilter
from rules.calendar import WorkingCalendar, civil_service_calendar
from rules.dossiers import apology_due, start_of_day_after

NAME = "parledger:obligations"  # the process's tracking name
PAGE = 500
KNOWN = 5000  # obligations kept as last saved, at most
RETRIES = 20  # pages refused because another process recorded first, before giving up
POLICY_ACTOR = Actor(id="system:obligations", name="Sổ cái (nghĩa vụ tự động)", role=Role.ADMIN)


def policy_meta(effective_at: datetime) -> EventMeta:
    return EventMeta(actor=POLICY_ACTOR, effective_at=effective_at, source=Source.POLICY)


@dataclass
class Page:
    """What one page of the log causes: the obligations it touched, by id."""

    touched: dict[UUID, Obligation] = field(default_factory=dict)


Policy = Callable[["ObligationsProcess", Any, int, Page], None]
POLICIES: dict[str, Policy] = {}


def reacts_to(aggregate: type[Any], name: str) -> Callable[[Policy], Policy]:
    """Register the policy for ``aggregate``'s event class ``name`` (made at run time by
    ``@event``, so looked up by name; a renamed event fails here, at import)."""
    topic = get_topic(vars(aggregate)[name])

    def register(function: Policy) -> Policy:
        POLICIES[topic] = function
        return function

    return register


class ObligationsProcess:
    """Follows ``app``'s log; ``run`` records what each new page causes, ``sweep`` the misses."""

    def __init__(
        self, app: LedgerCore, calendar: WorkingCalendar | None = None, *, page: int = PAGE
    ) -> None:
        self.app, self.page = app, page
        self.calendar = calendar or civil_service_calendar()
        self._units: dict[str, str] = {}
        self._codes: dict[UUID, str] = {}  # dossier id → code, from the Reported events seen
        # Obligations as this process last saved them, so meeting one raised pages ago does
        # not replay it. A page refused (another process changed one) forgets them all.
        self._known: dict[UUID, Obligation] = {}

    # -- following the log ------------------------------------------------------------------

    def position(self) -> int:
        return self.app.view.max_tracking_id(NAME) or 0

    def run(
        self, *, upto: int | None = None, on_page: Callable[[int, int], None] | None = None
    ) -> int:
        """Process every page after the tracking position (up to ``upto``, default the head);
        returns how many events it recorded. ``on_page(last, recorded)`` after each save."""
        recorded = 0
        for _ in range(RETRIES):
            try:
                for last, count in self._pages(upto):
                    recorded += count
                    if on_page:
                        on_page(last, count)
                return recorded
            except IntegrityError:
                self._known.clear()
                continue  # another process recorded this page first: resume after it
        raise IntegrityError("obligations process kept colliding with another process")

    def _pages(self, upto: int | None) -> Iterator[tuple[int, int]]:
        head = int(self.app.recorder.max_notification_id() or 0) if upto is None else upto
        position = self.position()
        while position < head:
            notifications = self.app.recorder.select_notifications(
                start=position + 1, limit=self.page, stop=head
            )
            if not notifications:
                return
            count = self.process(notifications)
            position = notifications[-1].id
            yield position, count

    def process(self, notifications: Sequence[Notification]) -> int:
        """One page: the policy on each notification it reacts to, then the new events and
        the tracking position of the page's last notification, in one transaction."""
        page = Page()
        for notification in notifications:
            react = POLICIES.get(notification.topic)
            if react is not None:
                react(self, self.app.mapper.to_domain_event(notification), notification.id, page)
        processing = ProcessingEvent[UUID](Tracking(NAME, notifications[-1].id))
        processing.collect_events(*page.touched.values())
        self.app._record(processing)
        if len(self._known) > KNOWN:
            self._known.clear()
        self._known.update(page.touched)
        return len(processing.events)

    # -- what the policy needs --------------------------------------------------------------

    def obligation(self, page: Page, kind: ObligationKind, cause: str) -> Obligation | None:
        oid = Obligation.create_id(kind.value, cause)
        found = page.touched.get(oid) or self._known.get(oid)
        if found is not None:
            # A copy: the page may be refused, and what is known must stay as saved.
            found = page.touched.setdefault(oid, copy.deepcopy(found))
        elif self.app.exists(oid):
            found = self.app.load(Obligation, oid, "nghĩa vụ")
        return found

    def raise_once(self, page: Page, kind: ObligationKind, cause: str, **facts: Any) -> None:
        if self.obligation(page, kind, cause) is None:
            made = Obligation.raise_for(kind=kind, cause=cause, **facts)
            page.touched[made.uuid] = made

    def meet(
        self, page: Page, kind: ObligationKind, cause: str, by: str, on: date, event: Any
    ) -> None:
        found = self.obligation(page, kind, cause)
        if found is not None and found.can_be_met():
            found.meet(by=by, on=on, meta=policy_meta(event.meta.effective_at))
            page.touched[found.uuid] = found

    def remember_dossier(self, dossier_id: UUID, code: str) -> None:
        self._codes[dossier_id] = code

    def dossier_code(self, dossier_id: UUID) -> str:
        """A dossier's code, from its first event (the whole dossier is not needed)."""
        if dossier_id not in self._codes:
            (first,) = self.app.recorder.select_events(dossier_id, limit=1)
            reported = self.app.mapper.to_domain_event(first)
            self._codes[dossier_id] = reported.dossier_code  # type: ignore[attr-defined]
        return self._codes[dossier_id]

    def unit_of(self, plan: str) -> str:
        if plan not in self._units:
            self._units[plan] = self.app.get_plan(plan).unit_code
        return self._units[plan]

    # -- the clock --------------------------------------------------------------------------

    def sweep(self, now: datetime | None = None) -> list[UUID]:
        """Record ``Missed`` for each open obligation due at or before ``now`` (default: the
        clock); returns their ids. Catches the process up first."""
        clock = datetime_now_with_tzinfo()
        now = now or clock
        if now.tzinfo is None:
            raise InvalidValue("now phải có múi giờ, ví dụ +07:00", field="now")
        if now > clock + CLOCK_SKEW:
            raise InvalidValue("thời điểm quét ở tương lai", field="now")
        self.run()
        missed = []
        for oid in self.open_ids():
            self._known.pop(oid, None)  # changed here, apart from the pages
            found = self.app.load(Obligation, oid, "nghĩa vụ")
            if not found.can_be_missed(now):
                continue
            assert found.due_at is not None
            found.miss(now=now, meta=policy_meta(found.due_at))
            try:
                self.app.save(found)
            except IntegrityError:
                continue  # met or missed by another process meanwhile
            missed.append(oid)
        return missed

    def open_ids(self) -> list[UUID]:
        """Obligations with no Met, Missed or Waived event, from the event index."""
        raised = self._ids("Raised")
        closed = set(self._ids("Met")) | set(self._ids("Missed")) | set(self._ids("Waived"))
        return [oid for oid in raised if oid not in closed]

    def _ids(self, event_type: str) -> list[UUID]:
        found: list[UUID] = []
        after = 0
        where = IndexFilter(entity=Obligation.__name__, event_type=event_type)
        while True:
            rows = self.app.ledger_recorder.select_filtered(where, gt=after, limit=1000)
            if not rows:
                return found
            found += [row.originator_id for _, row in rows]
            after = rows[-1][0]


def _ref(entity: str, event: Any, position: int) -> str:
    return f"{entity}#{type(event).__name__}@{position}"


@reacts_to(LateDossier, "Reported")
def _late_dossier(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    process.remember_dossier(e.originator_id, e.dossier_code)
    interlinked = bool(getattr(e, "interlinked", False))  # absent on older events
    due = apology_due(
        process.calendar, received_on=e.received_on, due_on=e.due_on, interlinked=interlinked
    )
    process.raise_once(
        page,
        ObligationKind.APOLOGY,
        f"dossier:{e.dossier_code}",
        plan=e.plan,
        unit=process.unit_of(e.plan),
        agency=e.agency,
        due_on=due.day,
        due_at=due.moment,
        rule=due.rule,
        calendar=due.calendar,
        raised_by=_ref(f"dossier:{e.dossier_code}", e, position),
        detail=f"Phiếu xin lỗi hồ sơ {e.dossier_code}: {due.when}",
        meta=policy_meta(e.meta.effective_at),
    )


@reacts_to(LateDossier, "ApologyIssued")
def _apology(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    ref = f"dossier:{process.dossier_code(e.originator_id)}"
    by = f"{ref}#ApologyIssued:{e.apology_id}@{position}"
    process.meet(page, ObligationKind.APOLOGY, ref, by, e.issued_on, e)


@reacts_to(LateDossier, "ApologyWithdrawn")
def _apology_withdrawn(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    """The apology was recorded in error: if it is the one that met the obligation, the
    obligation is owed again (a later apology meets it anew)."""
    ref = f"dossier:{process.dossier_code(e.originator_id)}"
    found = process.obligation(page, ObligationKind.APOLOGY, ref)
    if found is not None and (found.met_by or "").startswith(
        f"{ref}#ApologyIssued:{e.apology_id}@"
    ):
        found.reopen(by=_ref(ref, e, position), meta=policy_meta(e.meta.effective_at))
        page.touched[found.uuid] = found


def _periods(process: ObligationsProcess, e: Any, position: int, page: Page, plan: str) -> None:
    fields: dict[str, Any] = e.fields
    for period in fields.get("reporting") or []:
        due = period.get("due")
        if due is None:
            continue
        due_on = due if isinstance(due, date) else date.fromisoformat(str(due))
        process.raise_once(
            page,
            ObligationKind.REPORT,
            f"plan:{plan}:{period['code']}",
            plan=plan,
            unit=unit_code_of(fields) if "unit_code" in fields else process.unit_of(plan),
            agency=None,
            due_on=due_on,
            due_at=start_of_day_after(due_on),
            rule=f"plan:{plan}#reporting",
            calendar="",
            raised_by=_ref(f"plan:{plan}", e, position),
            detail=f"Báo cáo {period.get('name') or period['code']}: gửi trước hết ngày "
            f"{due_on:%d/%m/%Y}",
            meta=policy_meta(e.meta.effective_at),
        )


@reacts_to(Plan, "Registered")
def _plan_registered(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    _periods(process, e, position, page, e.plan)


@reacts_to(Plan, "Amended")
def _plan_amended(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    plan = process.app.load(Plan, e.originator_id, "kế hoạch")
    _periods(process, e, position, page, plan.code)


@reacts_to(Plan, "ReportSubmitted")
def _report_submitted(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    plan = process.app.load(Plan, e.originator_id, "kế hoạch")
    cause = f"plan:{plan.code}:{e.period}"
    on = local_date(e.meta.effective_at)
    process.meet(page, ObligationKind.REPORT, cause, _ref(f"plan:{plan.code}", e, position), on, e)


@reacts_to(Inspection, "FindingRecorded")
def _finding(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    inspection = process.app.load(Inspection, e.originator_id, "cuộc kiểm tra")
    ref = f"inspection:{inspection.uuid}"
    deadline: date | None = e.remediation_deadline
    process.raise_once(
        page,
        ObligationKind.REMEDIATION,
        f"{ref}:{e.finding_id}",
        plan=inspection.plan,
        unit=process.unit_of(inspection.plan),
        agency=inspection.agency,
        due_on=deadline,
        due_at=None if deadline is None else start_of_day_after(deadline),
        rule=f"{ref}#finding:{e.finding_id}",
        calendar="",
        raised_by=_ref(ref, e, position),
        detail=f"Khắc phục phát hiện {e.finding_id}"
        + ("" if deadline is None else f" trước hết ngày {deadline:%d/%m/%Y}"),
        meta=policy_meta(e.meta.effective_at),
    )


@reacts_to(Inspection, "FindingClosed")
def _finding_closed(process: ObligationsProcess, e: Any, position: int, page: Page) -> None:
    ref = f"inspection:{e.originator_id}"
    on = local_date(e.meta.effective_at)
    by = _ref(ref, e, position)
    process.meet(page, ObligationKind.REMEDIATION, f"{ref}:{e.finding_id}", by, on, e)
