"""Users: their bearer tokens (API clients) and passwords (the pages), issued once, stored
hashed, revocable; their role and agency.

A password never enters a command or an event: the ledger records that one was set,
changed or reset and by whom (``User.PasswordSet``) and that a sign-in was locked out; the
argon2id hash lives in the credentials table (``persistence/credentials.py``). New and reset
passwords are generated here and shown once, like tokens."""

from __future__ import annotations

import secrets
from typing import Annotated, ClassVar

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue
from domain.user import USER_NAME, User
from domain.values import EventMeta, Role
from ledger import access
from ledger.commands import Code, Command, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from ledger.loading import hash_token
from persistence.credentials import MAX_FAILURES

USER = Field(description="Tên đăng nhập (chữ, số và . _ @ -)")
UserName = Annotated[str, Field(min_length=1, max_length=64, pattern=f"^{USER_NAME.pattern}$")]


class UserCommand(Command):
    """A command about one user, named."""

    tag: ClassVar[str] = "users"

    name: Annotated[UserName, USER]


class AddUser(UserCommand):
    route = Route(
        "users add",
        "/users",
        "Tạo người dùng, cấp mã truy cập và mật khẩu tạm (chỉ hiện một lần)",
        creates=True,
        positional=("name",),
        permission=access.MANAGE_USERS,
    )

    role: Role = Field(description="Vai trò")
    agency: Code | None = Field(default=None, description="Mã cơ quan của người dùng")
    display_name: Short | None = Field(default=None, description="Họ tên hiển thị")


class RevokeUser(UserCommand):
    route = Route(
        "users revoke",
        "/users/{name}/revoke",
        "Thu hồi mã truy cập của người dùng",
        permission=access.MANAGE_USERS,
    )


@use_case(AddUser)
def add_user(app: LedgerCore, ctx: CommandContext, cmd: AddUser) -> CommandResult:
    """Register a user; the bearer token is in the result's detail, shown once, never stored
    (a retry with the same key gets the first outcome without it)."""
    access.require_user_admin(ctx.actor, cmd.role.value)
    password = temporary_password()
    # The name rides in the token so that a lookup is one read, not a scan; the secret part
    # is what proves possession, and only its hash is stored.
    token = f"plg.{cmd.name}.{secrets.token_urlsafe(32)}"

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        if cmd.agency is not None:
            app.require_agency(cmd.agency, "agency")
        if app.exists(ids.user_id(cmd.name)):
            raise InvalidValue(f"người dùng {cmd.name!r} đã tồn tại", field="name")
        user = User.register(
            name=cmd.name,
            display_name=cmd.display_name or cmd.name,
            role=cmd.role.value,
            agency=cmd.agency,
            token_sha256=hash_token(token),
            meta=meta,
        )
        user.set_password(kind="initial", meta=meta)
        return [user]

    detail = {
        "user": cmd.name,
        "role": cmd.role.value,
        "agency": cmd.agency or "",
        "token": token,
        "password": password,
    }
    result = app.execute(ctx, cmd, decide, detail=detail)
    if not result.replayed and result.changes:
        app.credentials.set_password(cmd.name, password)
    return result


@use_case(RevokeUser)
def revoke_user(app: LedgerCore, ctx: CommandContext, cmd: RevokeUser) -> CommandResult:
    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = _user(app, ctx, cmd.name)
        found.revoke(meta=meta)
        return [found]

    result = app.execute(ctx, cmd, decide)
    app.credentials.end_all(cmd.name)  # signed out everywhere, at once
    return result


class ChangeUserRole(UserCommand):
    route = Route(
        "users change",
        "/users/{name}/role",
        "Đổi vai trò hoặc cơ quan của người dùng",
        permission=access.MANAGE_USERS,
    )

    role: Role = Field(description="Vai trò mới")
    agency: Code | None = Field(default=None, description="Mã cơ quan (cán bộ cơ quan)")


class ResetPassword(UserCommand):
    route = Route(
        "users reset-password",
        "/users/{name}/password-reset",
        "Đặt lại mật khẩu: cấp mật khẩu tạm (chỉ hiện một lần)",
        permission=access.MANAGE_USERS,
    )


def temporary_password() -> str:
    """16 URL-safe characters (96 random bits): typed once, then changed by the user."""
    return secrets.token_urlsafe(12)


def _user(app: LedgerCore, ctx: CommandContext, name: str, *roles: str) -> User:
    """The user ``name``, once the actor may administer them (and ``roles`` they get)."""
    found = app.for_update(User, ids.user_id(name), f"người dùng {name}", ctx)
    access.require_user_admin(ctx.actor, found.role, *roles)
    return found


@use_case(ChangeUserRole)
def change_user_role(app: LedgerCore, ctx: CommandContext, cmd: ChangeUserRole) -> CommandResult:
    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = _user(app, ctx, cmd.name, cmd.role.value)
        if cmd.agency is not None:
            app.require_agency(cmd.agency, "agency")
        found.change_role(role=cmd.role.value, agency=cmd.agency, meta=meta)
        return [found]

    return app.execute(ctx, cmd, decide)


@use_case(ResetPassword)
def reset_password(app: LedgerCore, ctx: CommandContext, cmd: ResetPassword) -> CommandResult:
    password = temporary_password()

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = _user(app, ctx, cmd.name)
        found.set_password(kind="reset", meta=meta)
        return [found]

    result = app.execute(ctx, cmd, decide, detail={"user": cmd.name, "password": password})
    if not result.replayed and result.changes:
        app.credentials.set_password(cmd.name, password)
    return result


# -- the user's own acts: no route (a password never travels as a command's field) ----------

MIN_PASSWORD = 10


class ChangeOwnPassword(UserCommand):
    """Recorded when a signed-in user changes their own password (the pages only)."""

    operation: ClassVar[str] = "change_own_password"


class RecordLockout(UserCommand):
    """Recorded by the sign-in itself when an account is locked out."""

    operation: ClassVar[str] = "record_lockout"
    until: Short
    failures: int


def check_new_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(f"mật khẩu mới cần ít nhất {MIN_PASSWORD} ký tự", field="new_password")
    if len(password) > 200:
        raise InvalidValue("mật khẩu mới dài quá 200 ký tự", field="new_password")
    if name.casefold() in password.casefold():
        raise InvalidValue("mật khẩu mới không được chứa tên đăng nhập", field="new_password")


def change_own_password(
    app: LedgerCore, ctx: CommandContext, current: str, new: str
) -> CommandResult:
    """The signed-in user's new password, once they have proved the current one."""
    name = ctx.actor.id.removeprefix("user:")
    if not ctx.actor.id.startswith("user:") or not app.credentials.verify(name, current):
        raise InvalidValue("mật khẩu hiện tại không đúng", field="current_password")
    check_new_password(name, new)
    if new == current:
        raise InvalidValue("mật khẩu mới phải khác mật khẩu hiện tại", field="new_password")

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.load(User, ids.user_id(name), f"người dùng {name}")
        found.set_password(kind="changed", meta=meta)
        return [found]

    result = app.execute(ctx, ChangeOwnPassword(name=name), decide)
    app.credentials.set_password(name, new)
    return result


def record_lockout(app: LedgerCore, ctx: CommandContext, name: str, until: str) -> None:
    """Put a lockout on the record (``ctx.actor``: the sign-in service, not the user)."""
    failures = MAX_FAILURES

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = app.load(User, ids.user_id(name), f"người dùng {name}")
        found.lock_out(until=until, failures=failures, meta=meta)
        return [found]

    app.execute(ctx, RecordLockout(name=name, until=until, failures=failures), decide)
