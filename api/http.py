"""The HTTP service: health and the plan read-out (the full API grows from here).

Errors are ``application/problem+json`` (RFC 9457) with a stable ``type``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from domain.errors import DomainError, InvalidValue, NotFound
from ledger.application import ParLedger
from ledger.errors import Conflict, Forbidden, IdempotencyConflict, StaleVersion, Unauthenticated
from ledger.views import plan_overview

PROBLEM = "application/problem+json"
_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (InvalidValue, 422),
    (Forbidden, 403),
    (Unauthenticated, 401),
    (StaleVersion, 412),
    (Conflict, 409),
    (IdempotencyConflict, 409),
]


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:parledger:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    return JSONResponse({**body, **extra}, status_code=status, media_type=PROBLEM)


def create_app(ledger: ParLedger) -> FastAPI:
    app = FastAPI(
        title="ParLedger",
        description="Sổ cái kiểm toán cải cách hành chính — API đọc và ghi theo sự kiện.",
        version="0.1.0",
    )

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        status = next((s for cls, s in _STATUS if isinstance(error, cls)), 422)
        return problem(status, error.code, type(error).__name__, str(error), field=error.field)

    @app.get("/health", summary="Tình trạng dịch vụ")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "backend": ledger.database.backend,
            "position": ledger.recorder.max_notification_id() or 0,
        }

    @app.get("/plans/{plan}", summary="Cấu trúc và trạng thái hiện tại của một kế hoạch")
    def get_plan(plan: str) -> JSONResponse:
        return JSONResponse(jsonable_encoder(plan_overview(ledger, plan)))

    @app.get("/", include_in_schema=False)
    def index() -> dict[str, Any]:
        return {"service": "ParLedger", "plans": "/plans/cat-hai-2023", "docs": "/docs"}

    return app
