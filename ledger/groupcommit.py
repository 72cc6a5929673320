"""Group commit: concurrent commands of one process share a transaction (one fsync).

A leader/follower committer. Whoever arrives while no commit is in flight leads at once, so
a lone command stays one round trip. Whoever arrives while a commit is in flight queues;
when the commit ends, the leader hands the whole queue to its first member, which appends it
in one transaction (the recorder's ``insert_batch``: events, index rows, command rows and
chain links of every member in order) and answers each member with its own positions.

If the batch's transaction fails, nothing of it was stored (or, if the connection died after
the server's commit, all of it was), and each member is appended again alone: the member
that made the batch fail gets its own error (a version conflict, an idempotency key met
again), the others are stored, and a member whose events were in fact stored meets them as a
conflict, which ``LedgerCore.execute`` answers with the first outcome when it has a key —
the same path as a lost acknowledgement of a single command. None is lost or stored twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

# (stored events, recorder keyword arguments) of one command.
Member = tuple[Sequence[StoredEvent], dict[str, Any]]
AppendOne = Callable[[Sequence[StoredEvent], dict[str, Any]], Sequence[int]]
AppendMany = Callable[[Sequence[Member]], list[Sequence[int]]]


class _Waiter:
    """One command waiting for its append: its input, then its positions or its error."""

    __slots__ = ("batch", "done", "error", "events", "ids", "kwargs")

    def __init__(self, events: Sequence[StoredEvent], kwargs: dict[str, Any]):
        self.events = events
        self.kwargs = kwargs
        self.ids: Sequence[int] = ()
        self.error: BaseException | None = None
        self.done = threading.Event()  # set once: the outcome is in, or "lead this batch"
        self.batch: list[_Waiter] | None = None


class GroupCommitter:
    """Appends each submitted command, batching those that arrive while a commit runs."""

    def __init__(self, append_one: AppendOne, append_many: AppendMany, gather: float = 0.0):
        self._append_one = append_one
        self._append_many = append_many
        self._lock = threading.Lock()
        self._arrivals = threading.Condition(self._lock)
        self._queue: list[_Waiter] = []
        self._busy = False
        self.gather = gather  # seconds a leader may wait for the batch it expects
        self._sizes = (1, 1)  # the last two batches' sizes: what a leader expects
        self.batches = 0  # batches of more than one command appended together (for tests)

    @property
    def busy(self) -> bool:
        """Whether a commit is in flight (a command arriving now queues)."""
        return self._busy

    @property
    def last_size(self) -> int:
        """How many commands the last commit appended (for tests)."""
        return self._sizes[1]

    @property
    def waiting(self) -> int:
        """How many commands are queued behind the commit in flight."""
        with self._lock:
            return len(self._queue)

    def submit(self, events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Sequence[int]:
        """Append one command's events; its notification ids, or its own error."""
        me = _Waiter(events, kwargs)
        with self._lock:
            if self._busy:
                self._queue.append(me)
                self._arrivals.notify()
            else:
                self._busy = True
                me.batch = [me]
        if me.batch is None:
            me.done.wait()
        if me.batch is not None:  # leading: our own command alone, or a handed-over queue
            try:
                self._gather(me.batch)
                self._commit(me.batch)
            finally:
                self._hand_on()
        if me.error is not None:
            raise me.error
        return me.ids

    def _gather(self, batch: list[_Waiter]) -> None:
        """Under concurrency, wait up to ``gather`` seconds for as many commands as the
        last batches held, and take whatever queued meanwhile into ``batch``. Committing at
        once split concurrent clients into two alternating batches (the first to arrive
        alone, then all the others): two commits where one does. One client alone expects
        no one and never waits; a wait that comes up short resets what the next expects."""
        with self._lock:
            expected = max(self._sizes)
            short = False
            if self.gather > 0:
                deadline = time.monotonic() + self.gather
                while len(batch) + len(self._queue) < expected:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        short = True
                        break
                    self._arrivals.wait(left)
            batch += self._queue
            self._queue = []
            # Waited in vain: expect no more than came (one lone command pays the wait).
            self._sizes = (len(batch), len(batch)) if short else (self._sizes[1], len(batch))

    def _hand_on(self) -> None:
        """Give whatever queued meanwhile to its first member to lead, or stand down."""
        with self._lock:
            if not self._queue:
                self._busy = False
                return
            batch, self._queue = self._queue, []
        batch[0].batch = batch
        batch[0].done.set()

    def _commit(self, batch: list[_Waiter]) -> None:
        try:
            if len(batch) > 1:
                try:
                    found = self._append_many([(w.events, w.kwargs) for w in batch])
                except Exception:
                    # Nothing of the batch is known to be stored: each alone, its own error.
                    for waiter in batch:
                        self._alone(waiter)
                else:
                    self.batches += 1
                    for waiter, ids in zip(batch, found, strict=True):
                        waiter.ids = ids
            else:
                self._alone(batch[0])
        finally:
            for waiter in batch[1:]:
                waiter.done.set()

    def _alone(self, waiter: _Waiter) -> None:
        try:
            waiter.ids = self._append_one(waiter.events, waiter.kwargs)
        except BaseException as error:  # handed to the command's own thread, raised there
            waiter.error = error
