"""Every declared command (``ledger/commands.py``) as an HTTP endpoint, derived from its
declaration: the path from ``http``, the body from its other fields, the example, summary,
tag and operation id likewise.

The endpoint only translates: path and body to the declared command, headers
to the command context (If-Match → expected version, Idempotency-Key → the key). The
application decides, exactly as for the CLI. Bodies forbid unknown fields, so a body naming
an actor, an agency of record, a version, a hash or a timestamp of recording is refused with
422 naming the field, never obeyed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi import Body as BodyParam
from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field, create_model

import reports.submission  # noqa: F401  (registers the report submission use case)
from domain.values import VN_TZ, Actor, Source
from httpkit.problems import ProblemError, responses
from ledger.application import ParLedger
from ledger.commands import DECLARED, Command
from ledger.context import CommandContext
from ledger.errors import Conflict

Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class Body(BaseModel):
    """What every command may say besides its own fields: when it took effect, and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_at: datetime | Day | None = Field(
        default=None,
        description="Ngày hoặc thời điểm có hiệu lực (mặc định: lúc ghi). Không được ở tương lai.",
    )
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Lý do (bắt buộc với các thay đổi hồ sơ như sửa số liệu)"
    )


class ChangeOut(BaseModel):
    entity: str
    id: UUID
    version: int


class CommandOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changes": [
                        {"entity": "task", "id": "5b0c1d52-7f0e-5c1a-9a57-0f4d1c7e2b13",
                         "version": 4}
                    ],
                    "positions": [1842],
                    "replayed": False,
                    "detail": {},
                }
            ]
        }
    )  # fmt: skip

    changes: list[ChangeOut]
    positions: list[int] = Field(description="Vị trí của các sự kiện vừa ghi trong sổ cái")
    replayed: bool = Field(description="True khi đây là kết quả của lần gửi đầu (cùng khóa)")
    detail: dict[str, Any] = {}


def parse_if_match(value: str | None) -> int | None:
    """``"7"``, ``W/"7"`` or ``*``; None for ``*`` (any version)."""
    if value is None:
        raise ProblemError(
            428,
            "precondition_required",
            'thay đổi cần tiêu đề If-Match với ETag đã đọc, ví dụ If-Match: "3"',
            "If-Match",
        )
    text = value.strip()
    if text == "*":
        return None
    text = text.removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 12:
        raise ProblemError(
            422, "invalid_value", f'If-Match không hợp lệ: {value!r}; dạng đúng: "3"', "If-Match"
        )
    return int(text)


def _effective(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=VN_TZ)
        return value
    return datetime.combine(value, time(12), VN_TZ)


def body_model(command: type[Command]) -> type[Body]:
    """The HTTP body of a command: its fields not in the path, with when and why."""
    fields: dict[str, Any] = {
        name: (command.model_fields[name].annotation, command.model_fields[name])
        for name in command.body_fields()
    }
    return create_model(f"{command.__name__}Body", __base__=Body, **fields)


def body_example(command: type[Command]) -> dict[str, Any]:
    path = set(command.path_fields())
    return {k: v for k, v in command.example.items() if k not in path}


def _path_parameter(command: type[Command], name: str) -> inspect.Parameter:
    field = command.model_fields[name]
    core = field.annotation if field.annotation in (int, UUID) else str
    description = field.description or name
    path = (
        Path(description=description, max_length=200)
        if core is str
        else Path(description=description)
    )
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[core, path])


def _header(alias: str, description: str, **constraints: Any) -> Any:
    return Annotated[str | None, Header(alias=alias, description=description, **constraints)]


def _endpoint(ledger: ParLedger, command: type[Command], principal: Callable[..., Actor]) -> Any:
    model = body_model(command)

    def endpoint(request: Request, response: Response, **kwargs: Any) -> CommandOut:
        body: Body = kwargs.pop("body")
        actor: Actor = kwargs.pop("actor")
        if_match: str | None = kwargs.pop("if_match")
        key: str | None = kwargs.pop("idempotency_key")
        expected = None if command.creates else parse_if_match(if_match)
        said = body.model_dump(exclude={"effective_at", "reason"}, exclude_unset=True)
        stated = command.parse({**kwargs, **said})
        ctx = CommandContext(
            actor=actor,
            source=Source.API,
            effective_at=_effective(body.effective_at),
            reason=body.reason,
            request_id=request.headers.get("x-request-id"),
            idempotency_key=key,
            expected_version=expected,
        )
        try:
            result = ledger.handle(ctx, stated)
        except Conflict as error:
            if expected is None:
                raise
            raise ProblemError(412, "stale_version", error.message, "If-Match") from None
        if result.changes:
            response.headers["ETag"] = f'"{result.changes[0].version}"'
        if command.creates and not result.replayed:
            response.status_code = 201
        return CommandOut(
            changes=[
                ChangeOut(entity=c.entity, id=c.id, version=c.version) for c in result.changes
            ],
            positions=list(result.positions),
            replayed=result.replayed,
            detail=dict(result.detail),
        )

    examples: dict[str, Example] = {
        "cat-hai": {"summary": "Ví dụ (Cát Hải 2023)", "value": body_example(command)}
    }
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response),
        *(_path_parameter(command, name) for name in command.path_fields()),
        inspect.Parameter(
            "body",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[model, BodyParam(openapi_examples=examples)],
        ),
        inspect.Parameter(
            "actor", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Actor, Depends(principal)]
        ),
        inspect.Parameter(
            "if_match",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=_header(
                "If-Match",
                "ETag của thực thể đã đọc; bắt buộc khi thay đổi thực thể có sẵn",
                pattern=r'^(\*|(W/)?"[0-9]{1,12}")$',
            ),
            default=None,
        ),
        inspect.Parameter(
            "idempotency_key",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=_header(
                "Idempotency-Key",
                "Gửi lại cùng khóa và cùng nội dung: nhận lại kết quả đầu, không ghi thêm",
                max_length=200,
            ),
            default=None,
        ),
    ]
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=CommandOut)  # type: ignore[attr-defined]
    endpoint.__name__ = command.operation
    return endpoint


def router(ledger: ParLedger, principal: Callable[..., Actor]) -> APIRouter:
    api = APIRouter()
    for command in DECLARED:
        statuses = [400, 401, 403, 404, 409, 413, 422, 429]
        if not command.creates:
            statuses += [412, 428]
        api.add_api_route(
            command.http,
            _endpoint(ledger, command, principal),
            methods=["POST"],
            name=command.operation,
            operation_id=command.operation,
            summary=command.label,
            tags=[command.tag],
            response_model=CommandOut,
            status_code=201 if command.creates else 200,
            responses=responses(*sorted(statuses)),
        )
    return api
