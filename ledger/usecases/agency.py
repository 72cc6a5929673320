"""The agency directory (danh mục cơ quan): agencies registered, renamed, merged, dissolved."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from domain import ids
from domain.agency import AGENCY_KINDS, Agency
from domain.base import LedgerAggregate
from domain.errors import InvalidValue
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

# The domain's kinds as an enumeration for the schemas and the CLI's choices (not retyped).
AgencyKind = StrEnum("AgencyKind", {kind: kind for kind in AGENCY_KINDS})  # type: ignore[misc]

AGENCY = Field(description="Mã cơ quan, ví dụ phong-tu-phap")


class RegisterAgency(Command):
    action = "agency.register"
    operation = "register_agency"
    label = "Thêm cơ quan vào danh mục"
    http = "/agencies"
    cli = "agency add"
    tag: ClassVar[str] = "agencies"
    creates = True
    positional = ("agency_code",)
    cli_aliases = {"aliases": ("--alias",)}
    example = {
        "agency_code": "phong-van-hoa-khoa-hoc",
        "name": "Phòng Văn hóa, Khoa học và Thông tin",
        "kind": "specialised_office",
        "aliases": ["Phòng VH-KH-TT"],
    }

    agency_code: Annotated[Code, AGENCY]
    name: Short = Field(description="Tên cơ quan")
    kind: AgencyKind = Field(description="Loại cơ quan")
    aliases: Annotated[list[Short], Field(max_length=20)] = Field(
        default_factory=list, description="Tên gọi khác"
    )


class AgencyCommand(Command):
    """A command addressed to one agency of the directory."""

    tag: ClassVar[str] = "agencies"
    reason_required = True
    agency_code: Annotated[Code, AGENCY]


class RenameAgency(AgencyCommand):
    action = "agency.rename"
    operation = "rename_agency"
    label = "Đổi tên cơ quan (cần lý do)"
    http = "/agencies/{agency_code}/rename"
    cli = "agency rename"
    example = {
        "agency_code": "phong-van-hoa-khoa-hoc",
        "name": "Phòng Văn hóa - Thông tin",
        "reason": "Theo Quyết định tổ chức lại của UBND",
    }

    name: Short = Field(description="Tên mới")


class MergeAgency(AgencyCommand):
    action = "agency.merge"
    operation = "merge_agency"
    label = "Sáp nhập cơ quan vào cơ quan khác (cần lý do)"
    http = "/agencies/{agency_code}/merge"
    cli = "agency merge"
    cli_aliases = {"successor": ("--into",)}
    example = {
        "agency_code": "xa-hoang-chau",
        "successor": "xa-nghia-lo",
        "reason": "Sắp xếp đơn vị hành chính cấp xã",
    }

    successor: Code = Field(description="Mã cơ quan tiếp nhận")


class DissolveAgency(AgencyCommand):
    action = "agency.dissolve"
    operation = "dissolve_agency"
    label = "Giải thể cơ quan (cần lý do)"
    http = "/agencies/{agency_code}/dissolve"
    cli = "agency dissolve"
    example = {"agency_code": "phong-van-hoa-khoa-hoc", "reason": "Giải thể theo Nghị quyết"}


@use_case(RegisterAgency)
def register_agency(app: LedgerCore, ctx: CommandContext, cmd: RegisterAgency) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_DIRECTORY)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        code = cmd.agency_code
        if app.exists(ids.agency_id(code)) or app.exists(ids.group_id(code)):
            raise InvalidValue(f"mã {code!r} đã được dùng", field="agency_code")
        return [
            Agency.register(
                agency_code=code,
                name=cmd.name,
                kind=cmd.kind.value,
                aliases=list(cmd.aliases),
                meta=meta,
            )
        ]

    return app.execute(ctx, cmd, decide)


def _agency_command(
    app: LedgerCore,
    ctx: CommandContext,
    cmd: AgencyCommand,
    act: Callable[[Agency, EventMeta], Any],
) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_DIRECTORY)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        code = cmd.agency_code
        found = app.for_update(Agency, ids.agency_id(code), f"cơ quan {code}", ctx)
        act(found, meta)
        return [found]

    return app.execute(ctx, cmd, decide)


@use_case(RenameAgency)
def rename_agency(app: LedgerCore, ctx: CommandContext, cmd: RenameAgency) -> CommandResult:
    return _agency_command(app, ctx, cmd, lambda a, m: a.rename(name=cmd.name, meta=m))


@use_case(MergeAgency)
def merge_agency(app: LedgerCore, ctx: CommandContext, cmd: MergeAgency) -> CommandResult:
    heir = app.get_agency(cmd.successor)
    if not heir.active:
        raise InvalidValue(f"cơ quan {cmd.successor} không còn hoạt động", field="successor")
    return _agency_command(
        app, ctx, cmd, lambda a, m: a.merge_into(successor=cmd.successor, meta=m)
    )


@use_case(DissolveAgency)
def dissolve_agency(app: LedgerCore, ctx: CommandContext, cmd: DissolveAgency) -> CommandResult:
    return _agency_command(app, ctx, cmd, lambda a, m: a.dissolve(meta=m))
