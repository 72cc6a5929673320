"""The pages: plan overview, task board, targets, inspections, apologies, reports, and — for
signed-in users — the audit trail, each entity's timeline and what changed about a submitted
report. Every page reads as of a valid date (``as_of``) and as known at a moment
(``known_at``), through the API's own read model; writes stay in the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import RedirectResponse, Response

from domain import ids
from domain.errors import DomainError, InvalidValue, NotFound
from domain.values import Actor
from httpkit.files import load_report, report_response
from httpkit.problems import ProblemError, status_of
from ledger.application import ParLedger
from ledger.personal import redact
from replay import VIEWS
from replay.readmodel import ReadModel, Snapshot
from reports.charts import CHARTS
from reports.data import Facts, facts_of, parse_day, parse_known_at
from web import auth, data
from web.render import html

DEFAULT_PLAN = "cat-hai-2023"


@dataclass(frozen=True)
class When:
    """The page's point on both time axes, and the values as typed (to fill the form again)."""

    as_of: date | None
    known_at: datetime | None
    raw: dict[str, str]

    @classmethod
    def of(cls, request: Request) -> When:
        raw = {k: request.query_params.get(k, "").strip() for k in ("as_of", "known_at")}
        return cls(
            as_of=parse_day(raw["as_of"], "as_of") if raw["as_of"] else None,
            known_at=parse_known_at(raw["known_at"]) if raw["known_at"] else None,
            raw={k: v for k, v in raw.items() if v},
        )


def default_plan(ledger: ParLedger) -> str:
    """The plan the root address opens: Cát Hải 2023 when loaded, else the first plan."""

    if ledger.exists(ids.plan_id(DEFAULT_PLAN)):
        return DEFAULT_PLAN
    codes = sorted(p.code for p in data.plans(ledger))
    return codes[0] if codes else DEFAULT_PLAN


