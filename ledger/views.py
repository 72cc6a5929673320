"""Read-outs straight from the aggregates, for the CLI and the service's plan page.

The projections issue replaces the per-request loads with persisted views; these functions
keep the same shapes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.target import Target
from domain.task import Task
from ledger.application import ParLedger


def _task_number_key(number: str) -> tuple[int, str]:
    head, _, tail = number.partition(".")
    return (int(head) if head.isdigit() else 10**6, tail)


def plan_tasks(app: ParLedger, plan: str) -> list[Task]:
    tasks = app.plan_members(plan, Task)
    return sorted(tasks, key=lambda t: _task_number_key(t.number))


def plan_targets(app: ParLedger, plan: str) -> list[Target]:
    targets = app.plan_members(plan, Target)
    return sorted(targets, key=lambda t: t.number)


def plan_overview(app: ParLedger, plan: str) -> dict[str, Any]:
    found = app.get_plan(plan)
    fields = found.fields
    areas = found.live_areas
    return {
        "id": plan,
        "version": found.version,
        "title": fields["title"],
        "unit": fields["unit"],
        "year": fields["year"],
        "document": fields["document"],
        "signer": fields["signer"],
        "areas": areas,
        "total_target": sum((Decimal(a["target_score"]) for a in areas), Decimal(0)),
        "total_max": sum((Decimal(a["max_score"]) for a in areas), Decimal(0)),
        "scores": found.scores,
        "reporting": fields["reporting"],
        "warnings": fields["warnings"],
        "targets": [
            {
                "number": t.number,
                "text": t.wording,
                "indicators": list(t.indicators.values()),
                "measurements": t.measurements,
                "version": t.version,
            }
            for t in plan_targets(app, plan)
        ],
        "tasks": [
            {
                "number": t.number,
                "parent": t.parent,
                "area": t.area,
                "content": t.content,
                "lead": list(t.lead),
                "coordinating": list(t.coordinating),
                "timeframe": t.timeframe_text,
                "start": t.start,
                "due": t.due,
                "product": t.product,
                "status": t.status.value,
                "completed_at": t.completed_at,
                "version": t.version,
            }
            for t in plan_tasks(app, plan)
        ],
    }
