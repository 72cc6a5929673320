"""The forms' pages: the list of forms a person may submit, each form, and what submitting
it did. A submission goes through ``ParLedger.handle`` like a CLI or API command, with:

* the session's CSRF token checked first (a form without it records nothing);
* the entity's version as the form showed it (a stale form is refused, showing the events
  recorded since and the entity's values now);
* an idempotency key made when the form was shown, so a double click or a resubmission
  after a dropped connection records once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import RedirectResponse, Response

from domain.errors import DomainError, InvalidValue
from domain.values import Actor, Source
from httpkit import sessions
from httpkit.problems import ProblemError, status_of
from httpkit.routing import MIN_POSITION_PARAM
from ledger.application import ParLedger
from ledger.commands import Command
from ledger.context import CommandContext, CommandResult
from ledger.errors import StaleVersion
from ledger.personal import redact
from projections.history import fold_history, state_of
from reports.vn_dates import vn_short
from web import auth, forms
from web.render import html


def _version(ledger: ParLedger, uid: UUID | None) -> int | None:
    if uid is None:
        return None
    try:
        return int(ledger.repository.get(uid).version)
    except AggregateNotFoundError:
        return None


def _since(ledger: ParLedger, uid: UUID, version: int, actor: Actor) -> dict[str, Any]:
    """What was recorded about the entity after ``version``, and its values now."""
    events = list(ledger.events.get(uid))
    entries = [e for e in fold_history(events) if e.version > version]
    now = state_of(ledger.repository.get(uid))
    shown = {"entries": jsonable_encoder(entries), "state": jsonable_encoder(now)}
    found: dict[str, Any] = redact(shown, actor, ledger.vault)
    return found


def router(ledger: ParLedger, chrome: Callable[[Request], dict[str, Any]]) -> APIRouter:
    web = APIRouter(include_in_schema=False)  # included under the pages router's prefix

    def render(
        request: Request, plan: str, command: type[Command], status: int = 200, **context: Any
    ) -> Response:
        values: dict[str, str] = context.pop("values")
        uid = forms.entity_id(command, values)
        version = context.pop("version", None)
        if version is None and not command.creates:
            version = _version(ledger, uid)
        choosing = not command.creates and version is None
        return html(
            "form.html",
            status,
            **chrome(request),
            plan=plan,
            active="forms",
            crumbs=[("Biểu mẫu", f"{auth.PREFIX}/{plan}/forms"), (command.label, "")],
            command=command,
            fields=[f for f in forms.fields(command) if not choosing or f.in_path],
            values=values,
            version=version,
            choosing=choosing,
            key=context.pop("key", None) or uuid.uuid4().hex,
            today=vn_short(forms.today_vn()),
            errors=context.pop("errors", {}),
            **context,
        )

    def refused(
        request: Request, plan: str, status: int, message: str, field: str | None
    ) -> Response:
        return html(
            "error.html",
            status,
            **chrome(request),
            plan=plan,
            code=status,
            message=message,
            field=field,
            crumbs=[("Lỗi", "")],
        )

    def signed_form(
        request: Request, plan: str, operation: str
    ) -> tuple[sessions.SignedIn, type[Command]] | Response:
        """The person signed in and the form asked for, or the page to answer instead."""
        try:
            found = auth.require(ledger, request)
        except auth.LoginRequired as needed:
            return auth.login_redirect(request, needed.message)
        command = forms.BY_OPERATION.get(operation)
        if command is None:
            return refused(request, plan, 404, f"không có biểu mẫu {operation!r}", "operation")
        return found, command

    @web.get("/{plan}/forms")
    def index(request: Request, plan: str) -> Response:
        try:
            found = auth.require(ledger, request)
        except auth.LoginRequired as needed:
            return auth.login_redirect(request, needed.message)
        return html(
            "forms.html",
            **chrome(request),
            plan=plan,
            active="forms",
            crumbs=[("Biểu mẫu", "")],
            groups=forms.forms_for(found.actor),
        )

    @web.get("/{plan}/forms/{operation}")
    def show(request: Request, plan: str, operation: str) -> Response:
        opened = signed_form(request, plan, operation)
        if isinstance(opened, Response):
            return opened
        found, command = opened
        if not forms.allowed(found.actor, command):
            return refused(request, plan, 403, _no_right(found.actor, command), "role")
        values = {k: v for k, v in request.query_params.items() if k in command.model_fields}
        if "plan" in command.model_fields:
            values.setdefault("plan", plan)
        return render(request, plan, command, values=values)

    @web.post("/{plan}/forms/{operation}")
    async def submit(request: Request, plan: str, operation: str) -> Response:
        try:
            found = auth.require(ledger, request)
        except auth.LoginRequired as needed:
            return auth.login_redirect(request, needed.message)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            sessions.check_csrf(found.session.csrf, form.get("csrf"))
        except ProblemError as error:
            return refused(request, plan, 403, error.detail, error.field)
        command = forms.BY_OPERATION.get(operation)
        if command is None:
            return refused(request, plan, 404, f"không có biểu mẫu {operation!r}", "operation")
        return carry_out(request, plan, command, form, found.actor)

    def carry_out(
        request: Request, plan: str, command: type[Command], form: dict[str, str], actor: Actor
    ) -> Response:
        values = {k: form.get(k, "") for k in command.model_fields}
        key = form.get("key", "")[:64] or uuid.uuid4().hex
        raw_version = form.get("version", "")
        expected = int(raw_version) if raw_version.isdigit() else None
        keep = {
            "values": values,
            "key": key,
            "effective_at": form.get("effective_at", ""),
            "reason": form.get("reason", ""),
        }
        try:
            if not command.creates and expected is None:
                raise InvalidValue("biểu mẫu thiếu phiên bản của thực thể", field="version")
            ctx = CommandContext(
                actor=actor,
                source=Source.API,
                effective_at=forms.effective(form.get("effective_at", "")),
                reason=form.get("reason", "").strip() or None,
                request_id=request.headers.get("x-request-id"),
                idempotency_key=f"web:{key}",
                expected_version=expected,
            )
            result = ledger.handle(ctx, forms.stated(command, form))
        except StaleVersion:
            uid = forms.entity_id(command, values)
            assert uid is not None and expected is not None
            since = _since(ledger, uid, expected, actor)
            return render(
                request,
                plan,
                command,
                409,
                **keep,
                stale=since,
                errors={"version": "biểu mẫu đã cũ: thực thể vừa được thay đổi"},
            )
        except DomainError as error:
            if isinstance(error, InvalidValue) and error.field:
                field = error.field.split(".")[0]
                message = error.message.removeprefix(f"{error.field}: ")
                return render(
                    request, plan, command, 422, **keep, version=expected, errors={field: message}
                )
            return refused(request, plan, status_of(error), error.message, error.field)
        if result.detail:  # a secret shown once (a temporary password): never in a URL
            return done(request, plan, command, result, values, 201)
        return RedirectResponse(_done_url(plan, command, key, result, values), status_code=303)

    @web.get("/{plan}/forms/{operation}/done")
    def outcome(request: Request, plan: str, operation: str) -> Response:
        """Where a successful submission redirects to, carrying ``min_position``: served only
        once the read target's view holds what was recorded (``httpkit/routing.py``)."""
        opened = signed_form(request, plan, operation)
        if isinstance(opened, Response):
            return opened
        found, command = opened
        query = request.query_params
        key = query.get("key", "")[:64]
        result = ledger.outcome(found.actor, f"web:{key}") if key else None
        if result is None:  # only the person who submitted finds it: the key is theirs
            return refused(request, plan, 404, "không có lần ghi nào của bạn với mã này", "key")
        if query.get("replayed"):
            result = replace(result, replayed=True)
        shown = {f.name: query.get(f.name, "") for f in forms.fields(command) if f.in_path}
        return done(request, plan, command, result, shown, 200)

    def done(
        request: Request,
        plan: str,
        command: type[Command],
        result: CommandResult,
        values: dict[str, str],
        status: int,
    ) -> Response:
        return html(
            "done.html",
            status if command.creates and not result.replayed else 200,
            **chrome(request),
            plan=plan,
            active="forms",
            command=command,
            result=result,
            values=values,
            # The page's links carry it too: the next page read waits for the write as well.
            position=max(result.positions, default=None),
            crumbs=[("Biểu mẫu", f"{auth.PREFIX}/{plan}/forms"), (command.label, "")],
        )

    return web


def _done_url(
    plan: str, command: type[Command], key: str, result: CommandResult, values: dict[str, str]
) -> str:
    """The outcome page, with the position the write reached (read-your-writes: a replica or
    the projection worker must have reached it before the page is served) and the entity's
    address (its links name it)."""
    query: dict[str, str | int] = {"key": key}
    if result.positions:
        query[MIN_POSITION_PARAM] = max(result.positions)
    if result.replayed:
        query["replayed"] = 1
    query |= {
        f.name: values[f.name] for f in forms.fields(command) if f.in_path and values.get(f.name)
    }
    return f"{auth.PREFIX}/{plan}/forms/{command.operation}/done?{urlencode(query)}"


def _no_right(actor: Actor, command: type[Command]) -> str:
    return f"vai trò {actor.role.value} không được dùng biểu mẫu “{command.label}”"
