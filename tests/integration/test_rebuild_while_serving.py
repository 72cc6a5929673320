"""``parledger projections rebuild`` while a server's readers and writers go on (issue 12).

Writer threads record progress on tasks of the Cát Hải plan; reader threads read the plan's
present state through the read model a server uses; meanwhile the CLI rebuilds the view in
processes of its own, several times. Every read must be complete (every task, target, area,
agency of the plan, none half-written) and never older than what was acknowledged before it
began; afterwards the view must equal the log folded from scratch, and ``projections status``
must say so. A view damaged behind the tracking table's back is found by ``status`` and
repaired by a rebuild.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from domain import ids
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from projections import live
from projections.state import LedgerState, fold
from replay.readmodel import ReadModel
from tests.cat_hai import PLAN, seed
from tests.conftest import ctx

WRITTEN = ("3", "7", "12")  # tasks the writers report progress on
REBUILDS = 3
PARLEDGER = str(Path(sys.executable).with_name("parledger"))


def _cli(
    url: str, *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEDGER_DATABASE_URL": url, **(env or {})}
    return subprocess.run(
        [PARLEDGER, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _serving_app(url: str) -> ParLedger:
    """A server's ledger: the tables exist already (created by the seeding app)."""
    database = parse_database_url(url)
    database.env["CREATE_TABLE"] = "no"
    return ParLedger(database)


def _versions(state: LedgerState) -> dict[str, int]:
    by_number = {d["number"]: d for d in state.kind("tasks").values() if d.get("plan") == PLAN}
    return {n: int(by_number[n]["version"]) for n in WRITTEN}


class Serving:
    """Writers and readers on connections of their own, as a server's would be."""

    def __init__(self, url: str, shape: Counter[str]) -> None:
        self.url = url
        self.shape = shape  # documents per kind a complete read holds
        self.acked = dict.fromkeys(WRITTEN, 0)  # the newest acknowledged version per task
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reads = 0
        self.writes = 0
        self.failures: list[str] = []

    def write(self, number: str) -> None:
        app = _serving_app(self.url)
        try:
            percent = 0
            while not self.stop.is_set():
                percent = percent % 99 + 1
                app.handle(
                    ctx(),
                    ReportTaskProgress(
                        plan=PLAN, number=number, percent=percent, note=f"{percent}"
                    ),
                )
                version: int = app.repository.get(ids.task_id(PLAN, number)).version
                with self.lock:
                    self.acked[number] = max(self.acked[number], version)
                    self.writes += 1
        except Exception as error:
            self.failures.append(f"writer {number}: {type(error).__name__}: {error}")

    def read(self) -> None:
        app = _serving_app(self.url)
        model = ReadModel(app)
        try:
            while not self.stop.is_set():
                with self.lock:
                    floor = dict(self.acked)
                state = model.snapshot(PLAN).state
                shape = Counter({k: len(v) for k, v in state.docs.items() if v})
                if shape != self.shape:
                    self.failures.append(f"incomplete read: {dict(shape)} != {dict(self.shape)}")
                stale = {n: v for n, v in _versions(state).items() if v < floor[n]}
                if stale:
                    self.failures.append(f"stale read: {stale} older than acknowledged {floor}")
                with self.lock:
                    self.reads += 1
        except Exception as error:
            self.failures.append(f"reader: {type(error).__name__}: {error}")


def _folded(app: ParLedger) -> dict[str, dict[str, Any]]:
    events = app.recorder.select_notifications(start=1, limit=10**7)
    state = fold((n.id, app.mapper.to_domain_event(n)) for n in events)
    return state.docs


def test_rebuild_while_writers_and_readers_run(db_url: str) -> None:
    app = ParLedger(parse_database_url(db_url))
    seed(app)
    first = ReadModel(app).snapshot(PLAN).state
    serving = Serving(db_url, Counter({k: len(v) for k, v in first.docs.items() if v}))
    threads = [threading.Thread(target=serving.write, args=(n,)) for n in WRITTEN]
    threads += [threading.Thread(target=serving.read) for _ in range(2)]
    for thread in threads:
        thread.start()
    rebuilt = []
    try:
        time.sleep(0.5)
        for n in range(REBUILDS):
            # One process, then parts folded by two and three (projections.rebuild).
            workers = {"PARLEDGER_REBUILD_WORKERS": str(n + 1)}
            result = _cli(db_url, "projections", "rebuild", "--format", "json", env=workers)
            assert result.returncode == 0, result.stderr
            rebuilt.append(json.loads(result.stdout)["events"])
        reads_during = serving.reads
    finally:
        serving.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    print(
        f"\nrebuild while serving: {REBUILDS} rebuilds of {rebuilt} events, "
        f"{reads_during} reads checked during them, {serving.writes} writes acknowledged"
    )
    assert not serving.failures, serving.failures[:5]
    assert reads_during > 0 and serving.writes > 0

    after = ReadModel(app).snapshot(PLAN)
    assert _versions(after.state) == serving.acked
    assert live.stored_state(app).docs == _folded(app)
    found = live.status(app)
    assert found["consistent"] is True and found["lag"] == 0, found
    app.close()


def test_status_finds_a_damaged_view_and_rebuild_repairs_it(db_url: str) -> None:
    app = ParLedger(parse_database_url(db_url))
    seed(app)
    assert live.catch_up(app).done > 0
    rows = app.view.load()
    # Damage as the issue saw it: documents lost while the tracking position stays at the head.
    kept = {(k, key) for k, key, _ in rows[:5]}
    datastore: Any = app.recorder.datastore  # type: ignore[attr-defined]
    schema = getattr(datastore, "schema", None)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {f'{schema}.' if schema else ''}parledger_view_docs")
    app.view.save([r for r in rows if (r[0], r[1]) in kept], None)
    status = _cli(db_url, "projections", "status", "--format", "json")
    found = json.loads(status.stdout)
    assert status.returncode == 1, status.stderr
    assert found["lag"] == 0 and found["consistent"] is False
    assert found["problem_count"] == len(rows) - 5
    text = _cli(db_url, "projections", "status")
    assert "KHÔNG KHỚP" in text.stdout and "projections rebuild" in text.stdout

    assert _cli(db_url, "projections", "rebuild").returncode == 0
    status = _cli(db_url, "projections", "status", "--format", "json")
    assert status.returncode == 0 and json.loads(status.stdout)["consistent"] is True
    assert live.stored_state(app).docs == _folded(app)
    app.close()


def test_status_as_of_is_vietnam_date(db_url: str) -> None:
    """``as_of`` is Vietnam's date, whatever the machine's zone: run where it is another day."""
    vn_now = datetime.now(VN_TZ)
    # UTC-12 is another date than Việt Nam (UTC+7) before 19:00 there, UTC+14 from 17:00 on.
    zone = "Etc/GMT+12" if vn_now.hour < 18 else "Etc/GMT-14"
    env = {**os.environ, "PARLEDGER_DATABASE_URL": db_url, "TZ": zone}
    result = subprocess.run(
        [PARLEDGER, "projections", "status", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["as_of"] == datetime.now(VN_TZ).date().isoformat()
