"""A present read asks the view where it stands (position and generation) in one query: the
answer must be the position the tracking table holds and the number of promoted rebuilds,
and a promotion must still make the read model forget what it kept of the view it replaced."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ledger.application import ParLedger
from projections import live, rebuild
from replay.readmodel import ReadModel
from tests.cat_hai import PLAN, seed, survey_progress
from tests.conftest import ctx, vn


def test_standing_is_position_and_generation(app: ParLedger) -> None:
    view = app.view
    assert view.standing(app.name) == (0, 0)
    seed(app)
    live.catch_up(app, view)
    head = int(app.recorder.max_notification_id() or 0)
    assert head > 0
    assert view.standing(app.name) == (head, 0)
    rebuild.rebuild(app)
    assert view.standing(app.name) == (head, 1) == (view.max_tracking_id(app.name), 1)
    assert view.standing("no-such-projection") == (0, 1)


def test_read_model_forgets_a_replaced_view(app: ParLedger) -> None:
    seed(app)
    model = ReadModel(app)
    first = model.snapshot(PLAN)
    assert model.snapshot(PLAN).state is first.state  # kept while nothing moves
    rebuild.rebuild(app)  # same position, new generation
    again = model.snapshot(PLAN)
    assert again.position == first.position
    assert again.state is not first.state
    assert again.state.to_json() == first.state.to_json()


def test_readers_queued_behind_a_fold_do_not_fold_again(
    app: ParLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers that found the view behind and waited for the fold in progress are served by
    it: the view folds once for the write, and every one of them answers the new head."""
    seed(app)
    model = ReadModel(app)
    before = model.position()
    app.handle(ctx(effective=vn(2023, 7, 1)), survey_progress())
    head = int(app.recorder.max_notification_id() or 0)
    assert head > before

    folds: list[int] = []
    real_catch_up = live.catch_up

    def counted(*args: Any, **kwargs: Any) -> Any:
        folds.append(1)
        return real_catch_up(*args, **kwargs)

    monkeypatch.setattr(live, "catch_up", counted)
    asked = threading.Semaphore(0)
    real_standing = model.view.standing

    def standing(name: str) -> tuple[int, int]:
        found = real_standing(name)
        asked.release()
        return found

    monkeypatch.setattr(model.view, "standing", standing)
    readers = 6
    with ThreadPoolExecutor(readers) as pool:
        with model._lock:  # a fold in progress: every reader finds the view behind, and waits
            answers = [pool.submit(model.position) for _ in range(readers)]
            for _ in range(readers):
                assert asked.acquire(timeout=10)
            time.sleep(0.2)  # from the standing query to the lock
        positions = [a.result(timeout=30) for a in answers]
    assert positions == [head] * readers  # nobody reads behind the write it queued after
    assert folds == [1]
    assert app.view.max_tracking_id(app.name) == head
    assert model.snapshot(PLAN).position == head


def test_readers_arriving_together_after_a_write_load_the_plan_once(
    app: ParLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a write, the readers of a plan that arrive together wait for one of them to load
    its state from the view, and are all served that state: the one a fresh read model (with
    nothing kept) loads at the same position."""
    seed(app)
    model = ReadModel(app)
    model.snapshot(PLAN)
    app.handle(ctx(effective=vn(2023, 7, 1)), survey_progress())

    loads: list[str] = []
    real_load_plan = model.view.load_plan

    def load_plan(plan: str) -> Any:
        loads.append(plan)
        return real_load_plan(plan)

    monkeypatch.setattr(model.view, "load_plan", load_plan)
    positioned = threading.Semaphore(0)
    real_position = model.position

    def position() -> int:
        found = real_position()
        positioned.release()
        return found

    monkeypatch.setattr(model, "position", position)
    readers = 6
    with ThreadPoolExecutor(readers) as pool:
        with model._once(("plan", PLAN)):  # a load in progress: every reader waits for it
            answers = [pool.submit(model.snapshot, PLAN) for _ in range(readers)]
            for _ in range(readers):
                assert positioned.acquire(timeout=10)
            time.sleep(0.2)  # from the position to the lock
        snapshots = [a.result(timeout=30) for a in answers]
    assert loads == [PLAN]
    head = app.view.max_tracking_id(app.name)
    assert {s.position for s in snapshots} == {head}
    assert all(s.state is snapshots[0].state for s in snapshots)
    fresh = ReadModel(app).snapshot(PLAN)
    assert fresh.position == head
    assert snapshots[0].state.to_json() == fresh.state.to_json()
