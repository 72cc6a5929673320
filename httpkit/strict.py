"""Strict input at the HTTP boundary, for the API and the pages alike: no control characters
in path parameters, query strings or the headers the service reads; query strings in UTF-8;
integers within what the stores hold; JSON bodies strict (httpkit.strictjson).

Refused before routing, so a NUL never reaches a store (PostgreSQL refuses it in text and
answered 500), each as a 400 or 422 problem naming the parameter, header or field.
"""

from __future__ import annotations

import re
from typing import Any, get_args
from urllib.parse import unquote_plus

from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from httpkit.bodies import read_body, replay
from httpkit.problems import problem
from httpkit.strictjson import (
    MAX_INT,
    Refusal,
    character,
    check_body,
    control_character,
    is_json,
    media_charset,
)

# C0, DEL and C1 controls: nothing a parameter or a read header has a use for.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_INTEGER = re.compile(r"-?[0-9]+")
# The headers the service parses itself; the server checked the rest against HTTP's grammar.
READ_HEADERS = {
    "authorization": "Authorization",
    "if-match": "If-Match",
    "idempotency-key": "Idempotency-Key",
    "last-event-id": "Last-Event-ID",
}
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FORM = "application/x-www-form-urlencoded"


def _shown(name: str) -> str:
    """A name as a reader can see it: its control characters spelled out."""
    return _CONTROL.sub(lambda bad: character(bad.group()), name)


def _control(name: str, value: str, what: str = "tham số") -> Refusal | None:
    if bad := _CONTROL.search(value):
        return control_character(bad, f"{what} {_shown(name)}", _shown(name))
    return None


def _number(name: str, value: str, kind: str | None) -> Refusal | None:
    """Integers bounded where they are parsed: those declared ``int`` (``kind`` "int") by the
    stores' range, and a parameter a page reads by hand (``kind`` None) when it is all
    digits; a parameter declared as text is text."""
    if not (kind == "int" or (kind is None and value.isdigit())):
        return None
    if value.isdigit() and not value.isascii():
        return Refusal(422, "non_ascii_digits", f"tham số {name} chỉ được dùng chữ số 0–9", name)
    if _INTEGER.fullmatch(value) and abs(int(value[:25])) > MAX_INT:
        return Refusal(
            422,
            "number_out_of_range",
            f"tham số {name}: số {value[:25]} vượt quá giới hạn {MAX_INT}",
            name,
        )
    return None


def _pairs(encoded: str, source: str) -> tuple[list[tuple[str, str]], Refusal | None]:
    """``a=1&b=2`` decoded as UTF-8, strictly (Starlette would put U+FFFD in place)."""
    pairs = []
    for part in encoded.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name = unquote_plus(raw_name, errors="replace")
        try:
            pairs.append((name, unquote_plus(raw_value, errors="strict")))
            unquote_plus(raw_name, errors="strict")
        except UnicodeDecodeError:
            return pairs, Refusal(
                422, "invalid_encoding", f"{source} {name} không phải văn bản UTF-8", name
            )
    return pairs, None


Table = list[tuple[str, Any, tuple[set[str], set[str]]]]


def _flatten(routes: list[Any], prefix: str = "") -> Table:
    """Every route under ``routes`` with the prefix it is mounted at. FastAPI keeps included
    routers whole (``original_router``), so they are opened here, not matched as one."""
    found: Table = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            found += _flatten(inner.routes, prefix + getattr(context, "prefix", ""))
        elif hasattr(route, "path_regex"):
            names = _declared(route) if isinstance(route, APIRoute) else (set(), set())
            found.append((prefix, route, names))
    return found


def _declared(route: APIRoute) -> tuple[set[str], set[str]]:
    """The parameter names a route declares, and those declared ``int``."""
    declared: set[str] = set()
    integers: set[str] = set()
    for field in get_flat_params(route.dependant):
        # As a path or query name, and as a header name (read lower-cased, - for _).
        names = {field.alias, field.alias.lower().replace("_", "-")}
        declared |= names
        annotation = field.field_info.annotation
        if int in (annotation, *get_args(annotation)):
            integers |= names
    return declared, integers


class _Route:
    """What a request's route declares: its path parameters' values and its integer names."""

    def __init__(self, table: Table, scope: Scope):
        self.params: dict[str, Any] = {}
        self.declared: set[str] = set()
        self.integers: set[str] = set()
        path, method = scope.get("path", ""), scope.get("method")
        partial = None
        for prefix, route, names in table:
            if not path.startswith(prefix):
                continue
            if found := route.path_regex.match(path[len(prefix) :]):
                methods = getattr(route, "methods", None)
                if not methods or method in methods:
                    partial = (found, names)
                    break
                partial = partial or (found, names)
        if partial:
            self.params = partial[0].groupdict()
            self.declared, self.integers = partial[1]

    def kind(self, name: str) -> str | None:
        """ "int" or "text" for a parameter the route declares, None for one it does not."""
        if name in self.integers:
            return "int"
        return "text" if name in self.declared else None


def check_target(scope: Scope, table: Table) -> Refusal | None:
    """The path, the query string and the read headers of a request; ``table`` the app's
    routes, to name a path parameter and know what a route declares."""
    route = _Route(table, scope)
    for name, value in route.params.items():
        text = str(value)
        if found := _control(name, text) or _number(name, text, route.kind(name)):
            return found
    if found := _control("path", scope.get("path", ""), "địa chỉ"):
        return found
    query = scope.get("query_string", b"").decode("latin-1")
    pairs, found = _pairs(query, "tham số")
    if found:
        return found
    for name, value in pairs:
        if found := _control(name, name + value) or _number(name, value, route.kind(name)):
            return found
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        if name in READ_HEADERS and (
            found := _header(READ_HEADERS[name], raw_value, route.kind(name))
        ):
            return found
    return None


def _header(shown: str, raw: bytes, kind: str | None) -> Refusal | None:
    if not raw.isascii() or _CONTROL.search(raw.decode("ascii")):
        return Refusal(
            422,
            "invalid_header",
            f"tiêu đề {shown} chỉ được chứa ký tự ASCII in được",
            shown,
        )
    # Headers are declared or read by name (If-Match); only declared integers are bounded here.
    return _number(shown, raw.decode("ascii").strip(), "int" if kind == "int" else "text")


class StrictInput:
    """Refuses what :func:`check_target` and the body checks refuse, with a problem.

    Plain ASGI, like BodyLimit (installed outside this one, so a body read here is bounded):
    a request it lets through reaches the app with its body replayed unchanged."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.table: Table | None = None  # the routes, read at the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.table is None:
            self.table = _flatten(getattr(getattr(scope.get("app"), "router", None), "routes", []))
        if found := check_target(scope, self.table):
            await self._refuse(found, scope, receive, send)
            return
        headers = dict(scope["headers"])
        media, charset = media_charset(headers.get(b"content-type", b"").decode("latin-1"))
        checked = is_json(media) or media == FORM
        if scope["method"] not in BODY_METHODS or not checked:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client went away
        found = check_body(body, charset) if is_json(media) else _check_form(body)
        if found:
            await self._refuse(found, scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)

    @staticmethod
    async def _refuse(found: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(found.status, found.code, found.detail, found.field)
        await response(scope, receive, send)


def _check_form(body: bytes) -> Refusal | None:
    """A page's form: its fields as a query string is checked."""
    pairs, found = _pairs(body.decode("latin-1"), "trường")
    if found:
        return found
    for name, value in pairs:
        if found := _control(name, name + value, "trường"):
            return found
    return None
