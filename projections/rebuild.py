"""Rebuilding the live view from the whole log: folded into the shadow table, then promoted.

A long log is folded by several processes at once, each over the originators of one part
(``persistence.records.part_of``). Every event changes only its own originator's document
(``projections.state.apply_one``), so the parts' documents are disjoint and together they are
the fold of the whole log, whichever part finishes first. The database picks each part's rows,
so a worker reads, decodes and folds only its own events. The parts save their documents
without a position; once every part has reached the same position, the rebuild records it, and
the shadow is folded on to the head and promoted as a one-process rebuild's is. A part that
fails fails the rebuild: the live view is untouched, and the next rebuild clears the shadow.

Workers are new processes (``projections.partworker``), not forks: the parent may hold
database connections and threads, which a forked child must not share; and they import the
fold and the store only, not the application or the caller's main module.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Tracking

from ledger.application import ParLedger
from ledger.errors import Conflict
from persistence.settings import ConfigurationError
from persistence.viewstore import LedgerView
from projections import live, partworker
from projections.catchup import DOCS_KEPT, Progress
from projections.state import LedgerState

WORKERS_ENV = "PARLEDGER_REBUILD_WORKERS"
MAX_WORKERS = 16
# Documents' worth of memory (~5 KB each) a worker takes before it holds any (~40 MiB), and
# its share of the parent's, which keeps the application loaded meanwhile.
WORKER_ROOM = 15_000
PARALLEL_FROM = 200_000  # events: below, starting the workers (~0.3 s) outweighs their help

OnProgress = Callable[[Progress], None]


class RebuildFailed(RuntimeError):
    """A part's process ended without finishing its part (killed, out of memory …)."""


def workers_for(app: ParLedger, events: int) -> int:
    """How many processes fold a log of ``events``: ``PARLEDGER_REBUILD_WORKERS`` when set,
    else, on SQLite, one per CPU (at most four); one for a short log, for a store only this
    process sees, and by default on PostgreSQL. There the server does about half the work of a
    rebuild: measured at 1M events on a 2-CPU machine that also ran the server, two parts
    folded 33,000 events/s against 50,000 for one process. With a server on cores of its own,
    set the workers."""
    text = app.env.get(WORKERS_ENV) or os.environ.get(WORKERS_ENV)
    if text:
        try:
            asked = int(text)
        except ValueError:
            asked = 0
        if not 1 <= asked <= MAX_WORKERS:
            raise ConfigurationError(
                f"{WORKERS_ENV}: cần một số nguyên từ 1 đến {MAX_WORKERS}, không phải {text!r}"
            )
        return asked if app.database.backend in ("sqlite", "postgres") else 1
    if events < PARALLEL_FROM or app.database.backend != "sqlite":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def rebuild(
    app: ParLedger, *, on_progress: OnProgress | None = None, workers: int | None = None
) -> Progress:
    """Fold the whole log into the shadow table and promote it over the live view, dropping
    the checkpoints (replay's to make again: ``replay.engine.rebuild`` does both). Readers and
    writers of a running server go on meanwhile; they see the old view, then the new one.
    ``workers`` overrides :func:`workers_for`."""
    view = live.view_for(app)
    shadow, name = view.shadow(), app.name + live.SHADOW
    shadow.clear(name)
    head = int(app.recorder.max_notification_id() or 0)
    count = workers_for(app, head) if workers is None else workers
    state = LedgerState()
    # Other processes see only a store on disk or on a server, never one in this memory.
    if count > 1 and head > 0 and app.database.backend in ("sqlite", "postgres"):
        progress = _fold_parts(app, shadow, name, head, count, on_progress)
    else:
        progress = live.catch_up(app, shadow, on_progress=on_progress, state=state, name=name)
    for _ in range(live.PROMOTE_ATTEMPTS):
        if view.promote(name, app.name):
            return progress
        # The live view moved past the shadow meanwhile: fold the shadow on, try again.
        more = live.catch_up(app, shadow, state=state, name=name)
        progress = Progress(
            progress.done + more.done,
            progress.total + more.total,
            more.elapsed,
            progress.worker_rss_mib,
        )
    raise Conflict("khung nhìn trực tiếp liên tục tiến trước bản dựng lại; hãy chạy lại lệnh")


def _fold_parts(
    app: ParLedger,
    shadow: LedgerView,
    name: str,
    upto: int,
    count: int,
    on_progress: OnProgress | None,
) -> Progress:
    """The log up to ``upto`` folded into ``shadow`` by ``count`` processes, one part each;
    then the position recorded under ``name``, as a one-process fold would have."""
    # The documents held in memory are shared out, less what each process costs by itself
    # (WORKER_ROOM), so that the processes together use about what one would.
    kept = max(DOCS_KEPT // count - WORKER_ROOM, 2_000)
    env = {k: v for k, v in app.env.items() if isinstance(v, str)}
    answers: queue.Queue[tuple[int, tuple[Any, ...]]] = queue.Queue()
    workers: list[subprocess.Popen[bytes]] = []
    started = time.perf_counter()
    reached = [0] * count
    finished: dict[int, tuple[int, float]] = {}
    try:
        for i in range(count):
            task = {
                "env": env,
                "backend": app.database.backend,
                "part": (i, count),
                "upto": upto,
                "kept": kept,
            }
            worker = subprocess.Popen(
                [sys.executable, "-c", partworker.LAUNCH],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            workers.append(worker)
            assert worker.stdin is not None
            try:
                pickle.dump(sys.path, worker.stdin)
                pickle.dump(task, worker.stdin)
                worker.stdin.close()
            except BrokenPipeError:  # it died at once: its relay says so
                pass
            threading.Thread(target=_relay, args=(i, worker, answers), daemon=True).start()
        while len(finished) < count:
            i, answer = answers.get()
            if answer[0] == "failed":
                raise answer[1]
            if answer[0] == "gone":
                code = workers[i].wait()
                raise RebuildFailed(
                    f"dựng lại khung nhìn thất bại: tiến trình phần {i + 1}/{count} dừng bất "
                    f"thường (mã thoát {code}); khung nhìn trực tiếp không đổi"
                )
            if answer[0] == "done":
                finished[i] = (answer[1], answer[2])
                reached[i] = upto
            else:
                reached[i] = answer[1]
            if on_progress:
                on_progress(Progress(min(reached), upto, time.perf_counter() - started))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
    shadow.save([], Tracking(name, upto))
    done = sum(found[0] for found in finished.values())
    rss = tuple(finished[i][1] for i in range(count))
    return Progress(done, upto, time.perf_counter() - started, rss)


def _relay(
    part: int, worker: subprocess.Popen[bytes], answers: queue.Queue[tuple[int, tuple[Any, ...]]]
) -> None:
    """A worker's answers, as they come, onto ``answers``; ``gone`` if it ends without
    having said it was done or failed."""
    assert worker.stdout is not None
    last: tuple[Any, ...] = ("gone",)
    try:
        while True:
            last = pickle.load(worker.stdout)
            answers.put((part, last))
    except (EOFError, pickle.UnpicklingError, OSError):
        pass
    if last[0] not in ("done", "failed"):
        answers.put((part, ("gone",)))
