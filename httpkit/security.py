"""Bearer tokens, a rate limit per token, and a limit on request bodies.

The principal comes from the token only: the actor recorded in every event is who the token
belongs to, whatever a request body says (bodies naming an actor are refused by the models).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.values import Actor
from httpkit.bodies import BodyTooLarge, read_body, replay
from httpkit.problems import ProblemError, problem
from ledger.application import ParLedger
from ledger.errors import Unauthenticated

MAX_BODY = 64 * 1024  # bytes; the largest command body is a few kilobytes

bearer = HTTPBearer(auto_error=False, description="Mã truy cập do `parledger users add` cấp")


@dataclass
class RateLimiter:
    """A token bucket per principal: ``rate`` requests a second, bursts up to ``burst``."""

    rate: float = 50.0
    burst: float = 100.0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            return 0.0


class Principals:
    """Resolves a bearer token to its actor, and applies the rate limit to it."""

    def __init__(self, ledger: ParLedger, limiter: RateLimiter):
        self.ledger, self.limiter = ledger, limiter

    def __call__(
        self,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Actor:
        if credentials is None:
            raise ProblemError(
                401,
                "unauthenticated",
                "cần mã truy cập: Authorization: Bearer plg.…",
                "Authorization",
                **{"WWW-Authenticate": "Bearer"},
            )
        try:
            actor = self.ledger.authenticate(credentials.credentials)
        except Unauthenticated as error:
            raise ProblemError(
                401, error.code, error.message, "Authorization", **{"WWW-Authenticate": "Bearer"}
            ) from None
        wait = self.limiter.take(actor.id)
        if wait:
            raise ProblemError(
                429,
                "rate_limited",
                f"quá nhiều yêu cầu; thử lại sau {wait:.1f} giây",
                "Authorization",
                **{"Retry-After": str(max(1, round(wait)))},
            )
        return actor


class BodyLimit:
    """413 for bodies over ``limit``, declared or streamed, before anything reads them.

    Plain ASGI (no ``BaseHTTPMiddleware``): it adds nothing to a request it lets through but a
    look at one header, or, for a body of undeclared length, reading it up to the limit."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # Chunked: read it (no further than the limit) and hand it on in one message.
        try:
            body = await read_body(receive, self.limit)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)
            return
        if body is None:
            return  # the client went away
        await self.app(scope, replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413, "payload_too_large", f"nội dung yêu cầu vượt quá {self.limit // 1024} KiB", "body"
        )
        await response(scope, receive, send)
