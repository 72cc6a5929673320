"""Users and their bearer tokens: issued once, stored hashed, revocable."""

from __future__ import annotations

import secrets
from typing import Annotated, ClassVar

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue
from domain.user import User
from domain.values import EventMeta, Role
from ledger import access
from ledger.commands import Code, Command, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore, hash_token

USER = Field(description="Tên đăng nhập (chữ thường, số, dấu chấm, gạch)")
UserName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class AddUser(Command):
    route = Route(
        "users add",
        "/users",
        "Tạo người dùng và cấp mã truy cập (chỉ hiện một lần)",
        creates=True,
        positional=("name",),
    )
    tag: ClassVar[str] = "users"

    name: Annotated[UserName, USER]
    role: Role = Field(description="Vai trò")
    agency: Code | None = Field(default=None, description="Mã cơ quan của người dùng")
    display_name: Short | None = Field(default=None, description="Họ tên hiển thị")


class RevokeUser(Command):
    route = Route("users revoke", "/users/{name}/revoke", "Thu hồi mã truy cập của người dùng")
    tag: ClassVar[str] = "users"

    name: Annotated[UserName, USER]


@use_case(AddUser)
def add_user(app: LedgerCore, ctx: CommandContext, cmd: AddUser) -> CommandResult:
    """Register a user; the bearer token is in the result's detail, shown once, never stored
    (a retry with the same key gets the first outcome without it)."""
    access.require(ctx.actor, access.MANAGE_USERS)
    # The name rides in the token so that a lookup is one read, not a scan; the secret part
    # is what proves possession, and only its hash is stored.
    token = f"plg.{cmd.name}.{secrets.token_urlsafe(32)}"

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        if cmd.agency is not None:
            app.require_agency(cmd.agency, "agency")
        if app.exists(ids.user_id(cmd.name)):
            raise InvalidValue(f"người dùng {cmd.name!r} đã tồn tại", field="name")
        return [
            User.register(
                name=cmd.name,
                display_name=cmd.display_name or cmd.name,
                role=cmd.role.value,
                agency=cmd.agency,
                token_sha256=hash_token(token),
                meta=meta,
            )
        ]

    detail = {"user": cmd.name, "role": cmd.role.value, "agency": cmd.agency or "", "token": token}
    return app.execute(ctx, cmd, decide, detail=detail)


@use_case(RevokeUser)
def revoke_user(app: LedgerCore, ctx: CommandContext, cmd: RevokeUser) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_USERS)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.load(User, ids.user_id(cmd.name), f"người dùng {cmd.name}")
        found.revoke(meta=meta)
        return [found]

    return app.execute(ctx, cmd, decide)
