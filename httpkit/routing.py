"""Reads sent to read replicas, writes to the primary, and read-your-writes between them.

``PARLEDGER_READ_DATABASE_URL`` names one or several read targets (comma-separated; streaming
replicas of the primary). A GET or HEAD is served by a read target chosen in turn; any other
method, and any read no replica can serve, by the primary. The routers are given proxies
(:class:`LedgerProxy`, :class:`ModelProxy`) that resolve, at each call, to the ledger of the
target this request was routed to (a context variable, which the thread pool of sync endpoints
inherits).

Read-your-writes: every successful write answers the ledger position it reached in the
``X-Ledger-Position`` header (beside ``positions`` in its body). A read carrying that position
(``?min_position=N`` or ``X-Min-Position: N``) is served by a target whose live view has
reached it, waiting up to ``wait`` seconds for a replica or the projection worker to get there,
then answers 503 problem+json whose ``Retry-After`` and text name the lag. A replica that stops
answering is skipped (a probe finds its return); reads then fall over to the primary.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs

from eventsourcing.persistence import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from httpkit.problems import problem
from ledger.application import ParLedger
from persistence.connections import BoundedPostgresDatastore
from persistence.settings import Database
from replay.readmodel import ReadModel

POSITION_HEADER = "X-Ledger-Position"
MIN_POSITION_HEADER = "X-Min-Position"
MIN_POSITION_PARAM = "min_position"
MAX_POSITION = 2**63 - 1
READS = ("GET", "HEAD")


@dataclass
class Target:
    """A database reads can be served from, opened on first use."""

    name: str
    database: Database | None = None
    catch_up: bool = False  # fold inside the request (the embedded primary without a worker)
    ledger: ParLedger | None = None
    model: ReadModel | None = None
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def opened(self) -> tuple[ParLedger, ReadModel]:
        if self.ledger is None or self.model is None:
            with self._guard:
                if self.ledger is None:
                    assert self.database is not None
                    self.ledger = ParLedger(self.database)
                if self.model is None:
                    self.model = ReadModel(self.ledger, catch_up=self.catch_up)
        return self.ledger, self.model

    def available(self) -> bool:
        try:
            ledger, _ = self.opened()
        except (OperationalError, InterfaceError):
            return False
        datastore = getattr(ledger.recorder, "datastore", None)
        return not isinstance(datastore, BoundedPostgresDatastore) or datastore.available()

    def position(self) -> int:
        return self.opened()[1].position()


class NotReached(Exception):
    def __init__(self, wanted: int, best: int | None) -> None:
        super().__init__(wanted, best)
        self.wanted, self.best = wanted, best


@dataclass
class ReadRouting:
    primary: Target
    replicas: list[Target]
    wait: float = 2.0  # seconds a read waits for its min_position
    _turn: Iterator[int] = field(default_factory=itertools.count)

    def _candidates(self) -> list[Target]:
        if not self.replicas:
            return [self.primary]
        start = next(self._turn) % len(self.replicas)
        turn = self.replicas[start:] + self.replicas[:start]
        return [t for t in turn if t.available()] + [self.primary]

    def choose(self, min_position: int | None) -> tuple[Target, int | None]:
        """The target to read from, and its position when one was asked for."""
        candidates = self._candidates()
        if min_position is None:
            return candidates[0], None
        deadline = time.monotonic() + self.wait
        while True:
            best: int | None = None
            for target in candidates:
                try:
                    position = target.position()
                except (OperationalError, InterfaceError):
                    continue
                if position >= min_position:
                    return target, position
                best = position if best is None else max(best, position)
            if time.monotonic() >= deadline:
                raise NotReached(min_position, best)
            time.sleep(0.05)


_routed: ContextVar[Target | None] = ContextVar("parledger_read_target", default=None)


class _RoutedProxy:
    """Stands for one of what the target this request was routed to opened: ``part`` 0, its
    ledger; 1, its read model."""

    part: ClassVar[int]

    def __init__(self, routing: ReadRouting) -> None:
        self._routing = routing

    def __getattr__(self, name: str) -> Any:
        target = _routed.get() or self._routing.primary
        return getattr(target.opened()[self.part], name)


class LedgerProxy(_RoutedProxy):
    """Stands for the ledger of the target this request was routed to."""

    part = 0


class ModelProxy(_RoutedProxy):
    """Stands for the read model of the target this request was routed to."""

    part = 1


def _min_position(scope: Scope) -> int | str | None:
    """The position asked for, None if none, or the text of a refusal."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    value = (query.get(MIN_POSITION_PARAM) or [None])[0] or headers.get(MIN_POSITION_HEADER.lower())
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= 19) or (
        int(value) > MAX_POSITION
    ):
        return f"min_position phải là số nguyên dương (chữ số ASCII), không phải {value[:40]!r}"
    return int(value)


class Routing:
    """ASGI middleware: routes each request, answers positions, waits for min_position."""

    def __init__(self, app: ASGIApp, routing: ReadRouting) -> None:
        self.app, self.routing = app, routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in READS:
            token = _routed.set(self.routing.primary)
            try:
                await self.app(scope, receive, _with_position(send))
            finally:
                _routed.reset(token)
            return
        await self._read(scope, receive, send)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = _min_position(scope)
        if isinstance(wanted, str):
            await problem(422, "invalid", wanted, MIN_POSITION_PARAM)(scope, receive, send)
            return
        try:
            if wanted is None and not self.routing.replicas:
                # Nothing to wait for or probe: the primary, without a turn in the thread
                # pool (the endpoint and its dependencies take theirs).
                target, position = self.routing.primary, None
            else:
                target, position = await run_in_threadpool(self.routing.choose, wanted)
        except NotReached as late:
            lag = late.wanted - (late.best or 0)
            await problem(
                503,
                "position_not_reached",
                f"dữ liệu đọc còn chậm {lag} sự kiện so với vị trí {late.wanted} đã yêu cầu; "
                f"hãy thử lại sau ít giây",
                MIN_POSITION_PARAM,
                {"Retry-After": str(max(1, min(30, lag // 100 + 1))), "X-Ledger-Lag": str(lag)},
            )(scope, receive, send)
            return
        token = _routed.set(target)
        try:
            await self.app(scope, receive, _read_headers(send, target, position))
        finally:
            _routed.reset(token)


def _read_headers(send: Send, target: Target, position: int | None) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-read-target", target.name.encode()))
            if position is not None:
                headers.append((POSITION_HEADER.lower().encode(), str(position).encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _with_position(send: Send) -> Send:
    """Adds ``X-Ledger-Position`` to a successful write's answer, from its ``positions``."""
    held: list[Message] = []

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
            held.append(message)
            return
        if held and message["type"] == "http.response.body":
            start = held.pop()
            if not message.get("more_body"):
                position = _top_position(message.get("body", b""))
                if position is not None:
                    headers = [*start.get("headers", []), (b"x-ledger-position", position)]
                    start = {**start, "headers": headers}
            await send(start)
        await send(message)

    return sending


def _top_position(body: bytes) -> bytes | None:
    try:
        found = json.loads(body)
    except ValueError:
        return None
    positions = found.get("positions") if isinstance(found, dict) else None
    if isinstance(positions, list) and positions and all(isinstance(p, int) for p in positions):
        return str(max(positions)).encode()
    return None
