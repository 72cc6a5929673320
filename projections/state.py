"""The ledger's state as a pure fold of its events: one function serves live views and replay.

Every fact the fold keeps is a register stamped with its event's (effective time, position),
and a register takes a new value only from a stamp at least as late as its own. Applying a set
of events therefore gives the same state in any order, which is what makes these equal by
construction (and the property tests check it):

- a live view (events in the order they were recorded) and a replay of the same events;
- a checkpoint plus the events after it, and a replay from nothing;
- "as of valid date D, as known at time K": the fold of the events recorded by K whose
  effective time is on or before D. A backdated event (recorded today, effective in June)
  joins June's answer for every K after today, and no answer for a K before it.

The state is plain JSON data (strings, numbers, lists, dicts), so it persists as it is in the
live view tables and in checkpoints, and two backends give byte-identical states.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.values import VN_TZ
from integrity.chain import utc_text

Doc = dict[str, Any]
Stamp = list[Any]  # [effective time as fixed-width UTC text, position]


def plain(value: Any) -> Any:
    """JSON-native form of event data: dates and times as ISO text, decimals as text."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def put_first(doc: Doc, key: str, value: Any, stamp: Stamp) -> None:
    """Set register ``key`` unless it holds a value from an earlier stamp."""
    stamps = doc.setdefault("_s", {})
    held = stamps.get(key)
    if held is None or stamp <= held:
        stamps[key] = stamp
        doc[key] = value


def put(doc: Doc, key: str, value: Any, stamp: Stamp) -> None:
    """Set register ``key`` unless it holds a value from a later stamp."""
    stamps = doc.setdefault("_s", {})
    held = stamps.get(key)
    if held is None or stamp >= held:
        stamps[key] = stamp
        doc[key] = value


@dataclass
class LedgerState:
    """Entity documents by kind and key; ``position`` is the last event folded in."""

    docs: dict[str, dict[str, Doc]] = field(default_factory=dict)
    position: int = 0
    count: int = 0

    def kind(self, name: str) -> dict[str, Doc]:
        return self.docs.setdefault(name, {})

    def doc(self, kind: str, key: str) -> Doc:
        return self.kind(kind).setdefault(key, {"_s": {}})

    def copy(self) -> LedgerState:
        return LedgerState(copy.deepcopy(self.docs), self.position, self.count)

    def to_json(self) -> dict[str, Any]:
        return {"docs": self.docs, "position": self.position, "count": self.count}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerState:
        return cls(data["docs"], int(data["position"]), int(data["count"]))


def event_name(event: Any) -> str:
    """ "Task.ProgressReported" for the library's nested event classes."""
    return ".".join(type(event).__qualname__.split(".")[-2:])


Handler = Callable[[LedgerState, Any, Stamp], None]
HANDLERS: dict[str, Handler] = {}
KIND_OF: dict[str, str] = {}  # event name -> the kind of document it changes


def handles(*names: str, kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
            KIND_OF[name] = kind
        return fn

    return register


def apply(state: LedgerState, event: Any, position: int) -> list[tuple[str, str]]:
    """Fold one event in; returns the documents it touched as (kind, key)."""
    name = event_name(event)
    state.position = max(state.position, position)
    state.count += 1
    handler = HANDLERS.get(name)
    if handler is None:
        return []  # users and other entities no view shows
    stamp: Stamp = [utc_text(event.meta.effective_at), position]
    handler(state, event, stamp)
    return [(KIND_OF[name], event.originator_id.hex)]


def fold(events: Iterable[tuple[int, Any]], state: LedgerState | None = None) -> LedgerState:
    state = state or LedgerState()
    for position, event in events:
        apply(state, event, position)
    return state


def _base(state: LedgerState, kind: str, event: Any, stamp: Stamp) -> Doc:
    doc = state.doc(kind, event.originator_id.hex)
    put(doc, "version", event.originator_version, [stamp[1]])  # newest recorded version
    return doc


# --- tasks ----------------------------------------------------------------------------------


@handles("Task.Registered", kind="tasks")
def _task_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "tasks", e, stamp)
    doc.update(plan=e.plan, number=e.number, parent=e.parent, area=e.area)
    doc["registered_at"] = stamp[0]
    for key in ("content", "lead_text", "coordinating_text", "timeframe_text", "product"):
        put(doc, key, getattr(e, key), stamp)
    put(doc, "lead", list(e.lead), stamp)
    put(doc, "coordinating", list(e.coordinating), stamp)
    put(doc, "window", [plain(e.start), plain(e.due)], stamp)
    put(doc, "lifecycle", {"state": "open", "on": None}, stamp)
    doc.setdefault("evidence", {})


@handles("Task.Reassigned", kind="tasks")
def _task_reassigned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "tasks", e, stamp)
    put(doc, "lead", list(e.lead), stamp)
    put(doc, "coordinating", list(e.coordinating), stamp)


