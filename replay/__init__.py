"""Any projection of a plan as of a valid date, as known at any time (see ``replay.engine``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from domain.errors import InvalidValue, NotFound
from ledger.application import ParLedger
from projections import views
from projections.state import LedgerState
from replay.engine import replay_state

VIEWS: dict[str, Callable[[LedgerState, str, date], dict[str, Any]]] = {
    "task_board": views.task_board,
    "target_attainment": views.target_attainment,
    "area_scores": views.area_scores,
    "inspection_history": views.inspection_history,
    "apology_register": views.apology_register,
}


def replay(
    app: ParLedger,
    plan: str,
    as_of: date,
    known_at: datetime | None = None,
    names: Sequence[str] | None = None,
    *,
    use_checkpoints: bool = True,
    position: int | None = None,
) -> dict[str, Any]:
    """The named views (default: all) of ``plan`` as of ``as_of``, as known at ``known_at``."""

    unknown = sorted(set(names or ()) - set(VIEWS))
    if unknown:
        raise InvalidValue(
            f"không có khung nhìn {', '.join(unknown)}; có: {', '.join(VIEWS)}", field="view"
        )
    state, info = replay_state(
        app, plan, as_of, known_at, use_checkpoints=use_checkpoints, position=position
    )
    if views.plan_doc(state, plan) is None:
        when = f" theo hiểu biết lúc {known_at.isoformat()}" if known_at else ""
        raise NotFound(f"kế hoạch {plan} chưa có trong sổ cái{when}", field="plan")
    return {
        "replay": info.as_dict(),
        **{name: VIEWS[name](state, plan, as_of) for name in (names or VIEWS)},
    }
