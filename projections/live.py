"""Live views: the folded ledger state kept in the database, exactly once per event.

Catch-up and rebuild read the notification log in pages and write each page's changed
documents with its tracking position in one transaction; following new events uses the
library's :class:`ProjectionRunner` (PostgreSQL LISTEN/NOTIFY, SQLite polling) with the same
fold, one event per transaction. Either way a process stopped at any point resumes from the
position the tracking table holds, and nothing is applied twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection, ProjectionRunner

from ledger.application import ParLedger
from persistence.viewstore import LedgerView, PostgresLedgerView, SQLiteLedgerView
from projections.state import LedgerState, apply, kind_of

PAGE = 500
NAME = "ledger_state"  # the one persisted view; task board, attainment … derive from it
VIEWS_SERVED = (
    "task_board",
    "target_attainment",
    "area_scores",
    "inspection_history",
    "apology_register",
    "timeline",
)


def _keys(events: list[tuple[int, Any]]) -> list[tuple[str, str]]:
    keys = {(kind, e.originator_id.hex) for _, e in events if (kind := kind_of(e)) is not None}
    return sorted(keys)


def _load_into(view: LedgerView, state: LedgerState, keys: list[tuple[str, str]]) -> None:
    missing = [(k, key) for k, key in keys if key not in state.kind(k)]
    for kind, key, doc in view.load(missing) if missing else []:
        state.kind(kind)[key] = doc


def process_page(
    view: LedgerView, state: LedgerState, events: list[tuple[int, Any]], app_name: str
) -> None:
    """Fold a page of events into ``state`` and persist what changed with its position."""
    _load_into(view, state, _keys(events))
    touched: set[tuple[str, str]] = set()
    for position, event in events:
        touched.update(apply(state, event, position))
    rows = [(kind, key, state.kind(kind)[key]) for kind, key in sorted(touched)]
    view.save(rows, Tracking(app_name, events[-1][0]))


def _pages(app: ParLedger, after: int, upto: int) -> Iterator[list[tuple[int, Any]]]:
    position = after
    while position < upto:
        notifications = app.recorder.select_notifications(start=position + 1, limit=PAGE, stop=upto)
        if not notifications:
            return
        yield [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
        position = notifications[-1].id


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


def view_for(app: ParLedger) -> LedgerView:
    return app.view


def catch_up(
    app: ParLedger,
    view: LedgerView | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    state: LedgerState | None = None,
) -> Progress:
    """Apply every event after the view's position; returns how many and how fast."""
    view = view or view_for(app)
    after = view.max_tracking_id(app.name) or 0
    head = int(app.recorder.max_notification_id() or 0)
    state = state or LedgerState()
    started = time.perf_counter()
    done = 0
    for page in _pages(app, after, head):
        process_page(view, state, page, app.name)
        done += len(page)
        if on_progress:
            on_progress(Progress(done, head - after, time.perf_counter() - started))
    return Progress(done, head - after, time.perf_counter() - started)


def rebuild(app: ParLedger, *, on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Drop the view and its checkpoints and fold the whole log again (checkpoints are
    replay's to make again: ``replay.engine.rebuild`` does both)."""
    view = view_for(app)
    view.reset(app.name)
    return catch_up(app, view, on_progress=on_progress, state=LedgerState())


def stored_state(app: ParLedger, view: LedgerView | None = None) -> LedgerState:
    """The live state as persisted (every document)."""
    view = view or view_for(app)
    state = LedgerState(position=view.max_tracking_id(app.name) or 0)
    for kind, key, doc in view.load():
        state.kind(kind)[key] = doc
    return state


def status(app: ParLedger) -> dict[str, Any]:
    view = view_for(app)
    position = view.max_tracking_id(app.name) or 0
    head = int(app.recorder.max_notification_id() or 0)
    checkpoints = view.checkpoints()
    return {
        "view": NAME,
        "serves": list(VIEWS_SERVED),
        "position": position,
        "head": head,
        "lag": head - position,
        "documents": len(view.load()),
        "checkpoints": len(checkpoints),
        "checkpoint_position": max((c[2] for c in checkpoints), default=None),
        "as_of": date.today().isoformat(),
    }


class LedgerStateProjection(Projection[LedgerView]):
    """For the library's runner: one event, one transaction, the same fold."""

    name = NAME
    topics: tuple[str, ...] = ()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        state = LedgerState()
        process_page(
            self.view, state, [(tracking.notification_id, domain_event)], tracking.application_name
        )


def follow(app_env: dict[str, str], backend: str) -> ProjectionRunner[ParLedger, LedgerView]:
    """Start following new events in a background thread (``runner.stop()`` to end)."""
    view_class = PostgresLedgerView if backend == "postgres" else SQLiteLedgerView
    return ProjectionRunner(
        application_class=ParLedger,
        projection_class=LedgerStateProjection,
        view_class=view_class,
        env=app_env,
    )
