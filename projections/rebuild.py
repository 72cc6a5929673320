"""Rebuilding the live view from the whole log: folded into the shadow table, then promoted.

A long log is folded by several processes at once, each over the originators of one part
(``persistence.records.part_of``). Every event changes only its own originator's document
(``projections.state.apply_one``), so the parts' documents are disjoint and together they are
the fold of the whole log, whichever part finishes first. The database picks each part's rows,
so a worker reads, decodes and folds only its own events. The parts save their documents
without a position; once every part has reached the same position, the rebuild records it, and
the shadow is folded on to the head and promoted as a one-process rebuild's is. A part that
fails fails the rebuild: the live view is untouched, and the next rebuild clears the shadow.

Workers are started fresh (``spawn``): the parent may hold database connections and threads,
which a forked child must not share. As with any ``spawn``, a script that rebuilds must keep
its top-level code under ``if __name__ == "__main__":`` (each worker imports it again).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking

from ledger.application import ParLedger
from ledger.errors import Conflict
from persistence.settings import ConfigurationError, Database
from persistence.viewstore import LedgerView
from projections import live
from projections.live import Progress
from projections.state import LedgerState

WORKERS_ENV = "PARLEDGER_REBUILD_WORKERS"
MAX_WORKERS = 16
PARALLEL_FROM = 200_000  # events: a shorter log is folded faster than a worker starts (~0.7 s)
WAIT = 1.0  # seconds between looks at the workers while none answers

OnProgress = Callable[[Progress], None]


class RebuildFailed(RuntimeError):
    """A part's process ended without finishing its part (killed, out of memory …)."""


def workers_for(app: ParLedger, events: int) -> int:
    """How many processes fold a log of ``events``: ``PARLEDGER_REBUILD_WORKERS`` when set,
    else one per CPU (at most four); one for a short log or a store only this process sees."""
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
    if events < PARALLEL_FROM or app.database.backend not in ("sqlite", "postgres"):
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
    if count > 1 and head > 0:
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
    context = multiprocessing.get_context("spawn")
    replies: Any = context.Queue()
    # The documents held in memory are shared out, so the processes together hold no more
    # than one would.
    kept = max(live.DOCS_KEPT // count, 1_000)
    env = {k: v for k, v in app.env.items() if isinstance(v, str)}
    workers = [
        context.Process(
            target=_fold_part,
            args=(app.database, env, (i, count), upto, kept, replies),
            name=f"parledger-rebuild-{i}-of-{count}",
            daemon=True,
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    reached = [0] * count
    finished: dict[int, tuple[int, float]] = {}
    try:
        for worker in workers:
            worker.start()
        while len(finished) < count:
            try:
                reply = replies.get(timeout=WAIT)
            except queue.Empty:
                _check_alive(workers, finished, replies)
                continue
            kind, part, *rest = reply
            if kind == "failed":
                raise rest[0]
            if kind == "done":
                finished[part] = (rest[0], rest[1])
                reached[part] = upto
            else:
                reached[part] = rest[0]
            if on_progress:
                elapsed = time.perf_counter() - started
                on_progress(Progress(min(reached), upto, elapsed))
    finally:
        for worker in workers:
            if worker.pid is None:  # never started
                continue
            if worker.is_alive():
                worker.terminate()
            worker.join()
    shadow.save([], Tracking(name, upto))
    done = sum(found[0] for found in finished.values())
    rss = tuple(finished[i][1] for i in range(count))
    return Progress(done, upto, time.perf_counter() - started, rss)


def _check_alive(
    workers: Sequence[multiprocessing.process.BaseProcess],
    finished: dict[int, tuple[int, float]],
    replies: Any,
) -> None:
    """Raise if a part's process ended without its answer (a clean exit always sends it
    first, so only a failed one can be gone unanswered)."""
    for i, worker in enumerate(workers):
        if i in finished or worker.is_alive() or worker.exitcode == 0:
            continue
        try:  # an answer sent just before dying is still worth reading
            kind, part, *rest = replies.get(timeout=WAIT)
        except queue.Empty:
            raise RebuildFailed(
                f"dựng lại khung nhìn thất bại: tiến trình phần {i + 1}/{len(workers)} dừng "
                f"bất thường (mã thoát {worker.exitcode}); khung nhìn trực tiếp không đổi"
            ) from None
        if kind == "failed":
            raise rest[0]
        replies.put((kind, part, *rest))  # someone else's: read again by the loop
        return


def _fold_part(
    database: Database,
    env: dict[str, str],
    part: tuple[int, int],
    upto: int,
    kept: int,
    replies: Any,
) -> None:
    """One worker: its part of the log up to ``upto`` folded into the shadow table."""
    try:
        app = ParLedger(database, env)
        try:
            progress = live.fold_into(
                app,
                app.view.shadow(),
                None,
                None,
                None,
                LedgerState(),
                lambda first, last: replies.put(("page", part[0], last)),
                upto=upto,
                part=part,
                kept=kept,
            )
        finally:
            app.close()
        replies.put(("done", part[0], progress.done, _peak_rss_mib()))
    except BaseException as error:  # reported to the parent, which raises it
        replies.put(("failed", part[0], _portable(error)))


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a plain error with its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RebuildFailed(f"{type(error).__name__}: {error}")
    return error


def _peak_rss_mib() -> float:
    """This process's peak resident memory (Linux), for the benchmark; NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
