"""A service started over a log the CLI wrote to since the view last moved folds it, and
records the obligations it causes, before any read asks: the first reader does not pay for
the whole backlog with every other reader queued behind it."""

from __future__ import annotations

from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from service.app import create_app
from tests.cat_hai import seed
from tests.waiting import until


def _caught_up(app: ParLedger, written: int) -> bool:
    """The obligations process has read what was ``written`` and the view is at the head
    (the obligations' own events included)."""
    head = int(app.recorder.max_notification_id() or 0)
    return (app.view.max_tracking_id(app.name) or 0) == head and (
        ObligationsProcess(app).position() >= written
    )


def test_a_warm_service_folds_the_backlog_without_a_read(app: ParLedger) -> None:
    seed(app)  # written as the CLI writes: no obligations recorded, no view folded
    before = int(app.recorder.max_notification_id() or 0)
    assert not _caught_up(app, before)
    create_app(app, warm=True)
    until(lambda: _caught_up(app, before), 60)
    # The plan's reporting obligations were recorded on the way: the log grew.
    assert int(app.recorder.max_notification_id() or 0) > before


def test_a_cold_service_leaves_the_backlog_to_its_first_read(app: ParLedger) -> None:
    seed(app)
    create_app(app)  # as the tests' and the worker mode's services are made
    assert (app.view.max_tracking_id(app.name) or 0) == 0
