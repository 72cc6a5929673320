"""The projection worker: the live view kept at the head exactly once, across restarts and
with two workers racing on the same log; reads that no longer fold inside a request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.settings import parse_database_url
from projections import live
from projections.worker import Report, Worker
from replay.readmodel import ReadModel
from tests.conftest import ctx
from tests.factories import late_dossier, small_plan
from tests.scale.processes import PARLEDGER, ROOT
from tests.waiting import until

PLAN = "thu-nghiem-2023"


def _dossiers(app: ParLedger, first: int, count: int) -> None:
    for number in range(first, first + count):
        app.handle(
            ctx(),
            late_dossier(
                f"HS-{number:04d}", date(2023, 5, 2), date(2023, 5, 9), procedure="Cấp phép"
            ),
        )


def _caught_up(app: ParLedger, head: int) -> Callable[[], bool]:
    """The view at the head of the log, at or past ``head``: the worker records obligations
    (``ledger.obligations``) for the events up to ``head``, and folds those too."""

    def done() -> bool:
        position = app.view.max_tracking_id(app.name) or 0
        return position >= head and position == int(app.recorder.max_notification_id() or 0)

    return done


def test_the_worker_keeps_the_view_at_the_head_and_resumes(app: ParLedger) -> None:
    import_plan(app, small_plan(), ctx())
    reports: list[Report] = []
    worker = Worker(app, poll=0.05, on_report=reports.append)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        _dossiers(app, 1, 10)
        head = int(app.recorder.max_notification_id() or 0)
        until(_caught_up(app, head), 60)
    finally:
        worker.stop()
        thread.join(10)
    _dossiers(app, 11, 5)  # while no worker runs
    again = Worker(app, poll=0.05, on_report=reports.append)
    again.run(once=True)  # resumes from the tracking position
    checked = live.status(app)
    assert checked["lag"] == 0 and checked["consistent"], checked["problems"]
    applied = [p for r in reports for page in r.applied for p in range(page[0], page[1] + 1)]
    assert len(applied) == len(set(applied))  # nothing applied twice
    assert (again.step() or reports[-1]).lag == 0


def test_reads_do_not_fold_inside_the_request_when_a_worker_keeps_the_view(
    app: ParLedger,
) -> None:
    import_plan(app, small_plan(), ctx())
    Worker(app).run(once=True)
    served = ReadModel(app, catch_up=False)
    at = served.position()
    _dossiers(app, 1, 3)
    assert served.position() == at  # the read serves the view where the worker left it
    assert (app.view.max_tracking_id(app.name) or 0) == at
    Worker(app).run(once=True)
    assert served.position() == int(app.recorder.max_notification_id() or 0)


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*PARLEDGER, "projections", "run", "--poll", "0.05"],
        env={**os.environ, "PARLEDGER_DATABASE_URL": url, "POSTGRES_POOL_SIZE": "1"},
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.DEVNULL,
    )


def test_two_workers_racing_apply_each_event_once(db_url: str, tmp_path: Path) -> None:
    """Two worker processes on one log; the one holding the lease is killed midway (no
    release: the other takes over when the lease expires), then started again."""
    app = ParLedger(parse_database_url(db_url))
    try:
        import_plan(app, small_plan(), ctx())
        logs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"]
        workers = [_start_worker(db_url, logs[0]), _start_worker(db_url, logs[1])]
        try:
            _dossiers(app, 1, 15)
            until(lambda: any(log.read_text() for log in logs[:2]), 60)
            holder = next(i for i, log in enumerate(logs[:2]) if log.read_text())
            workers[holder].send_signal(signal.SIGKILL)
            workers[holder].wait()
            _dossiers(app, 16, 15)
            workers.append(_start_worker(db_url, logs[2]))
            _dossiers(app, 31, 10)
            head = int(app.recorder.max_notification_id() or 0)
            until(_caught_up(app, head), 90)
        finally:
            for process in workers:
                if process.poll() is None:
                    process.terminate()
                    process.wait(10)
        pages = [
            tuple(page)
            for log in logs
            for line in log.read_text().splitlines()
            for page in json.loads(line)["applied"]
        ]
        positions = [n.id for n in app.recorder.select_notifications(start=1, limit=10_000)]
        covered = [p for p in positions if any(first <= p <= last for first, last in pages)]
        assert covered == positions  # every event applied ...
        assert sum(last - first for first, last in pages) + len(pages) >= len(positions)
        for i, (first, last) in enumerate(sorted(pages)[1:]):  # ... and by one page only
            assert first > sorted(pages)[i][1], (sorted(pages)[i], (first, last))
        checked = live.status(app)
        assert checked["lag"] == 0 and checked["consistent"], checked["problems"]
    finally:
        app.close()
