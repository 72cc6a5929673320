"""The register of obligations as of a valid date, as known at a moment: the same replay as
every other view (``replay.engine``), over one plan or every plan of the ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import ids
from domain.errors import NotFound
from domain.plan import Plan
from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from projections.register import obligation_register
from projections.state import LedgerState
from projections.views import plan_doc
from replay.engine import position_known_at, replay_state
from replay.rollup import plan_list


def plan_codes(app: ParLedger) -> list[str]:
    """Every plan of the ledger, in order of registration."""
    return [str(doc["plan"]) for doc in plan_list(app)]


def _require_known(app: ParLedger, unit: str | None, agency: str | None) -> None:
    """A unit or agency the ledger never heard of is a typing mistake to name, not an empty
    register that reads as "nothing is owed"."""
    if agency and not (app.exists(ids.agency_id(agency)) or app.exists(ids.group_id(agency))):
        raise NotFound(f"không có cơ quan mã “{agency}” trong sổ cái", field="agency")
    if unit and not app.exists(ids.unit_id(unit)):
        uids = app.ledger_recorder.select_originators(Plan.__name__)
        # plans stored before units were established name their unit only in their own fields
        if unit not in {app.load(Plan, uid, "kế hoạch").unit_code for uid in uids}:
            raise NotFound(f"không có đơn vị hành chính mã “{unit}” trong sổ cái", field="unit")


def register(
    app: ParLedger,
    as_of: date,
    known_at: datetime | None = None,
    *,
    plan: str | None = None,
    catch_up: bool = True,
    **filters: Any,
) -> dict[str, Any]:
    """The register of ``plan`` (None: every plan) as of ``as_of``, as known at ``known_at``
    (None: now). Asked of the present with ``catch_up``, the obligations process first records
    what the log holds for it (embedded mode; a worker does it otherwise)."""
    if known_at is None and catch_up:
        ObligationsProcess(app).run()
    _require_known(app, filters.get("unit"), filters.get("agency"))
    upto = position_known_at(app, known_at)
    merged = LedgerState(position=upto)
    for code in [plan] if plan else plan_codes(app):
        state, _ = replay_state(app, code, as_of, known_at, position=upto)
        if plan_doc(state, code) is None:
            if plan:
                raise NotFound(f"kế hoạch {plan} chưa có trong sổ cái", field="plan")
            continue  # not yet registered as known then
        merged.kind("obligations").update(state.kind("obligations"))
    answer = obligation_register(merged, plan, as_of, **filters)
    answer["known_at"] = known_at.isoformat() if known_at else None
    answer["position"] = upto
    return answer
