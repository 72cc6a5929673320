"""The projection worker (``parledger projections run``): keeps the live view at the head of the
log outside the API processes, so reads never fold events inside a request.

It follows the notification log (PostgreSQL: LISTEN on the channel ``parledger_append``
notifies, with polling as the fallback when no notification comes or the listening connection
is lost; SQLite: polling) and folds new events page by page, the documents a few pages changed
saved with the tracking position reached in one transaction (``projections.live``): a worker
stopped anywhere resumes from the tracking position and applies nothing twice.

Before folding, the worker runs the obligations process (``ledger.obligations``) on the new
events, and sweeps for obligations whose due moment passed once a minute, under the same lease.

Several workers may run for availability: a lease in the database (schema version 2) lets one
work while the others wait, renewed after each save and taken over when its holder stops
renewing. Should two ever fold at once (a lease expired under a stalled holder), the tracking
table still refuses the second save of a position: the loser's save is rolled back whole.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.persistence import IntegrityError, OperationalError
from psycopg.sql import SQL, Identifier

from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from persistence.shared import SharedState
from projections import live

LEASE = "projections:" + live.NAME
LEASE_SECONDS = 5.0
SWEEP_SECONDS = 60.0  # how often the worker records obligations whose due moment passed


class LeaseLost(Exception):
    """Another worker holds the view now: stop folding at this page."""


@dataclass(frozen=True)
class Report:
    """One step of the worker: where the view stands and what this worker applied."""

    holder: str
    position: int
    head: int
    applied: tuple[tuple[int, int], ...]  # (first, last) position of each save

    @property
    def lag(self) -> int:
        return self.head - self.position

    def as_json(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "position": self.position,
            "head": self.head,
            "lag": self.lag,
            "applied": [list(page) for page in self.applied],
        }


class Worker:
    def __init__(
        self,
        app: ParLedger,
        *,
        poll: float = 0.5,
        holder: str | None = None,
        on_report: Callable[[Report], None] | None = None,  # after each save
        sweep_every: float = SWEEP_SECONDS,
    ) -> None:
        self.app, self.poll, self.on_report = app, poll, on_report
        self.view = app.view
        datastore = app.recorder.datastore  # type: ignore[attr-defined]
        self.shared = SharedState(datastore, app.database.backend)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.obligations = ObligationsProcess(app)
        self.sweep_every = sweep_every
        self._next_sweep = 0.0
        self._listener: psycopg.Connection[Any] | None = None

    def stop(self) -> None:
        self.stopping.set()

    def run(self, *, once: bool = False) -> None:
        """Work until :meth:`stop` (or, with ``once``, until the view is at the head)."""
        try:
            while not self.stopping.is_set():
                report = self.step()
                if once and report is not None and report.lag == 0:
                    return
                if report is None or report.lag == 0:
                    self._wait()
        finally:
            with contextlib.suppress(Exception):
                self.shared.release_lease(LEASE, self.holder)
            self._close_listener()

    def step(self) -> Report | None:
        """Catch the view up if this worker holds the lease; None if another does."""
        try:
            if not self.shared.take_lease(LEASE, self.holder, LEASE_SECONDS):
                return None
            applied: list[tuple[int, int]] = []

            def saved(first: int, last: int) -> None:
                # Told at once, save by save: a worker killed later has still said it.
                applied.append((first, last))
                if self.on_report:
                    head = int(self.app.recorder.max_notification_id() or 0)
                    self.on_report(Report(self.holder, last, head, ((first, last),)))
                if not self.shared.take_lease(LEASE, self.holder, LEASE_SECONDS):
                    raise LeaseLost

            with contextlib.suppress(IntegrityError):
                self._obligations()
            with contextlib.suppress(LeaseLost, IntegrityError):
                live.catch_up(self.app, self.view, on_page=saved)
            return Report(
                self.holder,
                self.view.max_tracking_id(self.app.name) or 0,
                int(self.app.recorder.max_notification_id() or 0),
                tuple(applied),
            )
        except OperationalError:
            return None  # the database is away: wait and try again

    def _obligations(self) -> None:
        """The obligations process on the new events, and a sweep for misses at most every
        ``sweep_every`` seconds (the clock moves without any event)."""
        if time.monotonic() >= self._next_sweep:
            self.obligations.sweep()  # runs the process first
            self._next_sweep = time.monotonic() + self.sweep_every
        else:
            self.obligations.run()

    # -- waiting for new events -------------------------------------------------------------

    def _wait(self) -> None:
        listener = self._listen()
        if listener is None:
            self.stopping.wait(self.poll)
            return
        try:
            for _ in listener.notifies(timeout=self.poll, stop_after=1):
                pass
        except psycopg.Error:
            self._close_listener()  # polling until it can listen again

    def _listen(self) -> psycopg.Connection[Any] | None:
        if self.app.database.backend != "postgres":
            return None
        if self._listener is None or self._listener.closed:
            datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
            kwargs = {k: v for k, v in dict(datastore.pool.kwargs).items() if k != "row_factory"}
            try:
                conn = psycopg.connect(**kwargs, autocommit=True)
                channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
                conn.execute(SQL("LISTEN {}").format(Identifier(channel)))
            except psycopg.Error:
                return None
            self._listener = conn
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._listener.close()
            self._listener = None
