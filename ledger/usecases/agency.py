"""The agency directory (danh mục cơ quan): agencies registered, renamed, merged, dissolved."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from domain import ids
from domain.agency import AGENCY_KINDS, Agency
from domain.base import LedgerAggregate
from domain.errors import InvalidValue
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from ledger.usecases.unit import UNIT, require_active_unit

# The domain's kinds as an enumeration for the schemas and the CLI's choices (not retyped).
AgencyKind = StrEnum("AgencyKind", {kind: kind for kind in AGENCY_KINDS})  # type: ignore[misc]

AGENCY = Field(description="Mã cơ quan, ví dụ phong-tu-phap")


class RegisterAgency(Command):
    route = Route(
        "agency add",
        "/agencies",
        "Thêm cơ quan vào danh mục",
        creates=True,
        positional=("agency_code",),
        cli_aliases={"aliases": ("--alias",)},
        permission=access.MANAGE_DIRECTORY,
    )
    tag: ClassVar[str] = "agencies"

    agency_code: Annotated[Code, AGENCY]
    unit: Annotated[Code, UNIT]
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

    def check(self, app: LedgerCore) -> None:
        """What must hold before the agency is loaded."""

    def apply(self, agency: Agency, meta: EventMeta) -> None:
        raise NotImplementedError


@use_case(AgencyCommand)
def change_agency(app: LedgerCore, ctx: CommandContext, cmd: AgencyCommand) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_DIRECTORY)
    cmd.check(app)
    target = (Agency, ids.agency_id(cmd.agency_code), f"cơ quan {cmd.agency_code}")
    return app.change(ctx, cmd, target, cmd.apply)


class RenameAgency(AgencyCommand):
    route = Route(
        "agency rename",
        "/agencies/{agency_code}/rename",
        "Đổi tên cơ quan (cần lý do)",
        permission=access.MANAGE_DIRECTORY,
    )

    name: Short = Field(description="Tên mới")

    def apply(self, agency: Agency, meta: EventMeta) -> None:
        agency.rename(name=self.name, meta=meta)


class MergeAgency(AgencyCommand):
    route = Route(
        "agency merge",
        "/agencies/{agency_code}/merge",
        "Sáp nhập cơ quan vào cơ quan khác (cần lý do)",
        cli_aliases={"successor": ("--into",)},
        permission=access.MANAGE_DIRECTORY,
    )

    successor: Code = Field(description="Mã cơ quan tiếp nhận")

    def check(self, app: LedgerCore) -> None:
        if not app.get_agency(self.successor).active:
            raise InvalidValue(f"cơ quan {self.successor} không còn hoạt động", field="successor")

    def apply(self, agency: Agency, meta: EventMeta) -> None:
        agency.merge_into(successor=self.successor, meta=meta)


class DissolveAgency(AgencyCommand):
    route = Route(
        "agency dissolve",
        "/agencies/{agency_code}/dissolve",
        "Giải thể cơ quan (cần lý do)",
        permission=access.MANAGE_DIRECTORY,
    )

    def apply(self, agency: Agency, meta: EventMeta) -> None:
        agency.dissolve(meta=meta)


@use_case(RegisterAgency)
def register_agency(app: LedgerCore, ctx: CommandContext, cmd: RegisterAgency) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_DIRECTORY)
    require_active_unit(app, cmd.unit, "unit", ctx.effective_at)

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
                unit=cmd.unit,
                meta=meta,
            )
        ]

    return app.execute(ctx, cmd, decide)
