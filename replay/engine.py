"""Point-in-time replay: a plan's state as of valid date D, as the ledger knew it at time K.

The events that count are those of the plan (and of the agency directory) recorded at or before
K (a position in the notification log) whose effective time falls on or before the end of day D
(Vietnam time). They are folded with the same code as the live views.

Cost does not grow with the ledger: the event index answers "which events" by (plan, position)
and (plan, effective time), so a plan's replay reads only its own events; and a checkpoint (the
folded state for valid date C at position P) lets a query for (D >= C, K >= P) read only the
events after P plus the events before P effective in (C, D].
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from eventsourcing.persistence import Notification

from domain.errors import NotFound
from domain.unit import unit_scope
from domain.values import VN_TZ
from ledger.application import ParLedger
from persistence.records import Window
from persistence.viewstore import LedgerView
from projections import live
from projections.catchup import Progress
from projections.rebuild import rebuild as rebuild_view
from projections.rows import RowDecoder, effective_day, effective_utc
from projections.state import LedgerState, fold


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, VN_TZ)


@dataclass(frozen=True)
class ReplayInfo:
    plan: str
    as_of: date
    known_at: datetime | None
    position: int  # the last position of the log taken into account
    events: int  # events folded (checkpoint and tail)
    read: int  # events read from the database for this answer
    checkpoint: tuple[str, int] | None  # (valid_to, position) of the checkpoint used

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat() if self.known_at else None,
            "position": self.position,
            "events": self.events,
            "events_read": self.read,
            "checkpoint": (
                {"valid_to": self.checkpoint[0], "position": self.checkpoint[1]}
                if self.checkpoint
                else None
            ),
        }


def _decode(app: ParLedger, notifications: list[Notification]) -> list[tuple[int, Any]]:
    """Straight into the fold's input (``projections.rows``), no library event objects."""
    return RowDecoder(app.mapper).rows(notifications)


def plan_scopes(app: ParLedger, plan: str) -> tuple[str, ...]:
    """The index scopes a plan's answers read: its own, and its unit's (the unit and its
    directory). Other units' events are in scopes of their own and are never read."""
    try:
        unit = app.get_plan(plan).unit_code
    except NotFound:
        return (plan,)
    return (plan, unit_scope(unit))


def select_plan(app: ParLedger, scopes: tuple[str, ...], window: Window) -> list[Notification]:
    """The events of ``scopes`` in ``window``, in log order. Each scope's query also returns
    the directory recorded before units existed; it is kept once."""
    found = {n.id: n for scope in scopes for n in app.ledger_recorder.select_scoped(scope, window)}
    return [found[i] for i in sorted(found)]


def position_known_at(app: ParLedger, known_at: datetime | None) -> int:
    if known_at is None:
        return int(app.recorder.max_notification_id() or 0)
    return app.ledger_recorder.position_at(known_at)


def replay_state(
    app: ParLedger,
    plan: str,
    as_of: date,
    known_at: datetime | None = None,
    *,
    view: LedgerView | None = None,
    use_checkpoints: bool = True,
    position: int | None = None,
) -> tuple[LedgerState, ReplayInfo]:
    """``position`` (a log position) may stand for ``known_at``: what was known at it."""
    upto = position if position is not None else position_known_at(app, known_at)
    bound = end_of_day(as_of)
    scopes = plan_scopes(app, plan)
    found = None
    if use_checkpoints:
        view = view or app.view
        found = view.find_checkpoint(plan, as_of.isoformat(), upto)
    if found is None:
        notifications = select_plan(app, scopes, Window(after=0, upto=upto, effective_le=bound))
        state = fold(_decode(app, notifications))
        checkpoint = None
    else:
        valid_to, cp_position, blob = found
        state = LedgerState.from_json(json.loads(blob))
        # Not in the checkpoint: recorded after it, or recorded before it but effective
        # between its valid date and D.
        later = select_plan(app, scopes, Window(after=cp_position, upto=upto, effective_le=bound))
        between = select_plan(
            app,
            scopes,
            Window(
                after=0,
                upto=cp_position,
                effective_le=bound,
                effective_gt=end_of_day(date.fromisoformat(valid_to)),
            ),
        )
        notifications = between + later
        fold(_decode(app, notifications), state)
        checkpoint = (valid_to, cp_position)
    info = ReplayInfo(
        plan=plan,
        as_of=as_of,
        known_at=known_at,
        position=upto,
        events=state.count,
        read=len(notifications),
        checkpoint=checkpoint,
    )
    return state, info


def _month_ends(first: date, last: date) -> list[date]:
    ends = []
    month = date(first.year, first.month, 1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        ends.append(following - timedelta(days=1))
        month = following
    return ends


def make_checkpoints(app: ParLedger, plan: str, view: LedgerView | None = None) -> int:
    """Checkpoint the plan's state at every month end its events cover, at the current
    position. One pass over the plan's events; returns the number of checkpoints written."""
    view = view or app.view
    upto = position_known_at(app, None)
    notifications = select_plan(app, plan_scopes(app, plan), Window(after=0, upto=upto))
    events = _decode(app, notifications)
    if not events:
        return 0
    # From the stored text (``projections.rows``), not the decoded meta: fixed-width UTC text
    # sorts as the times do, and most events' meta is then never parsed.
    events.sort(key=lambda pe: (effective_utc(pe[1]), pe[0]))
    local = [date.fromisoformat(effective_day(e)) for _, e in events]
    state = LedgerState()
    written = 0
    index = 0
    for month_end in _month_ends(local[0], local[-1]):
        while index < len(events) and local[index] <= month_end:
            fold([events[index]], state)
            index += 1
        view.put_checkpoint(plan, month_end.isoformat(), upto, json.dumps(state.to_json()))
        written += 1
    return written


def rebuild(app: ParLedger, *, on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Fold the whole log into the live view again, then the checkpoints of every plan."""
    progress = rebuild_view(app, on_progress=on_progress)
    for plan in sorted({d["plan"] for d in live.stored_state(app).kind("plans").values()}):
        make_checkpoints(app, plan)
    return progress
