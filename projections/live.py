"""Live views: the folded ledger state kept in the database, exactly once per event.

Catch-up and rebuild (``projections.rebuild``) read the notification log in pages and write
the documents changed by every few pages with the tracking position reached in one transaction;
the worker (``projections/worker.py``: PostgreSQL LISTEN/NOTIFY, SQLite polling) follows new
events with the same catch-up. Either way a process stopped at any point resumes from the
position the tracking table holds, and nothing is applied twice.

A rebuild folds the whole log into the store's shadow table and promotes it in one transaction
(``persistence.viewstore``), so readers and live catch-ups of a running server never see a view
half rebuilt; ``status`` checks that the documents are what the log folds to at the position the
tracking table claims, so a view damaged otherwise is noticed, and repaired by a rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.errors import Conflict
from persistence.viewstore import (
    LedgerView,
    Row,
    StaleGeneration,
)
from projections.catchup import Progress, fold_into, pages
from projections.state import LedgerState, fold

SHADOW = ":rebuild"  # suffix of the tracking name a rebuild folds the shadow table under
PROMOTE_ATTEMPTS = 100  # each failed attempt folds the shadow on to the head first
NAME = "ledger_state"  # the one persisted view; task board, attainment … derive from it
VIEWS_SERVED = (
    "task_board",
    "target_attainment",
    "area_scores",
    "inspection_history",
    "apology_register",
    "timeline",
)


def view_for(app: ParLedger) -> LedgerView:
    return app.view


def catch_up(
    app: ParLedger,
    view: LedgerView | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    state: LedgerState | None = None,
    name: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> Progress:
    """Apply every event after the view's position; returns how many and how fast.

    ``name`` is the tracking name (a rebuild's shadow has its own); the live view's pages are
    saved only while its generation is the one read before its documents were, and when a
    rebuild is promoted meanwhile the catch-up starts again on the new generation (a reader
    must not be left behind the events acknowledged before it asked). ``on_page(first,
    last)`` hears of each range of positions once it is saved (the worker's report).
    """
    view = view or view_for(app)
    if name is not None:
        return fold_into(app, view, name, None, on_progress, state or LedgerState(), on_page)
    for _ in range(PROMOTE_ATTEMPTS):
        try:
            generation = view.generation()
            return fold_into(app, view, app.name, generation, on_progress, LedgerState(), on_page)
        except StaleGeneration:
            continue
    raise Conflict("khung nhìn trực tiếp liên tục được dựng lại; hãy thử lại")


def stored_state(app: ParLedger, view: LedgerView | None = None) -> LedgerState:
    """The live state as persisted (every document)."""
    view = view or view_for(app)
    state = LedgerState(position=view.max_tracking_id(app.name) or 0)
    for kind, key, doc in view.load():
        state.kind(kind)[key] = doc
    return state


def _comparable(docs: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {
        (kind, key): json.dumps(doc, sort_keys=True, ensure_ascii=False)
        for kind, by_key in docs.items()
        for key, doc in by_key.items()
    }


def disagreements(app: ParLedger, position: int, rows: list[Row]) -> list[str]:
    """Where the stored documents differ from the log folded up to ``position``: documents
    missing, extra or different (at most a few named)."""
    expected = LedgerState()
    for page in pages(app, 0, position):
        fold(page, expected)
    stored: dict[str, dict[str, Any]] = {}
    for kind, key, doc in rows:
        stored.setdefault(kind, {})[key] = doc
    want, have = _comparable(expected.docs), _comparable(stored)
    found = [f"thiếu {k}/{key}" for k, key in sorted(want.keys() - have.keys())]
    found += [f"thừa {k}/{key}" for k, key in sorted(have.keys() - want.keys())]
    found += [
        f"sai {k}/{key}"
        for k, key in sorted(want.keys() & have.keys())
        if want[k, key] != have[k, key]
    ]
    return found


def status(app: ParLedger, *, check: bool = True) -> dict[str, Any]:
    """Position, lag and counts; with ``check``, whether the documents agree with the log
    folded up to the position the tracking table holds (read in one snapshot)."""
    view = view_for(app)
    position, rows = view.snapshot(app.name)
    head = int(app.recorder.max_notification_id() or 0)
    checkpoints = view.checkpoints()
    problems = disagreements(app, position, rows) if check else []
    return {
        "view": NAME,
        "serves": list(VIEWS_SERVED),
        "position": position,
        "head": head,
        "lag": head - position,
        "documents": len(rows),
        "checkpoints": len(checkpoints),
        "checkpoint_position": max((c[2] for c in checkpoints), default=None),
        "as_of": datetime.now(VN_TZ).date().isoformat(),  # the date reads default to
        "consistent": None if not check else not problems,
        "problems": problems[:20],
        "problem_count": len(problems),
    }
