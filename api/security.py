"""Bearer tokens, a rate limit per token, and a limit on request bodies.

The principal comes from the token only: the actor recorded in every event is who the token
belongs to, whatever a request body says (bodies naming an actor are refused by the models).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from api.problems import ProblemError, problem
from domain.values import Actor, Role
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


PERSONAL_DATA_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.INSPECTOR, Role.AUDITOR})


def sees_personal_data(actor: Actor, agency: str | None = None) -> bool:
    """Citizens' names and contacts: for roles that handle them, and an agency's own officers."""
    if actor.role in PERSONAL_DATA_ROLES:
        return True
    return actor.role is Role.AGENCY_OFFICER and agency is not None and actor.agency == agency


class BodyLimit(BaseHTTPMiddleware):
    """413 for bodies over ``MAX_BODY``, declared or streamed, before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        super().__init__(app)
        self.limit = limit

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method in ("POST", "PUT", "PATCH"):
            declared = request.headers.get("content-length")
            too_big = declared is not None and declared.isdigit() and int(declared) > self.limit
            if not too_big and declared is None:
                body = await request.body()  # chunked: read it (bounded below) and measure
                too_big = len(body) > self.limit
            if too_big:
                return problem(
                    413,
                    "payload_too_large",
                    f"nội dung yêu cầu vượt quá {self.limit // 1024} KiB",
                    "body",
                )
        return await call_next(request)
