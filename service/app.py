"""The HTTP service, composed: the API's routers and the pages over one ledger. It is the
composition root, so neither entrypoint imports the other.

The service: reads of every projection as of any date, every command, the ledger's
events as a feed and a stream, with bearer tokens, agency-scoped authorisation (decided by the
application, as for the CLI), ETag/If-Match, Idempotency-Key, and RFC 9457 problems.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from api.routes import (
    calendar,
    commands,
    events,
    integrity,
    obligations,
    reads,
    reports,
    scores,
    units,
)
from api.routes.bodies import bodies_of
from httpkit import metrics
from httpkit.observability import AccessLog, json_logging
from httpkit.problems import ProblemError, document_malformed_bodies, install, responses
from httpkit.routing import LedgerProxy, ModelProxy, ReadRouting, Routing, Target
from httpkit.security import BodyLimit, Principals
from httpkit.shared_limits import limiter_for
from httpkit.strict import StrictInput
from ledger.application import ParLedger
from persistence.migrations import CURRENT, schema_version
from persistence.settings import ConfigurationError, Database, database_from_env
from persistence.settings import read_databases_from_env as read_databases
from replay.readmodel import ReadModel
from web import pages as web

DESCRIPTION = """
Sổ cái kiểm toán cải cách hành chính: mọi thay đổi là một sự kiện không sửa được.

* **Đọc**: mọi khung nhìn của kế hoạch theo `as_of` (ngày hiệu lực) và `known_at` (sổ cái biết
  những gì lúc đó), có lọc và phân trang bằng con trỏ.
* **Ghi**: mọi lệnh nghiệp vụ; thay đổi thực thể có sẵn cần `If-Match` (ETag đã đọc); gửi lại an
  toàn với `Idempotency-Key`.
* **Xác thực**: `Authorization: Bearer plg.…` do `parledger users add` cấp.
* **Lỗi**: `application/problem+json` (RFC 9457) với `type` ổn định và `field` chỉ rõ trường.
"""

# The document's tags: short ASCII names that client generators turn into module names, each
# with its Vietnamese title as the description readers see.
TAGS: dict[str, str] = {
    "plans": "Kế hoạch",
    "tasks": "Nhiệm vụ",
    "targets": "Chỉ tiêu",
    "scores": "Điểm",
    "inspections": "Kiểm tra",
    "dossiers": "Hồ sơ trễ hạn",
    "reports": "Báo cáo",
    "audit": "Kiểm toán",
    "ledger": "Theo dõi sổ cái",
    "integrity": "Bằng chứng toàn vẹn",
    "agencies": "Danh mục cơ quan",
    "units": "Đơn vị hành chính",
    "calendar": "Lịch ngày làm việc",
    "rules": "Quy định theo phiên bản",
    "obligations": "Nghĩa vụ",
    "users": "Người dùng",
    "service": "Dịch vụ",
}


def operation_id(route: APIRoute) -> str:
    """Each operation's id is its route's name (``list_plan_tasks``, ``report_task_progress``):
    short and English, so generated clients get readable function names. A name that is not
    snake_case yet (one derived from a path) is made so rather than passed through."""
    return re.sub(r"[^0-9a-z]+", "_", route.name.lower()).strip("_")


def _require_if_match(schema: dict[str, Any]) -> None:
    """If-Match is optional to FastAPI (a missing one is answered 428, not 422) but required
    by contract on every command that changes an existing entity: say so in the document."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if "428" in operation.get("responses", {}):
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "If-Match":
                        parameter["required"] = True


READY_LAG = 1000  # events the live view may trail the log by and the service still be ready


def _service_routes(app: FastAPI, ledger: ParLedger, catch_up: bool) -> None:
    @app.get("/health", summary="Tình trạng dịch vụ", tags=["service"], name="get_health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "backend": ledger.database.backend,
            "position": ledger.recorder.max_notification_id() or 0,
        }

    @app.get("/ready", summary="Sẵn sàng phục vụ", tags=["service"], name="get_readiness")
    def ready() -> dict[str, Any]:
        """Ready: the schema at this code's version, the live view close to the log's head."""
        datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
        version = schema_version(datastore, ledger.database.backend)
        head = int(ledger.recorder.max_notification_id() or 0)
        lag = head - (ledger.view.max_tracking_id(ledger.name) or 0)
        if version != CURRENT:
            detail = f"lược đồ ở phiên bản {version}, cần {CURRENT}"
            raise ProblemError(503, "not_ready", detail, None, **{"Retry-After": "5"})
        if lag > READY_LAG and not catch_up:
            detail = f"khung nhìn trực tiếp chậm {lag} sự kiện so với sổ cái"
            raise ProblemError(503, "not_ready", detail, None, **{"Retry-After": "5"})
        return {"status": "ready", "schema_version": version, "lag": lag}