def router(ledger: ParLedger, model: ReadModel, principal: Callable[..., Actor]) -> APIRouter:
    web = APIRouter(prefix=auth.PREFIX, include_in_schema=False)

    def facts(plan: str, when: When) -> tuple[Snapshot, Facts]:
        snap = model.snapshot(plan, when.as_of, when.known_at)
        views = {name: fn(snap.state, plan, snap.as_of) for name, fn in VIEWS.items()}
        return snap, facts_of(snap.state, plan, snap.as_of, snap.position, views)

    def guard(request: Request, build: Callable[[], Response]) -> Response:
        """HTML for every outcome: the page, the login page, or a readable error page."""
        try:
            return build()
        except auth.LoginRequired as needed:
            return auth.login_redirect(request, needed.message)
        except DomainError as error:
            status, message, field = status_of(error), error.message, error.field
        except ProblemError as error:
            status, message, field = error.status, error.detail, error.field
        return html(
            "error.html",
            status,
            code=status,
            message=message,
            field=field,
            user=auth.current(principal, request),
            params={},
            home=default_plan(ledger),
        )

    def page(
        request: Request,
        plan: str,
        active: str,
        template: str,
        build: Callable[[When, Snapshot, Facts, Actor | None], dict[str, Any]],
        *,
        login: bool = False,
    ) -> Response:
        def render() -> Response:
            when = When.of(request)
            actor = auth.require(principal, request) if login else None
            snap, found = facts(plan, when)
            context = build(when, snap, found, actor)
            return html(
                template,
                plan=plan,
                facts=found,
                snap=snap,
                params=when.raw,
                active=active,
                user=actor or auth.current(principal, request),
                path=request.url.path,
                **context,
            )

        return guard(request, render)

    @web.get("")
    @web.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse(f"{auth.PREFIX}/{default_plan(ledger)}", status_code=303)

    @web.get("/static/style.css")
    def style() -> Response:
        from importlib.resources import files

        css = files("web").joinpath("static/style.css").read_bytes()
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    @web.get("/login")
    def login_form(request: Request, next: str = "", reason: str = "") -> Response:
        return html(
            "login.html",
            next=auth.safe_next(next),
            reason=reason,
            error=None,
            params={},
            user=auth.current(principal, request),
            home=default_plan(ledger),
        )

    @web.post("/login")
    def login(request: Request, token: str = Form(""), next: str = Form("")) -> Response:
        target = auth.safe_next(next)
        try:
            auth.check(principal, token)
        except ProblemError as error:
            message = (
                "Mã truy cập không hợp lệ hoặc đã bị thu hồi (trường token)."
                if error.status == 401
                else error.detail
            )
            return html(
                "login.html",
                error.status,
                next=target,
                reason="",
                error=message,
                params={},
                user=None,
                home=default_plan(ledger),
            )
        return auth.signed_in(RedirectResponse(target, status_code=303), request, token)

    @web.post("/logout")
    def logout() -> Response:
        return auth.signed_out(RedirectResponse(f"{auth.PREFIX}/", status_code=303))

    @web.get("/{plan}")
    def overview(request: Request, plan: str) -> Response:
        return page(request, plan, "overview", "overview.html", lambda w, s, f, a: data.overview(f))

    @web.get("/{plan}/tasks")
    def tasks(request: Request, plan: str) -> Response:
        filters = {k: request.query_params.get(k, "") for k in ("area", "agency", "status")}
        return page(
            request, plan, "tasks", "tasks.html", lambda w, s, f, a: data.task_board(f, filters)
        )

    @web.get("/{plan}/targets")
    def targets(request: Request, plan: str) -> Response:
        return page(
            request, plan, "targets", "targets.html", lambda w, s, f, a: data.targets(s.state, f)
        )

    def by_agency(name: str, shape: Callable[[Facts, str], dict[str, Any]]) -> None:
        """A page of one view with an agency filter: inspections, apologies."""

        def show(request: Request, plan: str) -> Response:
            agency = request.query_params.get("agency", "")
            return page(request, plan, name, f"{name}.html", lambda w, s, f, a: shape(f, agency))

        web.add_api_route(f"/{{plan}}/{name}", show, methods=["GET"], name=name)

    by_agency("inspections", data.inspections)
    by_agency("apologies", data.apologies)

    @web.get("/{plan}/audit")
    def audit(request: Request, plan: str) -> Response:
        filters = {k: request.query_params.get(k, "") for k in ("entity", "type", "by")}
        cursor = request.query_params.get("cursor", "")

        def build(w: When, s: Snapshot, f: Facts, actor: Actor | None) -> dict[str, Any]:
            assert actor is not None
            found = data.audit(ledger, plan, w.as_of, s.position, filters, cursor)
            return {**redact(found, actor, ledger.vault), "filters": filters}

        return page(request, plan, "audit", "audit.html", build, login=True)

    @web.get("/{plan}/timeline")
    def entity_timeline(request: Request, plan: str, ref: str = "") -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor | None) -> dict[str, Any]:
            assert actor is not None
            if not ref:
                raise InvalidValue("cần chọn thực thể, ví dụ task:cat-hai-2023:1.b", field="ref")
            found = data.timeline(ledger, ref, w.as_of, s.position)
            return {"timeline": redact(found, actor, ledger.vault), "ref": ref}

        return page(request, plan, "audit", "timeline.html", build, login=True)

    @web.get("/{plan}/reports")
    def reports(request: Request, plan: str) -> Response:
        return page(request, plan, "reports", "reports.html", lambda w, s, f, a: data.reports(f))

    @web.get("/{plan}/reports/{period}/download")
    def download(request: Request, plan: str, period: str, format: str = "docx") -> Response:

        def build() -> Response:
            known = request.query_params.get("known_at") or None
            return report_response(load_report(ledger, plan, period, known), format, None)

        return guard(request, build)

    @web.get("/{plan}/reports/{period}/changes")
    def changes(request: Request, plan: str, period: str) -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor | None) -> dict[str, Any]:
            assert actor is not None
            shown: dict[str, Any] = redact(
                jsonable_encoder(data.changes(ledger, f, period)), actor, ledger.vault
            )
            return shown

        return page(request, plan, "reports", "changes.html", build, login=True)

    @web.get("/{plan}/charts/{name}.png")
    def chart(request: Request, plan: str, name: str) -> Response:
        def build() -> Response:
            if name not in CHARTS:
                raise NotFound(f"không có biểu đồ {name!r}; có: {', '.join(CHARTS)}", field="name")
            _, found = facts(plan, When.of(request))
            return Response(CHARTS[name][1](found), media_type="image/png")

        return guard(request, build)

    @web.get("/{rest:path}")
    def missing(request: Request, rest: str) -> Response:
        def build() -> Response:
            raise NotFound(f"không có trang /web/{rest}", field="path")

        return guard(request, build)

    return web
