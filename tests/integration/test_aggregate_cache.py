"""The aggregate cache with fast-forward, on SQLite and PostgreSQL: two applications on one
store (as two processes would be) each see the other's events at once, and a command refused
after deciding leaves nothing of its decision in the cache."""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from ledger.application import ParLedger
from ledger.errors import StaleVersion
from ledger.importer import import_plan
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from tests.conftest import ctx
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"


def _progress(percent: int) -> ReportTaskProgress:
    return ReportTaskProgress(plan=PLAN, number="1", percent=percent, note=f"{percent}%")


def test_another_process_writes_are_fast_forwarded(app: ParLedger, db_url: str) -> None:
    import_plan(app, small_plan(), ctx())
    assert app.repository.cache is not None and app.repository.fastforward
    other = ParLedger(parse_database_url(db_url))
    try:
        seen = app.get_task(PLAN, "1")  # now cached here
        other.handle(ctx(), _progress(40))
        fresh = app.get_task(PLAN, "1")
        assert fresh.version == seen.version + 1 == other.get_task(PLAN, "1").version
        # A command decided here against the cached task sees the other's event first.
        app.handle(ctx(version=fresh.version), _progress(50))
        assert other.get_task(PLAN, "1").version == fresh.version + 1
        with pytest.raises(StaleVersion):
            other.handle(ctx(version=fresh.version), _progress(60))
    finally:
        other.close()


def test_a_refused_decision_leaves_the_cached_aggregate_as_stored(app: ParLedger) -> None:
    import_plan(app, small_plan(), ctx())
    before = app.get_task(PLAN, "1")
    with pytest.raises(DomainError):
        app.handle(ctx(), ReportTaskProgress(plan=PLAN, number="1", percent=101, note="x"))
    after = app.get_task(PLAN, "1")
    assert after.version == before.version and after is not before
    assert app.handle(ctx(), _progress(10)).positions
