"""Every error as ``application/problem+json`` (RFC 9457): a stable ``type``, a ``title``, a
``detail`` that names the field, and the field itself; and the OpenAPI description of each."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from domain.errors import (
    AlreadyExists,
    DomainError,
    InvalidValue,
    NotFound,
    RuleViolation,
    StoreBusy,
)
from domain.field_names import field_vn
from ledger.commands import said
from ledger.errors import Conflict, Forbidden, IdempotencyConflict, StaleVersion, Unauthenticated

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class ProblemError(Exception):
    """Raised by the HTTP layer itself (authentication, preconditions, limits)."""

    def __init__(
        self, status: int, code: str, detail: str, field: str | None = None, **headers: str
    ):
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field
        self.headers = headers


TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Định dạng không được hỗ trợ",
    409: "Xung đột",
    412: "Phiên bản đã cũ",
    413: "Nội dung quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    428: "Thiếu điều kiện phiên bản",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi máy chủ",
    503: "Tạm thời không phục vụ được",
}

# The order matters: subclasses first.
_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (StoreBusy, 503),
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (StaleVersion, 412),
    (IdempotencyConflict, 409),
    (Conflict, 409),
    (AlreadyExists, 409),
    (RuleViolation, 409),
    (InvalidValue, 422),
]


def problem(
    status: int,
    code: str,
    detail: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:parledger:problem:{code}",
        "title": TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
        "field": field,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


MALFORMED_BODY = "malformed_body"


def malformed_body(position: int | None = None) -> JSONResponse:
    """A body that is not JSON at all (bad syntax, not UTF-8) is the client's mistake in
    sending, not a value the field check refused: 400, one stable type, said in Vietnamese."""
    where = f" (lỗi ở ký tự thứ {position + 1})" if position is not None else ""
    return problem(
        400, MALFORMED_BODY, f"nội dung yêu cầu không phải JSON hợp lệ, mã hoá UTF-8{where}", "body"
    )


def status_of(error: DomainError) -> int:
    if isinstance(error, IdempotencyConflict) and error.code == "idempotency_key_reused":
        return 422  # the same key with another body: refused; in flight is a 409
    return next((s for cls, s in _DOMAIN_STATUS if isinstance(error, cls)), 422)


def _detail(error: DomainError) -> str:
    """The refusal's message; one that begins with the input's JSON name (``percent: …``,
    from an input check) begins with its Vietnamese name instead, as the CLI says it."""
    if error.field and error.message.startswith(f"{error.field}: "):
        return str(error)
    return error.message


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[-1])


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        # A busy store is a retryable refusal: nothing was written.
        headers = {"Retry-After": "1"} if isinstance(error, StoreBusy) else None
        return problem(status_of(error), error.code, _detail(error), error.field, headers)

    @app.exception_handler(ProblemError)
    async def http_problem(_: Request, error: ProblemError) -> JSONResponse:
        return problem(error.status, error.code, error.detail, error.field, error.headers or None)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def store_unavailable(_: Request, error: Exception) -> JSONResponse:
        # The store stayed out of reach through the recorder's own retries. Whether the
        # command was stored is unknown here: the same Idempotency-Key settles it on retry.
        return problem(
            503,
            "store_unavailable",
            "không kết nối được cơ sở dữ liệu; hãy gửi lại với cùng Idempotency-Key",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        syntax = [e for e in error.errors() if e["type"] == "json_invalid"]
        if syntax:
            position = syntax[0]["loc"][-1]
            return malformed_body(position if isinstance(position, int) else None)
        errors = [
            {"field": _location(tuple(e["loc"])), "problem": said(e), "type": e["type"]}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"field": None, "problem": "không hợp lệ"}
        # The field as an official says it; ``field`` and ``errors`` keep the JSON's names.
        detail = "; ".join(f"{field_vn(e['field'])}: {e['problem']}" for e in errors[:5])
        return problem(422, "invalid_value", detail, first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's only 400: a body it could not decode (bytes that are not UTF-8).
            return malformed_body()
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = "không có tài nguyên này"
        elif error.status_code == 405:
            detail = "phương thức này không dùng được cho địa chỉ này"
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem(error.status_code, code, detail, headers=headers)


def documented(status: int) -> dict[str, Any]:
    """One problem status as an OpenAPI response object."""
    return {
        "description": TITLES[status],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method the path answers: Starlette names only the first route that matched the
    path, though a path's GET and POST may come from two routers (a read and a command)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    )


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry for the problem statuses an operation can return."""
    return {status: {"model": Problem, **documented(status)} for status in statuses}


def document_malformed_bodies(schema: dict[str, Any]) -> None:
    """Every operation that takes a body can be sent one that is not JSON: say it answers 400."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", documented(400))
