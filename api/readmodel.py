"""What the HTTP reads are served from: the live view tables for the present, replay for any
other (valid date, knowledge time).

A present read first brings the live view up to the head of the log (a cheap check when
nothing is new; one writer at a time in this process, the tracking table keeping it exactly
once across processes), then loads the plan's documents with one indexed query. The loaded
state is kept per plan while the view's position does not move, so repeated reads between
writes cost one position query.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import date, datetime

from eventsourcing.persistence import IntegrityError

from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.viewstore import LedgerView
from projections import live
from projections.state import LedgerState
from projections.views import plan_doc
from replay.engine import ledger_view, position_known_at, replay_state


@dataclass(frozen=True)
class Snapshot:
    """A plan's state and where it stands on both axes."""

    state: LedgerState
    as_of: date
    position: int  # the last event of the log taken into account
    live: bool  # served from the live view (True) or rebuilt by replay


def today() -> date:
    return datetime.now(VN_TZ).date()


class ReadModel:
    def __init__(self, app: ParLedger):
        self.app = app
        self.view: LedgerView = ledger_view(app)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, LedgerState]] = {}

    def position(self) -> int:
        """The live view's position after bringing it up to the head of the log."""
        head = int(self.app.recorder.max_notification_id() or 0)
        position = self.view.max_tracking_id(self.app.name) or 0
        if position < head:
            # Another process may apply the same events first; its tracking rows say so.
            with self._lock, contextlib.suppress(IntegrityError):
                live.catch_up(self.app, self.view)
            position = self.view.max_tracking_id(self.app.name) or 0
        return position

    def snapshot(
        self, plan: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> Snapshot:
        day = as_of or today()
        if known_at is not None and known_at.tzinfo is None:
            raise InvalidValue("known_at phải có múi giờ, ví dụ +07:00", field="known_at")
        if known_at is None and day >= today():
            position = self.position()
            cached = self._cache.get(plan)
            if cached is None or cached[0] != position:
                state = LedgerState(position=position)
                for kind, key, doc in self.view.load_plan(plan):
                    state.kind(kind)[key] = doc
                self._cache[plan] = (position, state)
                cached = (position, state)
            snapshot = Snapshot(cached[1], day, position, live=True)
        else:
            upto = position_known_at(self.app, known_at)
            state, info = replay_state(self.app, plan, day, position=upto)
            snapshot = Snapshot(state, day, info.position, live=False)
        if plan_doc(snapshot.state, plan) is None:
            raise NotFound(f"không có kế hoạch {plan}", field="plan")
        return snapshot
