"""A rebuild's worker process: one part of the log folded into the shadow table.

``projections.rebuild`` starts it with ``python -c`` (:data:`LAUNCH`), so nothing of the
parent's main module is imported again, as a ``multiprocessing`` child would; it reads the
parent's ``sys.path`` then its task from standard input (pickled) and answers on what was
standard output (pickled: one ``page`` per save, then ``done`` or ``failed``). Anything else it
prints goes to standard error. It imports the fold and the store, nothing of the use cases, so
it starts in a fraction of the application's time and memory.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any, BinaryIO

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from ledger.transcodings import register_ledger_transcodings
from persistence.records import LedgerRecorder
from persistence.viewstore import LedgerView, view_class
from projections.catchup import fold_into
from projections.state import LedgerState

LAUNCH = (
    "import pickle, sys; sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from projections.partworker import main; main()"
)


class FoldSource(Application[Any]):
    """The ledger's recorder and mapper, as the application makes them from the same
    settings, without the application."""

    name = "parledger"  # as ``ledger.core.LedgerCore``: the same settings apply

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        assert isinstance(self.recorder, LedgerRecorder)
        return self.recorder

    def shadow(self, backend: str) -> LedgerView:
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        return view_class(backend)(datastore).shadow()


def main() -> None:
    """The worker's whole life: the task read, the part folded, every answer written."""
    replies = _private_stdout()
    task: dict[str, Any] = pickle.load(sys.stdin.buffer)

    def reply(*message: Any) -> None:
        pickle.dump(message, replies)
        replies.flush()

    try:
        source = FoldSource(env=task["env"])
        try:
            progress = fold_into(
                source,
                source.shadow(task["backend"]),
                None,
                None,
                None,
                LedgerState(),
                lambda first, last: reply("page", last),
                upto=task["upto"],
                part=task["part"],
                kept=task["kept"],
            )
        finally:
            source.close()
        reply("done", progress.done, peak_rss_mib())
    except BaseException as error:  # the parent raises it
        reply("failed", portable(error))
        raise SystemExit(1) from None


def _private_stdout() -> BinaryIO:
    """The answers' channel: the file standard output was; standard output itself then goes
    to standard error, so that nothing printed can corrupt an answer."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a plain error with its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def peak_rss_mib() -> float:
    """This process's peak resident memory (Linux), for the benchmark; NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
