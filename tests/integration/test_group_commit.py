"""Group commit on SQLite and PostgreSQL: commands that arrive while an append is in flight are
appended together, in one transaction, each answered with its own positions or its own error.

A batch is made deterministic with the database's own lock: another session holds the write
lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK TABLE … EXCLUSIVE``), so the first
command's append waits inside the database while the others decide and queue behind it; when
the lock is released the first commits alone and the queue is appended as one batch.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from domain import ids
from integrity.verify import verify
from ledger.application import ParLedger
from ledger.context import CommandContext, CommandResult
from ledger.errors import Conflict
from ledger.importer import import_plan
from ledger.usecases.task import ReportTaskProgress
from persistence.records import IndexFilter
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan
from tests.conftest import POSTGRES_URL, ctx
from tests.waiting import until

PLAN = "cat-hai-2023"
WAITING_APPEND = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock' AND query LIKE '%%parledger_append%%' AND NOT pid = ANY(%s)"
)


@pytest.fixture
def leaves(app: ParLedger) -> list[str]:
    plan = bundled_plan(PLAN)
    import_plan(app, plan, ctx())
    return [t.number for t in plan.tasks if t.lead]


@contextmanager
def _writes_held(app: ParLedger, url: str) -> Iterator[None]:
    """Another session holds the write lock every append needs, until the block ends."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(POSTGRES_URL) as blocker:
        blocker.execute(f'LOCK TABLE "{schema}"."{table}" IN EXCLUSIVE MODE')
        try:
            yield
        finally:
            blocker.rollback()


Call = tuple[CommandContext, ReportTaskProgress]


def _progress(number: str, note: str) -> ReportTaskProgress:
    return ReportTaskProgress(plan=PLAN, number=number, percent=30, note=note)


def _run(app: ParLedger, url: str, first: Call, queued: list[Call]) -> list[Any]:
    """``first`` waits in the database while ``queued`` queue behind it; every outcome
    (result or exception), ``first``'s first."""
    outcomes: list[Any] = [None] * (1 + len(queued))

    def run(i: int, call: Call) -> None:
        try:
            outcomes[i] = app.handle(*call)
        except Exception as error:  # judged by the test
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(0, first))]
    with _writes_held(app, url):
        threads[0].start()
        until(lambda: app.committer.busy)
        for i, call in enumerate(queued, start=1):
            threads.append(threading.Thread(target=run, args=(i, call)))
            threads[-1].start()
        until(lambda: app.committer.waiting == len(queued))
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _positions_of(app: ParLedger, number: str) -> list[int]:
    rows = app.ledger_recorder.select_filtered(
        IndexFilter(originator_id=ids.task_id(PLAN, number)), limit=1000
    )
    return [p for p, _ in rows]


def _stored_after(app: ParLedger, head: int) -> list[int]:
    """Positions linked after ``head``, in chain order (PostgreSQL's sequence leaves gaps
    where a transaction rolled back, so positions are not always consecutive)."""
    _, size = app.ledger_recorder.chain_extent()
    return [p for p, _ in app.ledger_recorder.select_leaves(size) if p > head]


def _chain_is_whole(app: ParLedger, stored: list[int]) -> None:
    """The chain verifies, and links exactly the positions the commands were answered with,
    in position order."""
    report = verify(app.ledger_recorder)
    assert report.ok, report.problems
    links, size = app.ledger_recorder.chain_extent()
    assert links == size
    assert sorted(stored) == _stored_after(app, min(stored) - 1)
    assert report.last_position == max(stored)


def test_queued_commands_are_appended_in_one_batch_each_with_its_positions(
    app: ParLedger, leaves: list[str], db_url: str
) -> None:
    head = app.recorder.max_notification_id() or 0
    calls = [(ctx(), _progress(n, f"báo cáo {n}")) for n in leaves[:7]]
    outcomes = _run(app, db_url, calls[0], calls[1:])
    assert all(isinstance(o, CommandResult) for o in outcomes), outcomes
    assert app.committer.batches == 1
    positions = [p for o in outcomes for p in o.positions]
    assert len(set(positions)) == 7 and min(positions) > head
    for (_, command), outcome in zip(calls, outcomes, strict=True):
        (position,) = outcome.positions
        assert position in _positions_of(app, command.number)
        assert outcome.changes[0].id == ids.task_id(PLAN, command.number)
    _chain_is_whole(app, positions)


def test_a_conflicting_member_gets_its_own_error_and_the_others_are_stored_once(
    app: ParLedger, leaves: list[str], db_url: str
) -> None:
    head = app.recorder.max_notification_id() or 0
    version = app.get_task(PLAN, leaves[1]).version
    # Two commands on one task, both decided at the same version: only one can be appended.
    twins = [(ctx(version=version), _progress(leaves[1], f"bản {i}")) for i in (1, 2)]
    others = [(ctx(), _progress(n, f"báo cáo {n}")) for n in leaves[2:6]]
    outcomes = _run(app, db_url, (ctx(), _progress(leaves[0], "đầu")), [*twins, *others])
    assert app.committer.batches == 0  # the batch failed; its members were appended alone
    first, a, b, *rest = outcomes
    assert isinstance(first, CommandResult)
    assert all(isinstance(o, CommandResult) for o in rest), rest
    assert sorted(type(o).__name__ for o in (a, b)) == ["CommandResult", "Conflict"]
    assert isinstance(a if isinstance(b, CommandResult) else b, Conflict)
    assert app.get_task(PLAN, leaves[1]).version == version + 1
    stored = [p for o in outcomes if isinstance(o, CommandResult) for p in o.positions]
    assert len(set(stored)) == 6 and _stored_after(app, head) == sorted(stored)
    _chain_is_whole(app, stored)


