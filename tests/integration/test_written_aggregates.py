"""Commands decided on the aggregate as this process saved it (``ledger/written.py``), on
SQLite and PostgreSQL: two applications on one store (as two processes would be) writing one
task in turn each decide on its current state, whatever the other wrote since; what a process
keeps is exactly the stored aggregate at its version; and the chain still verifies."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import ids
from domain.errors import DomainError
from domain.task import Task
from integrity.verify import verify
from ledger.application import ParLedger
from ledger.errors import StaleVersion
from ledger.importer import import_plan
from ledger.usecases.task import CompleteTask, ReopenTask, ReportTaskProgress
from persistence.settings import parse_database_url
from tests.conftest import ctx
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"
TASK = ids.task_id(PLAN, "1")


def _progress(percent: int) -> ReportTaskProgress:
    return ReportTaskProgress(plan=PLAN, number="1", percent=percent, note=f"{percent}%")


@pytest.fixture
def pair(app: ParLedger, db_url: str) -> Any:
    import_plan(app, small_plan(), ctx())
    other = ParLedger(parse_database_url(db_url))
    uncached = ParLedger(parse_database_url(db_url), env={"AGGREGATE_CACHE_MAXSIZE": ""})
    yield app, other, uncached
    other.close()
    uncached.close()


def _state(task: Task) -> dict[str, Any]:
    return {k: v for k, v in vars(task).items() if k != "_pending_events"}


def test_a_task_written_meanwhile_by_another_process_is_decided_on_anew(pair: Any) -> None:
    here, other, uncached = pair
    first = here.handle(ctx(), _progress(10))
    assert here.written.copy_of(Task, TASK) is not None  # kept: the next decides without a read
    other.handle(ctx(), _progress(20))
    other.handle(ctx(), _progress(30))
    # Kept here at the version this process saved; decided on it, the append meets the
    # other's versions, and the command is decided again on the current task.
    second = here.handle(ctx(), _progress(40))
    assert second.version == first.version + 3 == uncached.get_task(PLAN, "1").version
    assert uncached.get_task(PLAN, "1").progress == 40
    # What this process keeps now is the task as stored.
    kept = here.written.copy_of(Task, TASK)
    assert kept is not None and _state(kept) == _state(uncached.get_task(PLAN, "1"))
    report = verify(here.ledger_recorder)
    assert report.ok, report.problems


def test_the_expected_version_is_the_stored_one_not_the_kept_one(pair: Any) -> None:
    here, other, _ = pair
    here.handle(ctx(), _progress(10))
    current = other.handle(ctx(), _progress(20)).version
    assert current is not None
    # The copy kept here is one version behind: If-Match with the current version is
    # accepted, with the kept one refused.
    assert here.handle(ctx(version=current), _progress(30)).version == current + 1
    other.handle(ctx(), _progress(40))
    with pytest.raises(StaleVersion):
        here.handle(ctx(version=current + 1), _progress(50))


def test_a_refusal_by_a_kept_task_that_moved_on_is_decided_again(pair: Any) -> None:
    """Completed here (so the copy kept here takes no progress), reopened by the other
    process: progress reported here is decided on the reopened task and accepted; once the
    current task itself refuses, the refusal stands."""
    here, other, uncached = pair
    here.handle(ctx(), CompleteTask(plan=PLAN, number="1", note="xong"))
    other.handle(ctx(reason="làm lại"), ReopenTask(plan=PLAN, number="1"))
    assert here.handle(ctx(), _progress(95)).version == uncached.get_task(PLAN, "1").version
    assert uncached.get_task(PLAN, "1").progress == 95
    here.handle(ctx(), CompleteTask(plan=PLAN, number="1", note="xong lần hai"))
    with pytest.raises(DomainError):
        here.handle(ctx(), _progress(99))
    assert uncached.get_task(PLAN, "1").progress == 95


def test_only_another_writers_events_count_as_moved_on(pair: Any) -> None:
    """A conflict met by the command's own events (stored, their acknowledgement lost) is
    not a reason to decide again: that would store the command twice."""
    here, other, _ = pair
    before = here.get_task(PLAN, "1").version
    here.handle(ctx(), _progress(10))
    assert not here._moved_on(TASK, before)  # what follows is this thread's own attempt
    after = before + 1
    assert not here._moved_on(TASK, after)  # nothing follows
    other.handle(ctx(), _progress(20))
    assert here._moved_on(TASK, after)


STEPS = st.lists(
    st.tuples(st.booleans(), st.integers(min_value=0, max_value=100)), min_size=1, max_size=8
)


@given(steps=STEPS)
def test_what_is_kept_is_the_stored_aggregate_at_its_version(pair: Any, steps: Any) -> None:
    here, other, uncached = pair
    for first, n in steps:
        with suppress(DomainError):
            (here if first else other).handle(ctx(), _progress(n))
        for ledger in (here, other):
            kept = ledger.written.copy_of(Task, TASK)
            if kept is not None:
                stored = uncached.repository.get(TASK, version=kept.version)
                assert _state(kept) == _state(stored)
        assert _state(here.get_task(PLAN, "1")) == _state(uncached.get_task(PLAN, "1"))
    report = verify(here.ledger_recorder)
    assert report.ok, report.problems