def create_app(
    ledger: ParLedger,
    *,
    rate: float = 50.0,
    burst: float = 100.0,
    body_limit: int | None = None,
    catch_up: bool = True,
    read_targets: list[Database] | None = None,
    read_wait: float = 2.0,
    rate_store: str | None = None,
    warm: bool = False,
) -> FastAPI:
    """``catch_up``: reads fold new events into the live view inside the request (embedded
    mode); False where ``parledger projections run`` keeps it. ``warm``: with ``catch_up``,
    start folding what the log holds beyond the view (and recording the obligations it
    causes) as the app is made, rather than in its first read. ``read_targets``: replicas that
    GET requests are sent to (``httpkit/routing.py``); ``read_wait``: seconds a read waits for
    its ``min_position``. ``rate_store``: "database" or "memory" (``httpkit/shared_limits``)."""
    app = FastAPI(
        title="ParLedger",
        description=DESCRIPTION,
        version="0.2.0",
        responses=responses(413, 429, 503),
        openapi_tags=[{"name": name, "description": title} for name, title in TAGS.items()],
        generate_unique_id_function=operation_id,
    )
    install(app)
    app.add_middleware(StrictInput)  # inside BodyLimit, added next: what it reads is bounded
    app.add_middleware(BodyLimit, **({"limit": body_limit} if body_limit else {}))
    principal = Principals(ledger, limiter_for(ledger, rate, burst, rate_store))
    primary_model = ReadModel(ledger, catch_up=catch_up)
    primary = Target("primary", ledger=ledger, model=primary_model)
    replicas = [Target(f"replica-{i + 1}", database=d) for i, d in enumerate(read_targets or [])]
    routing = ReadRouting(primary, replicas, wait=read_wait)
    app.add_middleware(Routing, routing=routing)
    app.add_middleware(AccessLog, observe=metrics.observe)  # outermost: times the routing's wait
    # The routers reach the ledger and read model of the target each request was routed to.
    model = cast(ReadModel, ModelProxy(routing))
    reader = cast(ParLedger, LedgerProxy(routing))
    _service_routes(app, ledger, catch_up)
    if warm and catch_up:
        _warm(primary_model)
    metrics.install(app, ledger, replicas)  # the primary's figures, whichever target reads

    @app.get("/", include_in_schema=False, response_model=None)
    def index(request: Request) -> dict[str, Any] | RedirectResponse:
        """Browsers go to the pages; API clients get where things are."""
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(f"/web/{web.default_plan(ledger)}", status_code=303)
        return {"service": "ParLedger", "plans": "/plans", "docs": "/docs", "pages": "/web/"}

    app.include_router(reads.router(reader, model, principal, bodies_of(ledger)))
    app.include_router(commands.router(ledger, principal))
    app.include_router(events.router(reader, principal))
    # Proofs extend the Merkle cache even when read: always the primary's.
    app.include_router(integrity.router(ledger, principal))
    app.include_router(reports.router(reader, principal))
    app.include_router(units.router(reader, principal))
    app.include_router(scores.router(reader, principal))
    app.include_router(calendar.router(reader, principal))
    app.include_router(obligations.router(reader, model, principal))
    app.include_router(web.router(reader, model, principal))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            schema["components"]["securitySchemes"] = {
                "HTTPBearer": {"type": "http", "scheme": "bearer"}
            }
            _require_if_match(schema)
            document_malformed_bodies(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _warm(model: ReadModel) -> None:
    """Bring the view to the log's head in the background: a store the CLI wrote since the
    service last ran (the CLI records no obligations and folds no view) would otherwise be
    caught up inside the first read, every other reader waiting behind it. Reads that come
    meanwhile wait on the same lock, as they would have."""

    def run() -> None:
        try:
            model.position()
        except Exception:  # the first read will try again, and say what failed
            logging.getLogger(__name__).exception("warm-up of the live view failed")

    threading.Thread(target=run, name="parledger-warm-up", daemon=True).start()


def from_env() -> FastAPI:
    """The service over the store ``PARLEDGER_DATABASE_URL`` names (uvicorn's factory), reads
    also from ``PARLEDGER_READ_DATABASE_URL``; ``PARLEDGER_PROJECTIONS=worker`` where
    ``parledger projections run`` keeps the live view (default ``inline``: reads fold)."""
    json_logging()
    mode = os.environ.get("PARLEDGER_PROJECTIONS", "inline")
    if mode not in ("inline", "worker"):
        raise ConfigurationError(f"PARLEDGER_PROJECTIONS phải là inline hoặc worker: {mode!r}")
    return create_app(
        ParLedger(database_from_env()),
        catch_up=mode == "inline",
        warm=True,
        read_targets=read_databases(),
        read_wait=_number("PARLEDGER_READ_WAIT", "2", 60),
        rate=_number("PARLEDGER_RATE", "50", 100_000),
        burst=_number("PARLEDGER_BURST", "100", 100_000),
        rate_store=os.environ.get("PARLEDGER_RATE_LIMIT_STORE") or None,
    )


def _number(name: str, default: str, top: int) -> float:
    value = os.environ.get(name, default)
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= top):
        raise ConfigurationError(f"{name} phải là số nguyên từ 1 đến {top}: {value!r}")
    return float(value)
