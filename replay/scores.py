"""A plan's PAR Index scores computed under its rules, as of a valid date and as known at a
moment (``projections.scoring``): the rule version is the one adopted by the day of the
knowledge moment, so an answer once given keeps its rules when a correction is added later."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.errors import NotFound
from domain.values import VN_TZ, Actor
from ledger import scope
from ledger.application import ParLedger
from projections import views
from projections.scoring import computed_scores
from replay.engine import replay_state


def plan_scores(
    app: ParLedger,
    plan: str,
    as_of: date,
    known_at: datetime | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Computed area and total scores of ``plan`` with the reason for every criterion's
    points, beside the typed area scores. ``actor``: refused unless they may read the plan."""
    if actor is not None:
        scope.require_plan_reader(app, actor, plan)
    loaded = app.get_plan(plan)
    known_on = None if known_at is None else known_at.astimezone(VN_TZ).date()
    rules = scope.scoring_rules(app, loaded, known_on=known_on)
    state, info = replay_state(app, plan, as_of, known_at)
    if views.plan_doc(state, plan) is None:
        raise NotFound(f"kế hoạch {plan} chưa có trong sổ cái vào thời điểm đó", field="plan")
    return {"replay": info.as_dict(), **computed_scores(state, plan, as_of, rules)}
