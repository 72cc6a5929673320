"""Administrative units (đơn vị hành chính): established, renamed, merged, split, dissolved.

Reorganisations are recorded as the decision states them, at its effective date: a unit's
history before the decision replays unchanged, and what its successors inherit is named by the
decision the event records, never inferred.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound
from domain.unit import PARENT_LEVELS, UNIT_LEVELS, Unit
from domain.values import VN_TZ, EventMeta
from ledger import access
from ledger.commands import Code, Command, Route, Short, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore

# The domain's levels as an enumeration for the schemas and the CLI's choices (not retyped).
UnitLevel = StrEnum("UnitLevel", {level: level for level in UNIT_LEVELS})  # type: ignore[misc]

UNIT = Field(description="Mã đơn vị hành chính, ví dụ cat-hai hoặc hai-phong")
DECISION = Field(
    description="Văn bản quyết định: số, ký hiệu, ngày (ví dụ Nghị quyết 1669/NQ-UBTVQH15)"
)


def get_unit(app: LedgerCore, unit_code: str, field: str) -> Unit:
    try:
        return app.load(Unit, ids.unit_id(unit_code), f"đơn vị {unit_code}")
    except NotFound:
        raise NotFound(f"không có đơn vị hành chính mã {unit_code!r}", field=field) from None


def require_active_unit(
    app: LedgerCore, unit_code: str, field: str, at: datetime | None = None
) -> Unit:
    """The unit, which must exist at ``at`` (valid time; default now): a record effective
    before a reorganisation still belongs to the unit as it then was."""
    found = get_unit(app, unit_code, field)
    moment = at or datetime.now(VN_TZ)
    if not found.existed_at(moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)):
        raise InvalidValue(
            f"đơn vị {found.name} không tồn tại vào ngày hiệu lực của thay đổi này", field=field
        )
    return found


class EstablishUnit(Command):
    route = Route(
        "unit add",
        "/units",
        "Thêm đơn vị hành chính (tỉnh, huyện, xã, phường, đặc khu)",
        creates=True,
        positional=("unit_code",),
        permission=access.MANAGE_UNITS,
    )
    tag: ClassVar[str] = "units"

    unit_code: Annotated[Code, UNIT]
    name: Short = Field(description="Tên đơn vị, ví dụ Đặc khu Cát Hải")
    level: UnitLevel = Field(
        description="Cấp: province, district, commune, ward, special_zone, town"
    )
    parent: Code | None = Field(default=None, description="Mã đơn vị cấp trên (bỏ trống: cấp tỉnh)")


@use_case(EstablishUnit)
def establish_unit(app: LedgerCore, ctx: CommandContext, cmd: EstablishUnit) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_UNITS)
    allowed = PARENT_LEVELS[cmd.level.value]
    at = ctx.effective_at
    parent = None if cmd.parent is None else require_active_unit(app, cmd.parent, "parent", at)
    # A unit whose parent is not (yet) recorded may be established; a named one must fit.
    if parent is not None and parent.level not in allowed:
        raise InvalidValue(
            f"đơn vị cấp {cmd.level.value} phải trực thuộc cấp {' hoặc '.join(map(str, allowed))}",
            field="parent",
        )

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        if app.exists(ids.unit_id(cmd.unit_code)):
            raise InvalidValue(f"mã {cmd.unit_code!r} đã được dùng", field="unit_code")
        return [
            Unit.establish(
                unit_code=cmd.unit_code,
                name=cmd.name,
                level_=cmd.level.value,
                parent=cmd.parent,
                meta=meta,
            )
        ]

    return app.execute(ctx, cmd, decide)


class UnitCommand(Command):
    """A command addressed to one unit."""

    tag: ClassVar[str] = "units"
    reason_required = True
    unit_code: Annotated[Code, UNIT]

    def check(self, app: LedgerCore, ctx: CommandContext) -> None:
        """What must hold before the unit is loaded."""

    def apply(self, unit: Unit, meta: EventMeta) -> None:
        raise NotImplementedError


@use_case(UnitCommand)
def change_unit(app: LedgerCore, ctx: CommandContext, cmd: UnitCommand) -> CommandResult:
    access.require(ctx.actor, access.MANAGE_UNITS)
    cmd.check(app, ctx)
    target = (Unit, ids.unit_id(cmd.unit_code), f"đơn vị {cmd.unit_code}")
    return app.change(ctx, cmd, target, cmd.apply)


class RenameUnit(UnitCommand):
    route = Route(
        "unit rename",
        "/units/{unit_code}/rename",
        "Đổi tên đơn vị hành chính (cần lý do)",
        permission=access.MANAGE_UNITS,
    )

    name: Short = Field(description="Tên mới")

    def apply(self, unit: Unit, meta: EventMeta) -> None:
        unit.rename(name=self.name, meta=meta)


class MergeUnit(UnitCommand):
    route = Route(
        "unit merge",
        "/units/{unit_code}/merge",
        "Sáp nhập đơn vị hành chính vào đơn vị khác theo quyết định (cần lý do)",
        cli_aliases={"successor": ("--into",)},
        permission=access.MANAGE_UNITS,
    )

    successor: Code = Field(description="Mã đơn vị tiếp nhận")
    decision: Short = DECISION

    def check(self, app: LedgerCore, ctx: CommandContext) -> None:
        require_active_unit(app, self.successor, "successor", ctx.effective_at)

    def apply(self, unit: Unit, meta: EventMeta) -> None:
        unit.merge_into(successor=self.successor, decision=self.decision, meta=meta)


class SplitUnit(UnitCommand):
    route = Route(
        "unit split",
        "/units/{unit_code}/split",
        "Chia tách đơn vị hành chính theo quyết định (cần lý do); đơn vị mới được lập cùng lúc",
        cli_aliases={"successors": ("--successor",)},
        permission=access.MANAGE_UNITS,
    )

    successors: Annotated[list[Code], Field(min_length=2, max_length=50)] = Field(
        description="Mã các đơn vị kế thừa (chưa có thì được lập, cùng cấp và cấp trên)"
    )
    decision: Short = DECISION


@use_case(SplitUnit)
def split_unit(app: LedgerCore, ctx: CommandContext, cmd: SplitUnit) -> CommandResult:
    """The unit ends and its successors that the ledger does not know yet begin, on the
    decision's date, in one transaction: a split is never half recorded."""
    access.require(ctx.actor, access.MANAGE_UNITS)
    for successor in cmd.successors:
        if app.exists(ids.unit_id(successor)):
            require_active_unit(app, successor, "successors", ctx.effective_at)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        unit = app.for_update(Unit, ids.unit_id(cmd.unit_code), f"đơn vị {cmd.unit_code}", ctx)
        unit.split(successors=list(cmd.successors), decision=cmd.decision, meta=meta)
        new = [
            Unit.establish(
                unit_code=code, name=code, level_=unit.level, parent=unit.parent, meta=meta
            )
            for code in dict.fromkeys(cmd.successors)
            if not app.exists(ids.unit_id(code))
        ]
        return [unit, *new]

    return app.execute(ctx, cmd, decide)


class DissolveUnit(UnitCommand):
    route = Route(
        "unit dissolve",
        "/units/{unit_code}/dissolve",
        "Giải thể đơn vị hành chính (cần lý do)",
        permission=access.MANAGE_UNITS,
    )

    decision: Short = DECISION

    def apply(self, unit: Unit, meta: EventMeta) -> None:
        unit.dissolve(decision=self.decision, meta=meta)
