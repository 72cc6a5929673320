"""Targets (chỉ tiêu), their indicators and the measurements reported, corrected, retracted."""

from __future__ import annotations

from typing import Any

from domain.target import FIGURE_FACTS, Target
from projections.fold.core import (
    Doc,
    FoldTable,
    LedgerState,
    Stamp,
    base,
    fold_withdrawals,
    plain,
    put,
)

on = FoldTable("targets", Target)


def _facts(e: Any) -> Doc:
    """A measurement's figure as the views keep it (class version 2 fields)."""
    return {name: plain(getattr(e, name)) for name in FIGURE_FACTS}


@on("Registered")
def _target_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "targets", e, stamp)
    doc.update(plan=e.plan, number=e.number)
    put(doc, "wording", e.wording, stamp)
    put(doc, "indicators", plain(e.indicators), stamp)
    doc.setdefault("measurements", {})


@on("Amended")
def _target_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "targets", e, stamp)
    put(doc, "wording", e.wording, stamp)
    put(doc, "indicators", plain(e.indicators), stamp)


def _measurement(doc: Doc, measurement_id: str) -> Doc:
    measurement: Doc = doc.setdefault("measurements", {}).setdefault(measurement_id, {"_s": {}})
    return measurement


@on("MeasurementRecorded")
def _measured(state: LedgerState, e: Any, stamp: Stamp) -> None:
    m = _measurement(base(state, "targets", e, stamp), e.measurement_id)
    m.update(_facts(e), replaces=None, recorded=stamp)
    put(m, "status", "valid", stamp)


@on("MeasurementCorrected")
def _corrected(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "targets", e, stamp)
    m = _measurement(doc, e.measurement_id)
    m.update(_facts(e), replaces=e.replaces, recorded=stamp)
    put(m, "status", "valid", stamp)
    put(_measurement(doc, e.replaces), "status", "superseded", stamp)


@on("MeasurementRetracted")
def _retracted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    m = _measurement(base(state, "targets", e, stamp), e.measurement_id)
    put(m, "status", "retracted", stamp)


fold_withdrawals(on)
