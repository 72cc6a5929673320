"""A present read asks the view where it stands (position and generation) in one query: the
answer must be the position the tracking table holds and the number of promoted rebuilds,
and a promotion must still make the read model forget what it kept of the view it replaced."""

from __future__ import annotations

from ledger.application import ParLedger
from projections import live
from replay.readmodel import ReadModel
from tests.cat_hai import PLAN, seed


def test_standing_is_position_and_generation(app: ParLedger) -> None:
    view = app.view
    assert view.standing(app.name) == (0, 0)
    seed(app)
    live.catch_up(app, view)
    head = int(app.recorder.max_notification_id() or 0)
    assert head > 0
    assert view.standing(app.name) == (head, 0)
    live.rebuild(app)
    assert view.standing(app.name) == (head, 1) == (view.max_tracking_id(app.name), 1)
    assert view.standing("no-such-projection") == (0, 1)


def test_read_model_forgets_a_replaced_view(app: ParLedger) -> None:
    seed(app)
    model = ReadModel(app)
    first = model.snapshot(PLAN)
    assert model.snapshot(PLAN).state is first.state  # kept while nothing moves
    live.rebuild(app)  # same position, new generation
    again = model.snapshot(PLAN)
    assert again.position == first.position
    assert again.state is not first.state
    assert again.state.to_json() == first.state.to_json()
