"""Structured access logs: one JSON line per request, with a request id.

The id is the client's ``X-Request-Id`` when it is a plain token (letters, digits, ``._:-``,
at most 128), else a new one; the answer carries it back, and the log line names it beside the
method, path, status, duration and the read target (``httpkit/routing.py``), so one request is
followed from the client through the logs of whichever process served it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = logging.getLogger("parledger.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time, level, message, and any ``fields`` given."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        return json.dumps(line, ensure_ascii=False)


def json_logging(level: int = logging.INFO) -> None:
    """Send the access log to stderr as JSON lines (once per process)."""
    if not any(isinstance(h.formatter, JsonLines) for h in LOGGER.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
        LOGGER.addHandler(handler)
        LOGGER.setLevel(level)
        LOGGER.propagate = False


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if REQUEST_ID.fullmatch(text):
                return text
    return uuid4().hex


Observer = Callable[[Scope, int, float], None]  # (scope, status, seconds): httpkit/metrics


class AccessLog:
    """ASGI middleware: the request id echoed in ``X-Request-Id`` and one log line a request,
    each request also handed to ``observe`` (the metrics) once answered."""

    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app, self.observe = app, observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = time.perf_counter()
        seen: dict[str, object] = {"status": 500, "target": None}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                headers = list(message.get("headers", []))
                seen["target"] = next(
                    (v.decode() for k, v in headers if k == b"x-read-target"), None
                )
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            fields = {
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "status": seen["status"],
                "duration_ms": round(seconds * 1000, 2),
                "target": seen["target"],
            }
            LOGGER.info("request", extra={"fields": fields})
            if self.observe is not None:
                self.observe(scope, int(str(seen["status"])), seconds)
