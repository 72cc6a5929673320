"""Obligations raised by the ledger itself (``ledger.obligations``): each fact a register of
its own (met, missed, waived), so the status is decided when asked, as of a date
(``projections.register``), and the fold stays independent of order."""

from __future__ import annotations

from typing import Any

from domain.obligation import Obligation
from projections.fold.core import FoldTable, LedgerState, Stamp, base, local_day, plain, put

on = FoldTable("obligations", Obligation)


@on("Raised")
def _raised(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "obligations", e, stamp)
    doc.update(
        kind=e.kind,
        cause=e.cause,
        plan=e.plan,
        unit=e.unit,
        agency=e.agency,
        due_on=plain(e.due_on),
        due_at=plain(e.due_at),
        rule=e.rule,
        calendar=e.calendar,
        raised_by=e.raised_by,
        detail=e.detail,
        raised_on=local_day(e),
    )


@on("Met")
def _met(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "obligations", e, stamp)
    put(doc, "met", {"by": e.by, "on": plain(e.on), "late": e.late}, stamp)


@on("Reopened")
def _reopened(state: LedgerState, e: Any, stamp: Stamp) -> None:
    """What met it was withdrawn: the met register cleared by the later stamp."""
    put(base(state, "obligations", e, stamp), "met", None, stamp)


@on("Missed")
def _missed(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "obligations", e, stamp)
    put(doc, "missed", {"on": local_day(e), "seen_at": plain(e.now)}, stamp)


@on("Waived")
def _waived(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "obligations", e, stamp)
    put(doc, "waived", {"on": local_day(e), "reason": e.meta.reason, "by": e.meta.actor.id}, stamp)
