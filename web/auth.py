"""Signing in to the pages: name and password, a session cookie, throttling and lockout,
signing out and changing one's password (``httpkit/sessions.py`` holds the cookie and CSRF
rules, ``persistence/credentials.py`` the hashes). Bearer tokens stay for API clients.

Every page needs a signed-in user, as the API needs a token for the same data: the root
address sends a browser to the sign-in page, which sends it back where it was going."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from domain.errors import DomainError
from domain.values import VN_TZ, Source
from httpkit import sessions
from httpkit.problems import ProblemError
from httpkit.security import RateLimiter
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.usecases.user import change_own_password, record_lockout
from web.render import html

PREFIX = sessions.PATH


class LoginRequired(Exception):
    """The page needs a signed-in user; ``message`` says why the sign-in page is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def require(ledger: ParLedger, request: Request) -> sessions.SignedIn:
    found = sessions.signed_in(ledger, request)
    if found is None:
        raise LoginRequired("Cần đăng nhập để xem trang này.")
    return found


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


def _login_page(
    request: Request, status: int, next: str, reason: str, error: str | None, name: str = ""
) -> Response:
    """The sign-in form with a fresh CSRF token, set in a cookie beside it (double submit)."""
    token = secrets.token_urlsafe(32)
    response = html(
        "login.html",
        status,
        next=next,
        reason=reason,
        error=error,
        name=name,
        csrf=token,
        params={},
        user=None,
        crumbs=[],
    )
    sessions.set_cookie(response, request, sessions.SIGN_IN_COOKIE, token, 1)
    return response


def _until(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")


def router(ledger: ParLedger, chrome: Callable[[Request], dict[str, Any]]) -> APIRouter:
    web = APIRouter(include_in_schema=False)  # included under the pages router's prefix
    per_name: RateLimiter = sessions.sign_in_limiter()
    per_client = RateLimiter(rate=1.0, burst=60)  # many names from one address

    @web.get("/login")
    def login_form(request: Request, next: str = "", reason: str = "") -> Response:
        return _login_page(request, 200, safe_next(next), reason, None)

    @web.post("/login")
    def login(
        request: Request,
        name: str = Form("", max_length=64),
        password: str = Form("", max_length=200),
        csrf: str = Form("", max_length=200),
        next: str = Form("", max_length=2000),
    ) -> Response:
        target = safe_next(next)
        name = name.strip().lower()
        try:
            sessions.check_csrf(request.cookies.get(sessions.SIGN_IN_COOKIE), csrf)
        except ProblemError as error:
            return _login_page(request, 403, target, "", error.detail, name)
        client = request.client.host if request.client else "?"
        wait = per_client.take(client) or per_name.take(f"{client} {name}")
        if wait:
            message = f"Quá nhiều lần đăng nhập; thử lại sau {max(1, round(wait))} giây."
            return _login_page(request, 429, target, "", message, name)
        attempt = ledger.credentials.attempt(name, password)
        if attempt.just_locked and attempt.locked_until is not None:
            ctx = CommandContext(
                actor=sessions.SIGN_IN_SERVICE,
                source=Source.API,
                reason=f"đăng nhập sai liên tiếp từ {client}",
            )
            record_lockout(ledger, ctx, name, attempt.locked_until.isoformat())
        if attempt.locked_until is not None:
            message = (
                f"Tài khoản tạm khóa đến {_until(attempt.locked_until)} vì đăng nhập sai "
                "nhiều lần; liên hệ quản trị để đặt lại mật khẩu."
            )
            return _login_page(request, 423, target, "", message, name)
        actor = sessions.actor_of(ledger, name) if attempt.ok else None
        if actor is None:
            return _login_page(request, 401, target, "", "Sai tên đăng nhập hoặc mật khẩu.", name)
        token, _ = ledger.credentials.open_session(name)
        if target == PREFIX + "/":
            target = f"{PREFIX}/me"
        return sessions.start(RedirectResponse(target, status_code=303), request, token)

    @web.post("/logout")
    def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
        found = sessions.signed_in(ledger, request)
        if found is not None:
            sessions.check_csrf(found.session.csrf, csrf)
            ledger.credentials.end(found.token)
        return sessions.end(RedirectResponse(f"{PREFIX}/login", status_code=303))

    def password_page(request: Request, status: int, **context: Any) -> Response:
        return html(
            "password.html",
            status,
            **chrome(request),
            active="password",
            crumbs=[("Đổi mật khẩu", "")],
            **context,
        )

    @web.get("/password")
    def password_form(request: Request, done: str = "") -> Response:
        try:
            require(ledger, request)
        except LoginRequired as needed:
            return login_redirect(request, needed.message)
        return password_page(request, 200, errors={}, done=done == "1")

    @web.post("/password")
    def change_password(
        request: Request,
        current_password: str = Form("", max_length=200),
        new_password: str = Form("", max_length=200),
        confirm_password: str = Form("", max_length=200),
        csrf: str = Form("", max_length=200),
    ) -> Response:
        try:
            found = require(ledger, request)
        except LoginRequired as needed:
            return login_redirect(request, needed.message)
        sessions.check_csrf(found.session.csrf, csrf)
        if new_password != confirm_password:
            errors = {"confirm_password": "nhập lại không khớp với mật khẩu mới"}
            return password_page(request, 422, errors=errors, done=False)
        ctx = CommandContext(actor=found.actor, source=Source.API)
        try:
            change_own_password(ledger, ctx, current_password, new_password)
        except DomainError as error:
            return password_page(request, 422, errors={error.field: error.message}, done=False)
        # Every session ended with the old password: this browser signs in afresh.
        token, _ = ledger.credentials.open_session(found.name)
        done = RedirectResponse(f"{PREFIX}/password?done=1", status_code=303)
        return sessions.start(done, request, token)

    return web
