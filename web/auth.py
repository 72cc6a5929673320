"""Logging in to the pages that show the audit trail: the bearer token of ``parledger users
add``, checked by the API's own ``Principals`` (revocation, rate limit), kept in an HttpOnly
cookie scoped to the pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from domain.values import Actor
from httpkit.problems import ProblemError

COOKIE = "parledger_token"
PREFIX = "/web"


class LoginRequired(Exception):
    """The page needs a signed-in user; ``message`` says why the login page is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check(principal: Callable[..., Actor], token: str) -> Actor:
    """The token's actor, or ``ProblemError`` (401 unknown or revoked, 429 rate limit)."""
    return principal(HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip()))


def current(principal: Callable[..., Actor], request: Request) -> Actor | None:
    """The signed-in actor, or None (no cookie, or a token no longer valid)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return check(principal, token)
    except ProblemError:
        return None


def require(principal: Callable[..., Actor], request: Request) -> Actor:
    actor = current(principal, request)
    if actor is None:
        raise LoginRequired("Trang này có nhật ký kiểm toán: cần đăng nhập bằng mã truy cập.")
    return actor


def login_redirect(request: Request, message: str) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        f"{PREFIX}/login?next={quote(target, safe='')}&reason={quote(message, safe='')}",
        status_code=303,
    )


def safe_next(target: str | None) -> str:
    """Only a path of these pages: never an address elsewhere (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//"):
        return target
    return PREFIX + "/"


def signed_in(response: Response, request: Request, token: str) -> Response:
    response.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=PREFIX,
        max_age=8 * 3600,
    )
    return response


def signed_out(response: Response) -> Response:
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