@handles("Task.DeadlineChanged", kind="tasks")
def _task_deadline(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(_base(state, "tasks", e, stamp), "window", [plain(e.start), plain(e.due)], stamp)


@handles("Task.Amended", kind="tasks")
def _task_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "tasks", e, stamp)
    for key, value in e.changes.items():
        put(doc, key, plain(value), stamp)


@handles("Task.ProgressReported", kind="tasks")
def _task_progress(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "tasks", e, stamp)
    if e.percent is not None:
        put(doc, "percent", e.percent, stamp)
    put(doc, "last_report", {"on": _local_day(e), "note": e.note}, stamp)
    put_first(doc, "started_on", _local_day(e), stamp)  # the status is derived by the views


@handles("Task.EvidenceAdded", kind="tasks")
def _task_evidence(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "tasks", e, stamp)
    doc.setdefault("evidence", {})[e.evidence_id] = {
        "document_number": e.document_number,
        "document_date": plain(e.document_date),
        "title": e.title,
        "file_sha256": e.file_sha256,
        "at": stamp,
    }


@handles("Task.Completed", kind="tasks")
def _task_completed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "completed", "on": _local_day(e)}
    put(_base(state, "tasks", e, stamp), "lifecycle", status, stamp)


@handles("Task.Reopened", kind="tasks")
def _task_reopened(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "reopened", "on": _local_day(e)}
    put(_base(state, "tasks", e, stamp), "lifecycle", status, stamp)


@handles("Task.Cancelled", kind="tasks")
def _task_cancelled(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "cancelled", "on": _local_day(e)}
    put(_base(state, "tasks", e, stamp), "lifecycle", status, stamp)


# --- targets and measurements -------------------------------------------------------------


@handles("Target.Registered", kind="targets")
def _target_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "targets", e, stamp)
    doc.update(plan=e.plan, number=e.number)
    put(doc, "wording", e.wording, stamp)
    put(doc, "indicators", plain(e.indicators), stamp)
    doc.setdefault("measurements", {})


@handles("Target.Amended", kind="targets")
def _target_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "targets", e, stamp)
    put(doc, "wording", e.wording, stamp)
    put(doc, "indicators", plain(e.indicators), stamp)


def _measurement(doc: Doc, measurement_id: str) -> Doc:
    measurement: Doc = doc.setdefault("measurements", {}).setdefault(measurement_id, {"_s": {}})
    return measurement


@handles("Target.MeasurementRecorded", kind="targets")
def _measured(state: LedgerState, e: Any, stamp: Stamp) -> None:
    m = _measurement(_base(state, "targets", e, stamp), e.measurement_id)
    m.update(plain(e.figure), replaces=None, recorded=stamp)
    put(m, "status", "valid", stamp)


@handles("Target.MeasurementCorrected", kind="targets")
def _corrected(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "targets", e, stamp)
    m = _measurement(doc, e.measurement_id)
    m.update(plain(e.figure), replaces=e.replaces, recorded=stamp)
    put(m, "status", "valid", stamp)
    put(_measurement(doc, e.replaces), "status", "superseded", stamp)


@handles("Target.MeasurementRetracted", kind="targets")
def _retracted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    m = _measurement(_base(state, "targets", e, stamp), e.measurement_id)
    put(m, "status", "retracted", stamp)


# --- plans, areas and scores ----------------------------------------------------------------


@handles("Plan.Registered", kind="plans")
def _plan_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "plans", e, stamp)
    doc["plan"] = e.plan
    for key, value in e.fields.items():
        put(doc, key, plain(value), stamp)
    doc.setdefault("scores", {})


@handles("Plan.Amended", kind="plans")
def _plan_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "plans", e, stamp)
    for key, value in e.fields.items():
        put(doc, key, plain(value), stamp)


@handles("Plan.AreaScored", kind="plans")
def _area_scored(state: LedgerState, e: Any, stamp: Stamp) -> None:
    scores = _base(state, "plans", e, stamp).setdefault("scores", {"_s": {}})
    scores.setdefault("_s", {})
    put(scores, f"{e.area}:{e.kind}", plain(e.score), stamp)


@handles("Plan.ReportSubmitted", kind="plans")
def _report_submitted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    reports = _base(state, "plans", e, stamp).setdefault("reports", {})
    reports[str(stamp[1])] = {
        "period": e.period,
        "sha256": e.content_sha256,
        "position": e.position,
        "recorded_at": utc_text(e.timestamp),
        "actor": e.meta.actor.name,
    }


# --- agency directory -------------------------------------------------------------------------


@handles("Agency.Registered", kind="agencies")
def _agency_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "agencies", e, stamp)
    doc.update(code=e.agency_code, kind=e.kind, aliases=list(e.aliases))
    put(doc, "name", e.name, stamp)
    put(doc, "status", {"state": "active", "on": stamp[0][:10], "successor": None}, stamp)


@handles("Agency.Renamed", kind="agencies")
def _agency_renamed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(_base(state, "agencies", e, stamp), "name", e.name, stamp)


