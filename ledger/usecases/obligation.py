"""Obligations (nghĩa vụ) raised by the ledger itself (``ledger.obligations``): the one thing a
person records on them is a waiver, with its reason, by the secretariat of the plan's unit or an
administrator."""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from domain.obligation import Obligation
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Command, Route, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from ledger.obligations import ObligationsProcess


class WaiveObligation(Command):
    route = Route(
        "obligations waive",
        "/obligations/{obligation_id}/waive",
        "Miễn một nghĩa vụ đang mở hoặc đã quá hạn (cần lý do)",
        reason_required=True,
        permission=access.MANAGE_PLAN,
    )
    tag: ClassVar[str] = "obligations"

    obligation_id: Annotated[UUID, Field(description="Mã (UUID) nghĩa vụ, như trong sổ theo dõi")]


@use_case(WaiveObligation)
def waive_obligation(app: LedgerCore, ctx: CommandContext, cmd: WaiveObligation) -> CommandResult:
    # The obligation may be caused by an event the process has not reached yet: it catches
    # up first, so what is waived is what the log already owes.
    ObligationsProcess(app).run()

    def act(obligation: Obligation, meta: EventMeta) -> None:
        scope.require_plan_actor(app, ctx.actor, obligation.plan, "miễn nghĩa vụ", obligation.unit)
        obligation.waive(meta=meta)

    target = (Obligation, cmd.obligation_id, f"nghĩa vụ {cmd.obligation_id}")
    return app.change(ctx, cmd, target, act)