def test_one_key_twice_in_a_batch_is_stored_once_and_retries_replay_it(
    app: ParLedger, leaves: list[str], db_url: str
) -> None:
    head = app.recorder.max_notification_id() or 0
    same = (ctx(key="k-1"), _progress(leaves[1], "một lần"))
    others = [(ctx(key=f"k-{n}"), _progress(n, f"báo cáo {n}")) for n in leaves[2:5]]
    outcomes = _run(app, db_url, (ctx(), _progress(leaves[0], "đầu")), [same, same, *others])
    assert all(isinstance(o, CommandResult) for o in outcomes), outcomes
    _, a, b, *rest = outcomes
    assert a.positions == b.positions and sorted([a.replayed, b.replayed]) == [False, True]
    assert len(_stored_after(app, head)) == 5
    assert len(_positions_of(app, leaves[1])) == 2  # created, and one progress report
    for call, outcome in zip([same, *others], [a, *rest], strict=True):
        again = app.handle(*call)
        assert again.replayed and again.positions == outcome.positions
    _chain_is_whole(app, sorted({p for o in outcomes for p in o.positions}))


@pytest.mark.postgres
def test_a_batch_whose_connection_dies_is_stored_exactly_once(
    postgres_schema: str,
) -> None:
    app = ParLedger(parse_database_url(postgres_schema))
    try:
        plan = bundled_plan(PLAN)
        import_plan(app, plan, ctx())
        numbers = [t.number for t in plan.tasks if t.lead][:6]
        head = app.recorder.max_notification_id() or 0
        schema = parse_qs(urlsplit(postgres_schema).query)["schema"][0]
        table = f'"{schema}"."{app.recorder.events_table_name}"'  # type: ignore[attr-defined]
        outcomes: list[Any] = [None] * len(numbers)

        def run(i: int) -> None:
            try:
                outcomes[i] = app.handle(ctx(key=f"x-{i}"), _progress(numbers[i], "x"))
            except Exception as error:  # judged below
                outcomes[i] = error

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(numbers))]
        with (
            psycopg.connect(POSTGRES_URL) as first_blocker,
            psycopg.connect(POSTGRES_URL) as second_blocker,
            psycopg.connect(POSTGRES_URL, autocommit=True) as admin,
        ):
            first_blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            threads[0].start()
            (alone,) = until(lambda: admin.execute(WAITING_APPEND, ([],)).fetchone())
            for thread in threads[1:]:
                thread.start()
            until(lambda: app.committer.waiting == len(numbers) - 1)
            # A second holder queues for the lock behind the lone append, ahead of the batch.
            holder = threading.Thread(
                target=lambda: second_blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            )
            holder.start()
            until(lambda: admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'LOCK TABLE%%'"
            ).fetchone())  # fmt: skip
            first_blocker.rollback()
            holder.join(timeout=30)
            # The batch's first call waits for the lock: its connection dies there.
            (pid,) = until(lambda: admin.execute(WAITING_APPEND, ([alone],)).fetchone())
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            second_blocker.rollback()
            for thread in threads:
                thread.join(timeout=60)
        assert all(isinstance(o, CommandResult) for o in outcomes), outcomes
        assert app.committer.batches == 0
        assert len(_stored_after(app, head)) == len(numbers)
        for i, number in enumerate(numbers):
            assert len(_positions_of(app, number)) == 2
            again = app.handle(ctx(key=f"x-{i}"), _progress(number, "x"))
            assert again.replayed and again.positions == outcomes[i].positions
        _chain_is_whole(app, sorted({p for o in outcomes for p in o.positions}))
    finally:
        app.close()


def _gathering(db_url: str, milliseconds: int) -> tuple[ParLedger, list[str]]:
    app = ParLedger(
        parse_database_url(db_url), env={"PARLEDGER_GROUP_COMMIT_GATHER_MS": str(milliseconds)}
    )
    plan = bundled_plan(PLAN)
    import_plan(app, plan, ctx())
    return app, [t.number for t in plan.tasks if t.lead]


def _timed(app: ParLedger, number: str) -> float:
    started = time.monotonic()
    app.handle(ctx(), _progress(number, "một mình"))
    return time.monotonic() - started


def test_concurrent_clients_are_gathered_into_one_commit(db_url: str) -> None:
    """After a batch of four, the next leader waits for as many: four clients arriving
    together are one commit, not one alone and then three (two fsyncs where one does)."""
    app, leaves = _gathering(db_url, 3000)
    try:
        _run(app, db_url, (ctx(), _progress(leaves[0], "đầu")), [
            (ctx(), _progress(n, "lô")) for n in leaves[1:5]
        ])  # fmt: skip
        batches = app.committer.batches
        outcomes: list[Any] = [None] * 4

        def run(i: int) -> None:
            outcomes[i] = app.handle(ctx(), _progress(leaves[5 + i], "cùng lúc"))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert all(isinstance(o, CommandResult) for o in outcomes), outcomes
        assert app.committer.batches == batches + 1 and app.committer.last_size == 4
        _chain_is_whole(app, [p for o in outcomes for p in o.positions])
    finally:
        app.close()


def test_one_client_never_waits_and_after_a_burst_waits_once(db_url: str) -> None:
    app, leaves = _gathering(db_url, 1000)
    try:
        assert max(_timed(app, n) for n in leaves[:5]) < 0.5  # alone from the start
        _run(app, db_url, (ctx(), _progress(leaves[0], "đầu")), [
            (ctx(), _progress(n, "lô")) for n in leaves[1:4]
        ])  # fmt: skip
        # The first lone command after the batch waits for company that does not come;
        # the next expects no one.
        assert _timed(app, leaves[5]) >= 0.9
        assert max(_timed(app, n) for n in leaves[6:10]) < 0.5
    finally:
        app.close()