@handles("Agency.Merged", kind="agencies")
def _agency_merged(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "merged", "on": stamp[0][:10], "successor": e.successor}
    put(_base(state, "agencies", e, stamp), "status", status, stamp)


@handles("Agency.Dissolved", kind="agencies")
def _agency_dissolved(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "dissolved", "on": stamp[0][:10], "successor": None}
    put(_base(state, "agencies", e, stamp), "status", status, stamp)


@handles("AgencyGroup.Registered", kind="groups")
def _group_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "groups", e, stamp)
    doc.update(code=e.group_code, name=e.name, kinds=list(e.kinds), aliases=list(e.aliases))


# --- inspections ------------------------------------------------------------------------------


@handles("Inspection.Planned", kind="inspections")
def _inspection_planned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "inspections", e, stamp)
    doc.update(plan=e.plan, agency=e.agency, kind=e.kind, scope=e.scope)
    doc["scheduled_on"] = plain(e.scheduled_on)
    doc.setdefault("findings", {})


@handles("Inspection.Conducted", kind="inspections")
def _inspection_conducted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "inspections", e, stamp)
    put(doc, "conducted", {"on": _local_day(e), "note": e.note}, stamp)


def _finding(doc: Doc, finding_id: str) -> Doc:
    finding: Doc = doc.setdefault("findings", {}).setdefault(
        finding_id, {"_s": {}, "remediation": {}}
    )
    return finding


@handles("Inspection.FindingRecorded", kind="inspections")
def _finding_recorded(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(_base(state, "inspections", e, stamp), e.finding_id)
    f.update(
        finding=e.finding,
        recommendation=e.recommendation,
        deadline=plain(e.remediation_deadline),
        recorded_on=_local_day(e),
    )
    put(f, "status", {"state": "open", "on": _local_day(e)}, stamp)


@handles("Inspection.RemediationEvidenceAdded", kind="inspections")
def _remediation(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(_base(state, "inspections", e, stamp), e.finding_id)
    f["remediation"][str(stamp[1])] = {
        "description": e.description,
        "document_number": e.document_number,
        "document_date": plain(e.document_date),
        "on": _local_day(e),
    }


@handles("Inspection.FindingClosed", kind="inspections")
def _finding_closed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(_base(state, "inspections", e, stamp), e.finding_id)
    put(f, "status", {"state": "closed", "on": _local_day(e)}, stamp)


@handles("Inspection.Concluded", kind="inspections")
def _inspection_concluded(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "inspections", e, stamp)
    conclusion = {
        "notice_number": e.notice_number,
        "notice_date": plain(e.notice_date),
        "summary": e.summary,
        "on": _local_day(e),
    }
    put(doc, "conclusion", conclusion, stamp)


# --- late dossiers and apologies -----------------------------------------------------------


@handles("LateDossier.Reported", kind="dossiers")
def _dossier_reported(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "dossiers", e, stamp)
    doc.update(
        plan=e.plan,
        code=e.dossier_code,
        procedure=e.procedure,
        agency=e.agency,
        received_on=plain(e.received_on),
        due_on=plain(e.due_on),
    )
    doc.setdefault("apologies", {})


@handles("LateDossier.ApologyIssued", kind="dossiers")
def _apology_issued(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "dossiers", e, stamp)
    apology = doc.setdefault("apologies", {}).setdefault(e.apology_id, {"_s": {}})
    apology.update(
        issued_on=plain(e.issued_on),
        reason=e.reason_text,
        new_appointment=plain(e.new_appointment),
        signer=e.signer,
    )
    citizen = getattr(e, "citizen", None)  # sealed by the vault; absent on older events
    if citizen is not None and apology.get("citizen", {}).get("erased") is not True:
        apology["citizen"] = dict(citizen)
    put(apology, "withdrawn", False, stamp)


@handles("LateDossier.CitizenDataErased", kind="dossiers")
def _citizen_data_erased(state: LedgerState, e: Any, stamp: Stamp) -> None:
    """Erasure outranks every stamp: once the key is gone, no view keeps even the ciphertext."""
    doc = _base(state, "dossiers", e, stamp)
    for apology in doc.setdefault("apologies", {}).values():
        citizen = apology.get("citizen")
        if isinstance(citizen, dict) and citizen.get("subject") in e.subjects:
            apology["citizen"] = {"subject": citizen["subject"], "erased": True}


@handles("LateDossier.ApologyWithdrawn", kind="dossiers")
def _apology_withdrawn(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = _base(state, "dossiers", e, stamp)
    apology = doc.setdefault("apologies", {}).setdefault(e.apology_id, {"_s": {}})
    put(apology, "withdrawn", True, stamp)


@handles("LateDossier.ResultReturned", kind="dossiers")
def _result_returned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(_base(state, "dossiers", e, stamp), "returned_on", _local_day(e), stamp)


def _local_day(e: Any) -> str:
    return str(e.meta.effective_at.astimezone(VN_TZ).date().isoformat())
