"""The plan document: its fields, area scores (điểm lĩnh vực) and the reports sent."""

from __future__ import annotations

from typing import Any

from domain.plan import Plan
from integrity.chain import utc_text
from projections.fold.core import (
    FoldTable,
    LedgerState,
    Stamp,
    base,
    local_day,
    plain,
    put,
    withdrawal,
)

on = FoldTable("plans", Plan)


@on("Registered")
def _plan_registered(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "plans", e, stamp)
    doc["plan"] = e.plan
    for key, value in e.fields.items():
        put(doc, key, plain(value), stamp)
    doc.setdefault("scores", {})


@on("Amended")
def _plan_amended(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "plans", e, stamp)
    for key, value in e.fields.items():
        put(doc, key, plain(value), stamp)


@on("AreaScored")
def _area_scored(state: LedgerState, e: Any, stamp: Stamp) -> None:
    scores = base(state, "plans", e, stamp).setdefault("scores", {"_s": {}})
    scores.setdefault("_s", {})
    put(scores, f"{e.area}:{e.kind}", plain(e.score), stamp)


def _withdrawn_areas(state: LedgerState, e: Any, stamp: Stamp) -> dict[str, Any]:
    found: dict[str, Any] = base(state, "plans", e, stamp).setdefault("withdrawn_areas", {})
    found.setdefault("_s", {})
    return found


# One register per area: whether the area's listing in ``areas`` still counts.
@on("AreaWithdrawn")
def _area_withdrawn(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(_withdrawn_areas(state, e, stamp), e.area, withdrawal(e), stamp)


@on("AreaReinstated")
def _area_reinstated(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(_withdrawn_areas(state, e, stamp), e.area, None, stamp)


@on("ReportSubmitted")
def _report_submitted(state: LedgerState, e: Any, stamp: Stamp) -> None:
    reports = base(state, "plans", e, stamp).setdefault("reports", {})
    reports[str(stamp[1])] = {
        "period": e.period,
        "sha256": e.content_sha256,
        "position": e.position,
        "recorded_at": utc_text(e.timestamp),
        "actor": e.meta.actor.name,
    }


@on("CriterionScored")
def _criterion_scored(state: LedgerState, e: Any, stamp: Stamp) -> None:
    criteria = base(state, "plans", e, stamp).setdefault("criteria", {"_s": {}})
    actor = e.meta.actor
    score = {
        "score": plain(e.score),
        "max_points": plain(e.max_points),
        "rules": e.rules,
        "evidence": e.evidence,
        "reason": e.meta.reason,
        "by": {
            "id": actor.id,
            "name": actor.name,
            "role": actor.role.value,
            "agency": actor.agency,
        },
        "on": local_day(e),
        "recorded_at": utc_text(e.timestamp),
        "position": stamp[1],
    }
    put(criteria, f"{e.criterion}:{e.kind}", score, stamp)
