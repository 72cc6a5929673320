"""PostgreSQL connections whose waits are bounded, and that notice a server gone and back.

The library's recorders retry a failed statement ten times, each time waiting for a pooled
connection up to the pool's timeout: with the server down, a request hung for over a minute.
Here the first failure that a probe confirms (a fresh connection refused or timing out) marks
the server down; while it is down every request fails at once (the API answers 503 with
Retry-After), and at most every :data:`PROBE_EVERY` seconds one request probes again. The
first probe that succeeds replaces the pool with a fresh one, so the next request gets a live
connection at once instead of waiting out the old pool's reconnection back-off.

A pooled connection is pinged before use only when it has been idle for more than
:data:`PING_IDLE` seconds: the pool's own pre-ping on every checkout doubled the round trips
of a command (three pings beside three statements). A connection that died within that
second fails its statement instead; the recorders' retry and the breaker above handle that,
as they handle a connection that dies between the ping and the statement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import ConnectionPool, PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow

PROBE_EVERY = 0.25  # seconds between probes of a server that is down
PROBE_TIMEOUT = 2  # seconds a probe waits to connect
PING_IDLE = 1.0  # seconds a pooled connection may rest and still be used without a ping


def _keyword_args(pool: Any) -> dict[str, Any]:
    made = pool.kwargs
    kwargs: dict[str, Any] = dict(made) if isinstance(made, dict) else {}
    kwargs.pop("row_factory", None)
    return kwargs


class BoundedPostgresDatastore(PostgresDatastore):
    """The library's datastore with a breaker around ``get_connection``."""

    _down_since: float | None
    _probed_at: float
    _guard: threading.Lock
    _used: WeakKeyDictionary[Connection[DictRow], float]

    @classmethod
    def adopt(cls, made: PostgresDatastore) -> BoundedPostgresDatastore:
        """The datastore the library's factory made, given this behaviour (its pool,
        type adapters and settings stay as they are)."""
        made.__class__ = cls
        assert isinstance(made, BoundedPostgresDatastore)
        made._down_since = None
        made._probed_at = 0.0
        made._guard = threading.Lock()
        made._used = WeakKeyDictionary()
        if made.pool._check is not None:  # POSTGRES_PRE_PING: only connections at rest
            made.pool._check = made._ping_if_idle
        return made

    def _ping_if_idle(self, conn: Connection[DictRow]) -> None:
        used = self._used.get(conn)
        if used is None or time.monotonic() - used > PING_IDLE:
            ConnectionPool.check_connection(conn)

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def outage_seconds(self) -> float:
        return 0.0 if self._down_since is None else time.monotonic() - self._down_since

    def available(self) -> bool:
        """Whether the server answers: at once while it is up; while it is down, a probe at
        most every :data:`PROBE_EVERY` seconds (read routing asks before choosing a replica)."""
        try:
            self._gate()
        except OperationalError:
            return False
        return True

    @contextmanager
    def get_connection(self) -> Iterator[Connection[DictRow]]:
        self._gate()
        try:
            with super().get_connection() as conn:
                try:
                    yield conn
                finally:
                    self._used[conn] = time.monotonic()
        except (OperationalError, InterfaceError):
            if not self.down and not self._probe():
                self._mark_down()
            raise

    def _gate(self) -> None:
        if self._down_since is None:
            return
        with self._guard:
            if self._down_since is None:
                return
            # Only a probe moves _probed_at: refusals in between must not postpone the next.
            if time.monotonic() - self._probed_at < PROBE_EVERY or not self._probe():
                raise OperationalError(
                    f"máy chủ cơ sở dữ liệu không trả lời từ {self.outage_seconds():.0f} giây"
                )
            self._recover()

    def _probe(self) -> bool:
        self._probed_at = time.monotonic()
        kwargs = {**_keyword_args(self.pool), "connect_timeout": PROBE_TIMEOUT}
        try:
            with psycopg.connect(**kwargs, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _mark_down(self) -> None:
        with self._guard:
            if self._down_since is None:
                self._down_since = time.monotonic()

    def _recover(self) -> None:
        """A fresh pool (the old one's connections are dead and its refills backed off)."""
        old = self.pool
        self.pool = ConnectionPool(
            get_password_func=old.get_password_func,
            connection_class=old.connection_class,
            kwargs=old.kwargs,
            min_size=old.min_size,
            max_size=old.max_size,
            open=False,
            configure=old._configure,
            check=old._check,
            timeout=old.timeout,
            max_waiting=old.max_waiting,
            max_lifetime=old.max_lifetime,
        )
        self._down_since = None
        threading.Thread(target=old.close, kwargs={"timeout": 1.0}, daemon=True).start()
