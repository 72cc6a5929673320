"""The task board's documents: a task (nhiệm vụ) from registration to completion."""

from __future__ import annotations

from typing import Any

from domain.task import Task
from projections.fold.core import (
    FoldTable,
    LedgerState,
    Stamp,
    base,
    fold_withdrawals,
    local_day,
    plain,
    put,
    put_first,
)

on = FoldTable("tasks", Task)


@on("Registered")
def _task_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    doc.update(plan=e.plan, number=e.number)
    # Registers: a later ``Moved`` wins whatever the order the fold meets the two in.
    put(doc, "parent", e.parent, stamp)
    put(doc, "area", e.area, stamp)
    doc["registered_at"] = stamp[0]
    for key in ("content", "lead_text", "coordinating_text", "timeframe_text", "product"):
        put(doc, key, getattr(e, key), stamp)
    put(doc, "lead", list(e.lead), stamp)
    put(doc, "coordinating", list(e.coordinating), stamp)
    put(doc, "window", [plain(e.start), plain(e.due)], stamp)
    put(doc, "lifecycle", {"state": "open", "on": None}, stamp)
    doc.setdefault("evidence", {})


@on("Reassigned")
def _task_reassigned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    put(doc, "lead", list(e.lead), stamp)
    put(doc, "coordinating", list(e.coordinating), stamp)


@on("DeadlineChanged")
def _task_deadline(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(base(state, "tasks", e, stamp), "window", [plain(e.start), plain(e.due)], stamp)


@on("Moved")
def _task_moved(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    put(doc, "area", e.area, stamp)
    put(doc, "parent", e.parent, stamp)


@on("Amended")
def _task_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    for key, value in e.changes.items():
        put(doc, key, plain(value), stamp)


@on("ProgressReported")
def _task_progress(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    if e.percent is not None:
        put(doc, "percent", e.percent, stamp)
    day = local_day(e)
    put(doc, "last_report", {"on": day, "note": e.note}, stamp)
    put_first(doc, "started_on", day, stamp)  # the status is derived by the views


@on("EvidenceAdded")
def _task_evidence(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    doc.setdefault("evidence", {})[e.evidence_id] = {
        "document_number": e.document_number,
        "document_date": plain(e.document_date),
        "title": e.title,
        "file_sha256": e.file_sha256,
        "at": stamp,
    }


@on("ContributionRecorded")
def _task_contribution(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "tasks", e, stamp)
    # Keyed by position: contributions accumulate, each once, whatever the fold order.
    doc.setdefault("contributions", {})[str(stamp[1])] = {
        "agency": e.agency,
        "note": e.note,
        "document_number": e.document_number,
        "document_date": plain(e.document_date),
        "on": local_day(e),
        "at": stamp,
    }


@on("Completed")
def _task_completed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "completed", "on": local_day(e)}
    put(base(state, "tasks", e, stamp), "lifecycle", status, stamp)


@on("Reopened")
def _task_reopened(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "reopened", "on": local_day(e)}
    put(base(state, "tasks", e, stamp), "lifecycle", status, stamp)


@on("Cancelled")
def _task_cancelled(state: LedgerState, e: Any, stamp: Stamp) -> None:
    status = {"state": "cancelled", "on": local_day(e)}
    put(base(state, "tasks", e, stamp), "lifecycle", status, stamp)


fold_withdrawals(on)
