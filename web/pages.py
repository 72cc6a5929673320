"""The pages: "Việc của tôi", plan overview, task board, targets, inspections, apologies,
reports, the audit trail, each entity's timeline and what changed about a submitted report,
and the users. Every page needs a signed-in user (as the API needs a token for the same
data); the audit trail follows ``access.require_audit_reader``, as in the API. Every page
reads as of a valid date (``as_of``) and as known at a moment (``known_at``), through the
API's own read model; the forms (``web/actions.py``) write through ``ParLedger.handle``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import RedirectResponse, Response

from domain import ids
from domain.errors import DomainError, InvalidValue, NotFound
from domain.user import User
from domain.values import Actor
from httpkit import sessions
from httpkit.files import load_report, report_response
from httpkit.problems import ProblemError, status_of
from ledger import access, scope
from ledger.application import ParLedger
from ledger.errors import Forbidden
from ledger.owners import owners
from ledger.personal import redact
from ledger.refs import parse_ref
from replay import VIEWS
from replay.readmodel import ReadModel, Snapshot, today
from replay.rollup import (
    WHOLE_LEDGER,
    PlanRef,
    plan_list,
    plans_in,
    readable_plans,
    rollup,
    unit_choices,
    unit_name,
)
from reports.charts import CHARTS
from reports.data import Facts, facts_of, parse_day, parse_known_at
from web import actions, auth, data, forms, mywork
from web.calendar import month_page, parse_month
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


def default_plan(ledger: ParLedger, readable: list[PlanRef] | None = None) -> str:
    """The plan the root address opens: Cát Hải 2023 when loaded (and, for a signed-in user,
    one of the ``readable`` plans), else the first plan of the user's own unit, else the
    first plan they may read (the first plan of the ledger when no one is signed in)."""
    if readable is None:
        if ledger.exists(ids.plan_id(DEFAULT_PLAN)):
            return DEFAULT_PLAN
        codes = sorted(str(d["plan"]) for d in plan_list(ledger))
        return codes[0] if codes else DEFAULT_PLAN
    if any(p.plan == DEFAULT_PLAN for p in readable):
        return DEFAULT_PLAN
    return readable[0].plan if readable else DEFAULT_PLAN


def router(ledger: ParLedger, model: ReadModel, _principal: Callable[..., Actor]) -> APIRouter:
    """The pages (``_principal``, the API's bearer tokens, no longer signs anyone in here:
    pages use sessions)."""
    web = APIRouter(prefix=auth.PREFIX, include_in_schema=False)

    def home_of(found: sessions.SignedIn | None, readable: list[PlanRef] | None = None) -> str:
        remembered = ledger.credentials.plan(found.name) if found else None
        if remembered and ledger.exists(ids.plan_id(remembered)):
            return remembered
        if found is not None and readable is None:
            readable = readable_plans(ledger, found.actor)
        return default_plan(ledger, readable)

    def chrome(request: Request) -> dict[str, Any]:
        """What every page's frame shows: who is signed in, their CSRF token, the plans."""
        found = sessions.signed_in(ledger, request)
        actor = found.actor if found else None

        def may(action: str) -> bool:
            return actor is not None and access.can(actor, action)

        # The plans this user may read, not a country's every plan: the menu's choices.
        readable = readable_plans(ledger, actor) if actor else []
        return {
            "user": actor,
            "csrf": found.session.csrf if found else "",
            "plans": sorted((p.plan, p.title) for p in readable),
            "home": home_of(found, readable if found else None),
            "params": {},
            "may_audit": actor is not None and access.audit_scope(actor) != "none",
            "may_manage_users": may(access.MANAGE_USERS),
            "may_write_tasks": may(access.WRITE_TASK),
            "may_write_dossiers": may(access.WRITE_DOSSIER),
            "may_report_figures": may(access.REPORT_FIGURES),
        }

    web.include_router(auth.router(ledger, chrome))
    web.include_router(actions.router(ledger, chrome))

    def facts(plan: str, when: When) -> tuple[Snapshot, Facts]:
        snap = model.snapshot(plan, when.as_of, when.known_at)
        views = {name: fn(snap.state, plan, snap.as_of) for name, fn in VIEWS.items()}
        return snap, facts_of(snap.state, plan, snap.as_of, snap.position, views)

    def guard(request: Request, build: Callable[[], Response]) -> Response:
        """HTML for every outcome: the page, the sign-in page, or a readable error page."""
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
            **chrome(request),
            code=status,
            message=message,
            field=field,
            crumbs=[("Lỗi", "")],
        )

    def page(
        request: Request,
        plan: str,
        active: str,
        template: str,
        build: Callable[[When, Snapshot, Facts, Actor], dict[str, Any]],
        crumb: str,
    ) -> Response:
        def render() -> Response:
            actor = auth.require(ledger, request).actor
            when = When.of(request)
            snap, found = facts(plan, when)
            context = build(when, snap, found, actor)
            frame = {**chrome(request), "params": when.raw}
            return html(
                template,
                **{
                    **frame,
                    "plan": plan,
                    "plan_title": found.title,
                    "facts": found,
                    "snap": snap,
                    "active": active,
                    "path": request.url.path,
                    "crumbs": [(crumb, "")],
                    **context,
                },
            )

        return guard(request, render)

    def signed(request: Request, build: Callable[[sessions.SignedIn], Response]) -> Response:
        def run() -> Response:
            return build(auth.require(ledger, request))

        return guard(request, run)

    @web.get("")
    @web.get("/")
    def home(request: Request) -> Response:
        found = sessions.signed_in(ledger, request)
        target = f"/{home_of(found)}/me" if found else "/login"
        return RedirectResponse(f"{auth.PREFIX}{target}", status_code=303)

    @web.get("/static/style.css")
    def style() -> Response:
        css = files("web").joinpath("static/style.css").read_bytes()
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    @web.get("/me")
    def me_anywhere(request: Request) -> Response:
        return signed(
            request,
            lambda found: RedirectResponse(f"{auth.PREFIX}/{home_of(found)}/me", status_code=303),
        )

    @web.get("/choose-plan")
    def choose_plan(request: Request, plan: str = "", page: str = "") -> Response:
        def chosen(found: sessions.SignedIn) -> Response:
            ledger.get_plan(plan)  # NotFound naming the field when there is no such plan
            ledger.credentials.remember_plan(found.name, plan)
            rest = PAGES.get(page, "")
            return RedirectResponse(f"{auth.PREFIX}/{plan}{rest}", status_code=303)

        return signed(request, chosen)

    @web.get("/users")
    def users(request: Request) -> Response:
        def listed(found: sessions.SignedIn) -> Response:
            access.require(found.actor, access.MANAGE_USERS)
            everyone = [
                ledger.load(User, uid, "người dùng")
                for uid in ledger.ledger_recorder.select_originators("User")
            ]
            return html(
                "users.html",
                **chrome(request),
                plan=home_of(found),
                active="users",
                crumbs=[("Người dùng", "")],
                users=sorted(everyone, key=lambda u: u.name),
            )

        return signed(request, listed)

    def frame_plan(
        found: sessions.SignedIn, chosen: str, rolled: dict[str, Any] | None
    ) -> str | None:
        """The plan the frame's links open on a unit's page: that unit's latest plan the
        reader sees, none when it has none of its own (its communes' plans are in the table),
        the reader's home plan for the whole ledger."""
        if rolled is None or chosen == WHOLE_LEDGER:
            return home_of(found)
        own = [line for line in rolled["plans"] if line["unit"] == chosen]
        return max(own, key=lambda line: (line["year"], line["plan"]))["plan"] if own else None

    @web.get("/units")
    def units(request: Request, unit: str = "") -> Response:
        """The plans index by unit: a unit picker over the units the reader may see (a
        province's secretariat: its province and its communes), the chosen unit's plans and
        their roll-up as of a date, as known at a moment."""

        def shown(found: sessions.SignedIn) -> Response:
            when = When.of(request)
            choices = unit_choices(ledger, found.actor)
            codes = [code for code, _, _ in choices]
            own = scope.actor_unit(ledger, found.actor)
            chosen = unit.strip() or (own if own in codes else codes[0] if codes else "")
            if chosen and chosen not in codes:
                plans_in(ledger, chosen)  # NotFound, naming the field, for no such unit
                why = f"bạn không được xem các kế hoạch của đơn vị {chosen}"
                raise Forbidden(why, field="unit")
            rolled = (
                rollup(ledger, chosen, when.as_of or today(), when.known_at, found.actor)
                if chosen
                else None
            )
            return html(
                "units.html",
                **{
                    **chrome(request),
                    "plan": frame_plan(found, chosen, rolled),
                    "active": "units",
                    "crumbs": [("Đơn vị và kế hoạch", "")],
                    "params": when.raw,
                    "units": choices,
                    "unit_names": {code: label for code, label, _ in choices},
                    "unit": chosen,
                    "name": unit_name(ledger, chosen) if chosen else "",
                    "rollup": rolled,
                },
            )

        return signed(request, shown)

    @web.get("/{plan}/me")
    def my_work(request: Request, plan: str) -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
            today = forms.today_vn()
            return {**mywork.my_work(f, actor, today), "today": today, "names": f.name}

        return page(request, plan, "me", "mywork.html", build, "Việc của tôi")

    Shape = Callable[[Request, Snapshot, Facts], dict[str, Any]]

    @web.get("/{plan}")
    def overview(request: Request, plan: str) -> Response:
        return page(
            request,
            plan,
            "overview",
            "overview.html",
            lambda w, s, f, a: {
                **data.overview(f),
                **data.computed(ledger, s.state, plan, s.as_of, w.known_at),
            },
            "Tổng quan",
        )

    def view(name: str, path: str, crumb: str, shape: Shape) -> None:
        """A page of one view, ``name.html``, shaped from the facts and the query string."""

        def show(request: Request, plan: str) -> Response:
            def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
                return shape(request, s, f)

            return page(request, plan, name, f"{name}.html", build, crumb)

        web.add_api_route(path, show, methods=["GET"], name=name)

    def asked(request: Request, *keys: str) -> dict[str, str]:
        return {k: request.query_params.get(k, "") for k in keys}

    def agency(request: Request) -> str:
        return asked(request, "agency")["agency"]

    view("tasks", "/{plan}/tasks", "Nhiệm vụ",
         lambda r, s, f: data.task_board(f, asked(r, "area", "agency", "status")))  # fmt: skip
    view("targets", "/{plan}/targets", "Chỉ tiêu", lambda r, s, f: data.targets(s.state, f))
    view("inspections", "/{plan}/inspections", "Kiểm tra",
         lambda r, s, f: data.inspections(f, agency(r)))  # fmt: skip
    view("apologies", "/{plan}/apologies", "Hồ sơ trễ hạn",
         lambda r, s, f: data.apologies(f, agency(r)))  # fmt: skip

    @web.get("/{plan}/obligations")
    def obligations(request: Request, plan: str) -> Response:
        filters = {k: request.query_params.get(k, "") for k in ("agency", "status")}
        return page(
            request,
            plan,
            "obligations",
            "obligations.html",
            lambda w, s, f, a: data.obligations(s.state, f, filters),
            "Nghĩa vụ",
        )

    @web.get("/{plan}/audit")
    def audit(request: Request, plan: str) -> Response:
        filters = asked(request, "entity", "type", "by")
        cursor = request.query_params.get("cursor", "")

        def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
            entity = filters["entity"]
            access.require_audit_reader(
                actor, owners(ledger, parse_ref(entity)) if entity else None
            )
            found = data.audit(ledger, plan, w.as_of, s.position, filters, cursor)
            return {**redact(found, actor, ledger.vault), "filters": filters}

        return page(request, plan, "audit", "audit.html", build, "Nhật ký kiểm toán")

    @web.get("/{plan}/timeline")
    def entity_timeline(request: Request, plan: str, ref: str = "") -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
            if not ref:
                raise InvalidValue("cần chọn thực thể, ví dụ task:cat-hai-2023:1.b", field="ref")
            access.require_audit_reader(actor, owners(ledger, parse_ref(ref)))
            found = data.timeline(ledger, ref, w.as_of, s.position)
            return {"timeline": redact(found, actor, ledger.vault), "ref": ref}

        return page(request, plan, "audit", "timeline.html", build, "Diễn biến")

    @web.get("/{plan}/reports")
    def reports(request: Request, plan: str) -> Response:
        return page(
            request, plan, "reports", "reports.html", lambda w, s, f, a: data.reports(f), "Báo cáo"
        )

    @web.get("/{plan}/calendar")
    def calendar(request: Request, plan: str, month: str = "") -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
            first = parse_month(month, s.as_of)
            return {**month_page(ledger, s, f, first, w.known_at), "month_text": month}

        return page(request, plan, "calendar", "calendar.html", build, "Lịch và quy định")

    @web.get("/{plan}/reports/{period}/download")
    def download(request: Request, plan: str, period: str, format: str = "docx") -> Response:
        def build(found: sessions.SignedIn) -> Response:
            known = request.query_params.get("known_at") or None
            return report_response(load_report(ledger, plan, period, known), format, None)

        return signed(request, build)

    @web.get("/{plan}/reports/{period}/changes")
    def changes(request: Request, plan: str, period: str) -> Response:
        def build(w: When, s: Snapshot, f: Facts, actor: Actor) -> dict[str, Any]:
            access.require_audit_reader(actor, None)
            shown: dict[str, Any] = redact(
                jsonable_encoder(data.changes(ledger, f, period)), actor, ledger.vault
            )
            return shown

        return page(request, plan, "reports", "changes.html", build, "Thay đổi của báo cáo")

    @web.get("/{plan}/charts/{name}.png")
    def chart(request: Request, plan: str, name: str) -> Response:
        def build(found: sessions.SignedIn) -> Response:
            if name not in CHARTS:
                raise NotFound(f"không có biểu đồ {name!r}; có: {', '.join(CHARTS)}", field="name")
            _, found_facts = facts(plan, When.of(request))
            return Response(CHARTS[name][1](found_facts), media_type="image/png")

        return signed(request, build)

    @web.get("/{rest:path}")
    def missing(request: Request, rest: str) -> Response:
        def build() -> Response:
            raise NotFound(f"không có trang /web/{rest}", field="path")

        return guard(request, build)

    return web


# The pages the plan picker returns to, by the name the navigation gives them.
PAGES = {
    "me": "/me",
    "overview": "",
    "tasks": "/tasks",
    "targets": "/targets",
    "inspections": "/inspections",
    "apologies": "/apologies",
    "obligations": "/obligations",
    "reports": "/reports",
    "calendar": "/calendar",
    "audit": "/audit",
    "forms": "/forms",
}
