"""What the HTTP reads are served from: the live view tables for the present, replay for any
other (valid date, knowledge time).

A present read first brings the live view up to the head of the log (a cheap check when
nothing is new; one writer at a time in this process, the tracking table keeping it exactly
once across processes; not at all where a projection worker keeps the view, ``catch_up=False``;
the obligations process, ``ledger.obligations``, first records what the new events cause),
then loads the plan's documents with one indexed query. The loaded state is kept per plan
while the view's position does not move, so repeated reads between writes cost one query (the
view's position and generation together); so are the views computed from it (an answer is a
pure function of plan, date and position). The readers that arrive together after a write wait
for one fold, one load of the plan and one computation of each view, rather than each
repeating them at once (the work is CPU under one GIL: repeated, it only queued them longer).

A read as of another date, as known now, keeps the state it replayed per (plan, date): a later
read folds in only what was recorded since, effective by that date (the fold is independent of
order, so this is the same answer as a replay from the checkpoint), and reuses the same state
when nothing such was recorded.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from persistence.records import Window
from persistence.viewstore import LedgerView
from projections import live
from projections.state import LedgerState, fold
from projections.views import plan_doc
from replay.engine import end_of_day, position_known_at, replay_state

MEMO_SIZE = 256  # computed views kept; a write moves the position and retires them
PAST_SIZE = 64  # (plan, date) states kept for reads as of other dates


@dataclass(frozen=True)
class Snapshot:
    """A plan's state and where it stands on both axes."""

    state: LedgerState
    as_of: date
    position: int  # the last event of the log taken into account
    live: bool  # served from the live view (True) or rebuilt by replay


def today() -> date:
    return datetime.now(VN_TZ).date()


class _Once:
    """A lock per key: readers that want what another is making (a plan's state after a
    write, a view of it) wait for it rather than each making it again, all at once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Any, threading.Lock] = {}

    def __call__(self, key: Any) -> threading.Lock:
        with self._guard:
            if len(self._locks) >= MEMO_SIZE and key not in self._locks:
                self._locks.clear()  # a reader holding a forgotten one at worst makes it twice
            return self._locks.setdefault(key, threading.Lock())


class ReadModel:
    def __init__(self, app: ParLedger, *, catch_up: bool = True):
        self.app = app
        # False where a projection worker keeps the view (``parledger projections run``):
        # a read then serves the view's position and never folds inside the request.
        self.catch_up = catch_up
        self.view: LedgerView = app.view
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, LedgerState]] = {}
        self._past: dict[tuple[str, date], tuple[int, LedgerState]] = {}
        self._memo: dict[tuple[str, str, date, int, bool], Any] = {}
        self._generation = self.view.generation()
        self._once = _Once()
        self.obligations = ObligationsProcess(app)

    def position(self) -> int:
        """The live view's position after bringing it up to the head of the log."""
        position, generation = self.view.standing(self.app.name)  # one query
        if generation != self._generation:
            # A rebuild was promoted (perhaps at the same position, repairing a damaged
            # view): what was kept from the view it replaced is forgotten.
            self._cache.clear()
            self._memo.clear()
            self._generation = generation
        head = int(self.app.recorder.max_notification_id() or 0) if self.catch_up else 0
        if position < head:
            with self._lock:
                # The readers that queued here behind one that folded find the view there
                # already: one fold per write, not one per reader waiting.
                position = self.view.max_tracking_id(self.app.name) or 0
                if position < head:
                    position = self._fold(head)
        return position

    def _fold(self, head: int) -> int:
        """Embedded mode, under the lock: bring the view to the head of the log."""
        if self.obligations.position() < head:
            # The obligations process records what the new events cause before the view
            # folds them, so a read sees the obligations of what it sees.
            with contextlib.suppress(IntegrityError):
                self.obligations.run()
        # Another process may apply the same events first; its tracking rows say so.
        with contextlib.suppress(IntegrityError):
            live.catch_up(self.app, self.view)
        return self.view.max_tracking_id(self.app.name) or 0

    def snapshot(
        self, plan: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> Snapshot:
        day = as_of or today()
        if known_at is not None and known_at.tzinfo is None:
            raise InvalidValue("known_at phải có múi giờ, ví dụ +07:00", field="known_at")
        if known_at is None and day >= today():
            state, position = self._present(plan, self.position())
            snapshot = Snapshot(state, day, position, live=True)
        else:
            upto = position_known_at(self.app, known_at)
            snapshot = Snapshot(self._replayed(plan, day, upto), day, upto, live=False)
        if plan_doc(snapshot.state, plan) is None:
            raise NotFound(f"không có kế hoạch {plan}", field="plan")
        return snapshot

    def _present(self, plan: str, position: int) -> tuple[LedgerState, int]:
        """The plan's state in the live view at ``position`` or later, and that position."""
        cached = self._cache.get(plan)
        if cached is None or cached[0] < position:
            with self._once(("plan", plan)):
                cached = self._cache.get(plan)
                if cached is None or cached[0] < position:
                    state = LedgerState(position=position)
                    for kind, key, doc in self.view.load_plan(plan):
                        state.kind(kind)[key] = doc
                    cached = self._cache[plan] = (position, state)
        return cached[1], cached[0]

    def _replayed(self, plan: str, day: date, upto: int) -> LedgerState:
        """The plan's state as of ``day`` known at position ``upto``."""
        key = (plan, day)
        held = self._past.get(key)
        if held is None or held[0] > upto:
            state, _ = replay_state(self.app, plan, day, position=upto)
        elif held[0] == upto:
            return held[1]
        else:
            window = Window(after=held[0], upto=upto, effective_le=end_of_day(day))
            tail = self.app.ledger_recorder.select_scoped(plan, window)
            state = held[1]
            if tail:  # a copy: other readers may be using the one held
                state = LedgerState.from_json(json.loads(json.dumps(state.to_json())))
                fold(((n.id, self.app.mapper.to_domain_event(n)) for n in tail), state)
                state.position = max(state.position, upto)
        if held is None or held[0] < upto:
            if len(self._past) >= PAST_SIZE:
                self._past.clear()
            self._past[key] = (upto, state)
        return state

    def computed(self, name: str, plan: str, snapshot: Snapshot, compute: Callable[[], Any]) -> Any:
        """``compute()`` of a view of ``snapshot``, once per (view, plan, date, position)."""
        key = (name, plan, snapshot.as_of, snapshot.position, snapshot.live)
        found = self._memo.get(key)
        if found is None:
            with self._once(key):
                found = self._memo.get(key)
                if found is None:
                    found = compute()
                    if len(self._memo) >= MEMO_SIZE:
                        self._memo.clear()
                    self._memo[key] = found
        return found

    def current(self, kind: str, uid: UUID) -> dict[str, Any] | None:
        """An entity's document in the live view, brought up to the head of the log."""
        self.position()
        rows = self.view.load([(kind, uid.hex)])
        return {k: v for k, v in rows[0][2].items() if k != "_s"} if rows else None
