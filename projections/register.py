"""The register of obligations (sổ theo dõi nghĩa vụ): open, met, missed and waived, per unit
and agency, as of a date — a pure function of the folded state, like ``projections.views``.

The status is decided when asked, from the registers the fold keeps:
- waived when a waiver is folded in (it outranks the rest: someone entitled excused it);
- met, or met late when the meeting day is after the due day (an apology given late is still
  given: the register shows it met late, and the miss if one was recorded);
- missed when the sweep recorded it (effective at the due moment);
- **overdue** when the due day is before the date asked and nothing above is folded in: the
  moment passed but no sweep had recorded the miss by the time asked (``known_at`` before the
  sweep, or no sweep run yet). It counts with the missed ones in the compliance figure, since
  the valid-time fact is the same; the register tells the two apart so that an answer as known
  at a moment never claims a record the ledger did not yet hold;
- open otherwise.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from domain.value_names import OBLIGATION_KIND_VN, OBLIGATION_STATUS_VN
from projections.fold.core import Doc
from projections.state import LedgerState
from projections.views import tally

STATUSES = ("open", "overdue", "met", "met_late", "missed", "waived")
# The stored statuses as the domain names them, and the one the register derives: an open
# obligation past its due date that nobody has recorded as missed yet.
_DERIVED_VN = {"overdue": "quá hạn (chưa ghi nhận bỏ lỡ)"}
STATUS_VN = {status: {**OBLIGATION_STATUS_VN, **_DERIVED_VN}[status] for status in STATUSES}
KIND_VN: dict[str, str] = dict(OBLIGATION_KIND_VN)


def status_of(doc: Doc, as_of: date) -> str:
    if doc.get("waived"):
        return "waived"
    met = doc.get("met")
    if met:
        return "met_late" if met["late"] else "met"
    if doc.get("missed"):
        return "missed"
    due = doc.get("due_on")
    return "overdue" if due is not None and due < as_of.isoformat() else "open"


def _row(key: str, doc: Doc, as_of: date) -> dict[str, Any]:
    return {
        "id": key,
        "kind": doc["kind"],
        "cause": doc["cause"],
        "plan": doc["plan"],
        "unit": doc["unit"],
        "agency": doc.get("agency"),
        "status": status_of(doc, as_of),
        "due_on": doc.get("due_on"),
        "due_at": doc.get("due_at"),
        "rule": doc["rule"],
        "calendar": doc.get("calendar") or None,
        "raised_by": doc["raised_by"],
        "raised_on": doc["raised_on"],
        "detail": doc["detail"],
        "met": doc.get("met"),
        "missed": doc.get("missed"),
        "waived": doc.get("waived"),
        "version": doc.get("version"),
    }


def obligation_register(
    state: LedgerState,
    plan: str | None,
    as_of: date,
    *,
    agency: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Every obligation of ``plan`` (None: every plan in ``state``) known to ``state``,
    filtered, with counts by status, per agency and per unit."""
    rows = sorted(
        (
            _row(key, doc, as_of)
            for key, doc in state.kind("obligations").items()
            if "kind" in doc and (plan is None or doc["plan"] == plan)
        ),
        key=lambda r: (r["due_on"] or "9999", r["kind"], r["cause"]),
    )
    rows = [
        r
        for r in rows
        if (agency is None or r["agency"] == agency)
        and (unit is None or r["unit"] == unit)
        and (status is None or r["status"] == status)
        and (kind is None or r["kind"] == kind)
    ]
    due = [r for r in rows if r["status"] != "open" and r["status"] != "waived"]
    on_time = sum(1 for r in due if r["status"] == "met")
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "obligations": rows,
        "by_status": dict(Counter(r["status"] for r in rows)),
        "by_agency": tally((r["agency"] or "", r["status"]) for r in rows),
        "by_unit": tally((r["unit"], r["status"]) for r in rows),
        # Of the obligations that have fallen due (met, met late, missed, overdue): how many
        # were met on time.
        "compliance": {"due": len(due), "met_on_time": on_time},
    }
