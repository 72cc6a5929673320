"""Periodic reports: content as of the period's data cut-off, submission, and what changed since.

A report's content is a replay of the plan as of the last day of the period's data window
(Decree 09/2019/NĐ-CP art. 12: the 14th of the period's last month), as known at one ledger
position. Submitting records the SHA-256 of that content and the position, so the report can be
rebuilt byte for byte later, and ``diff`` lists what the ledger learned about the period after
it was sent: late entries, corrections and retractions, each with who and why.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from domain.dossier import LateDossier
from domain.errors import NotFound
from domain.obligation import Obligation
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from ledger.application import ParLedger
from persistence.records import Window
from projections.fold.core import event_class
from projections.state import event_name
from projections.views import plan_doc
from replay import replay
from replay.engine import end_of_day, position_known_at, replay_state

CORRECTIONS = frozenset(
    event_class(aggregate, name)
    for aggregate, name in (
        (Target, "MeasurementCorrected"),
        (Task, "Amended"),
        (Task, "DeadlineChanged"),
        (Task, "Reopened"),
        (Task, "Reassigned"),
        (Task, "Moved"),
        (Plan, "Amended"),
        (Target, "Amended"),
    )
)
RETRACTIONS = frozenset(
    event_class(aggregate, name)
    for aggregate, name in (
        (Target, "MeasurementRetracted"),
        (LateDossier, "ApologyWithdrawn"),
        (Task, "Cancelled"),
    )
)
SUBMISSION = event_class(Plan, "ReportSubmitted")


def _period(app: ParLedger, plan: str, code: str, position: int | None = None) -> dict[str, Any]:
    """The period as the plan recorded it at ``position`` (default: now): a plan amended
    since (its periods recomputed under a newer rule) never changes a report made before."""
    state, _ = replay_state(app, plan, date(2100, 1, 1), use_checkpoints=False, position=position)
    doc = plan_doc(state, plan)
    if doc is None:
        raise NotFound(f"không có kế hoạch {plan}", field="plan")
    for period in doc.get("reporting", []):
        if period["code"] == code:
            return dict(period)
    codes = [p["code"] for p in doc.get("reporting", [])]
    raise NotFound(
        f"kế hoạch {plan} không có kỳ báo cáo {code!r}; có: {', '.join(codes)}", field="period"
    )


def reporting_period(
    app: ParLedger, plan: str, code: str, position: int | None = None
) -> dict[str, Any]:
    """The plan's reporting period ``code`` (dates as ISO text) as recorded at ``position``;
    ``NotFound`` naming ``period``."""
    return _period(app, plan, code, position)


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def report_content(
    app: ParLedger, plan: str, code: str, position: int | None = None
) -> dict[str, Any]:
    upto = position if position is not None else position_known_at(app, None)
    period = _period(app, plan, code, upto)
    cutoff = date.fromisoformat(period["cutoff_to"])
    views = replay(app, plan, cutoff, position=upto)
    info = views.pop("replay")
    views["apology_register"] = views["apology_register"] | {
        "dossiers": [
            d
            for d in views["apology_register"]["dossiers"]
            if period["cutoff_from"] <= d["due_on"] <= period["cutoff_to"]
        ]
    }
    content = {"plan": plan, "period": period, "position": info["position"], **views}
    return {"content": content, "sha256": hashlib.sha256(canonical(content)).hexdigest()}


def _submission(app: ParLedger, plan: str, code: str) -> dict[str, Any]:
    state, _ = replay_state(app, plan, date(2100, 1, 1), use_checkpoints=False)
    reports = (plan_doc(state, plan) or {}).get("reports", {})
    mine = [r for _, r in sorted(reports.items(), key=lambda kv: int(kv[0])) if r["period"] == code]
    if not mine:
        raise NotFound(f"kỳ {code} của kế hoạch {plan} chưa nộp báo cáo", field="period")
    return dict(mine[-1])


def diff(app: ParLedger, plan: str, code: str) -> dict[str, Any]:
    """What the ledger now knows about the period that the submitted report did not."""
    period = _period(app, plan, code)
    submitted = _submission(app, plan, code)
    then = report_content(app, plan, code, position=submitted["position"])
    head = position_known_at(app, None)
    window = Window(
        after=submitted["position"],
        upto=head,
        effective_le=end_of_day(date.fromisoformat(period["cutoff_to"])),
    )
    entries = []
    for n in app.ledger_recorder.select_scoped(plan, window):
        event: Any = app.mapper.to_domain_event(n)
        if type(event) is SUBMISSION or isinstance(event, Obligation.Event):
            # Obligations are what the ledger derives from the facts, not facts of the period.
            continue
        kind = (
            "correction"
            if type(event) in CORRECTIONS
            else "retraction"
            if type(event) in RETRACTIONS
            else "late_entry"
        )
        data = {k: v for k, v in vars(event).items() if k not in ("meta", "originator_id",
                "originator_version", "timestamp")}  # fmt: skip
        entries.append(
            {
                "position": n.id,
                "kind": kind,
                "event": event_name(event),
                "entity": str(event.originator_id),
                "recorded_at": event.timestamp.isoformat(),
                "effective_at": event.meta.effective_at.isoformat(),
                "actor": event.meta.actor.name,
                "actor_role": event.meta.actor.role.value,
                "actor_agency": event.meta.actor.agency,
                "reason": event.meta.reason,
                "data": data,
            }
        )
    now = report_content(app, plan, code)
    changed = {}
    for view in ("task_board", "target_attainment", "area_scores", "inspection_history",
                 "apology_register"):  # fmt: skip
        if then["content"][view] != now["content"][view]:
            changed[view] = {"then": then["content"][view], "now": now["content"][view]}
    return {
        "plan": plan,
        "period": period,
        "submitted": submitted,
        "reproduced": then["sha256"] == submitted["sha256"],
        "sha256_now": now["sha256"],
        "entries": entries,
        "changed_views": sorted(changed),
        "changes": changed,
    }
