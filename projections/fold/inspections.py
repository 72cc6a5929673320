"""Inspections (kiểm tra): planned, conducted, findings and their remediation, concluded."""

from __future__ import annotations

from typing import Any

from domain.inspection import Inspection
from projections.fold.core import Doc, FoldTable, LedgerState, Stamp, base, local_day, plain, put

on = FoldTable("inspections", Inspection)


@on("Planned")
def _inspection_planned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "inspections", e, stamp)
    doc.update(plan=e.plan, agency=e.agency, kind=e.kind, scope=e.scope)
    doc["scheduled_on"] = plain(e.scheduled_on)
    doc.setdefault("findings", {})


@on("Conducted")
def _inspection_conducted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "inspections", e, stamp)
    put(doc, "conducted", {"on": local_day(e), "note": e.note}, stamp)


def _finding(doc: Doc, finding_id: str) -> Doc:
    finding: Doc = doc.setdefault("findings", {}).setdefault(
        finding_id, {"_s": {}, "remediation": {}}
    )
    return finding


@on("FindingRecorded")
def _finding_recorded(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(base(state, "inspections", e, stamp), e.finding_id)
    f.update(
        finding=e.finding,
        recommendation=e.recommendation,
        deadline=plain(e.remediation_deadline),
        recorded_on=local_day(e),
    )
    put(f, "status", {"state": "open", "on": local_day(e)}, stamp)


@on("RemediationEvidenceAdded")
def _remediation(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(base(state, "inspections", e, stamp), e.finding_id)
    f["remediation"][str(stamp[1])] = {
        "description": e.description,
        "document_number": e.document_number,
        "document_date": plain(e.document_date),
        "on": local_day(e),
    }


@on("FindingClosed")
def _finding_closed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    f = _finding(base(state, "inspections", e, stamp), e.finding_id)
    put(f, "status", {"state": "closed", "on": local_day(e)}, stamp)


@on("Concluded")
def _inspection_concluded(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "inspections", e, stamp)
    conclusion = {
        "notice_number": e.notice_number,
        "notice_date": plain(e.notice_date),
        "summary": e.summary,
        "on": local_day(e),
    }
    put(doc, "conclusion", conclusion, stamp)
