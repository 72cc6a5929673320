"""Sign-in sessions of the pages: the cookie, the actor behind it, and the CSRF check.

The session cookie holds a random token whose SHA-256 is the session's key in the
credentials table (``persistence/credentials.py``); it is HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it) and Secure except on a loopback address
over plain HTTP (a developer's machine and the tests). The actor is read from the user's
aggregate on every request, so a revocation or a role change applies at once.

Every form carries the session's CSRF token in a hidden field, checked here before anything
is recorded; the sign-in form, which has no session yet, carries a token that must match a
cookie set with it (double submit).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from domain import ids
from domain.errors import NotFound
from domain.user import User
from domain.values import Actor, Role
from httpkit.problems import ProblemError
from httpkit.security import RateLimiter
from ledger.application import ParLedger
from persistence.credentials import SESSION_HOURS, Session

COOKIE = "parledger_session"
SIGN_IN_COOKIE = "parledger_signin"  # the sign-in form's CSRF token (no session yet)
PATH = "/web"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SIGN_IN_SERVICE = Actor(id="service:sign-in", name="Dịch vụ đăng nhập", role=Role.READER)


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session: Session
    token: str

    @property
    def name(self) -> str:
        return self.session.name


def actor_of(ledger: ParLedger, name: str) -> Actor | None:
    """The actor of user ``name`` as the ledger knows them now; None once revoked."""
    try:
        user = ledger.load(User, ids.user_id(name), name)
    except NotFound:
        return None
    if user.revoked:
        return None
    return Actor(
        id=f"user:{user.name}", name=user.display_name, role=Role(user.role), agency=user.agency
    )


def signed_in(ledger: ParLedger, request: Request) -> SignedIn | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    session = ledger.credentials.session(token)
    if session is None:
        return None
    actor = actor_of(ledger, session.name)
    return None if actor is None else SignedIn(actor, session, token)


def check_csrf(expected: str | None, sent: str | None) -> None:
    """403 unless the form's token is the expected one (constant-time comparison)."""
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise ProblemError(
            403,
            "csrf_failed",
            "biểu mẫu không có mã chống giả mạo hợp lệ (csrf): hãy tải lại trang và gửi lại",
            "csrf",
        )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.url.hostname not in LOOPBACK


def set_cookie(response: Response, request: Request, name: str, value: str, hours: int) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=PATH,
        max_age=hours * 3600,
    )


def start(response: Response, request: Request, token: str) -> Response:
    set_cookie(response, request, COOKIE, token, SESSION_HOURS)
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return response


def end(response: Response) -> Response:
    response.delete_cookie(COOKIE, path=PATH)
    return response


def sign_in_limiter() -> RateLimiter:
    """Sign-in attempts per client address and name: a burst of 10, then one every 3
    seconds, so guessing is slow even before the account locks."""
    return RateLimiter(rate=1 / 3, burst=10)
