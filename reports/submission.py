"""Submitting a periodic report: the use case of ``SubmitReport``, carried out here because the
content it hashes is the report itself, which only this layer builds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger import access, scope
from ledger.application import ParLedger
from ledger.commands import use_case
from ledger.context import CommandContext, CommandResult
from ledger.usecases.plan import SUBMIT, SubmitReport, submit_report
from replay.reports import report_content
from reports.data import find_period


@use_case(SubmitReport)
def submit(app: Any, ctx: CommandContext, cmd: SubmitReport) -> CommandResult:
    """Hash the report as of its data cut-off, now, and record that it was sent."""
    assert isinstance(app, ParLedger)
    # Refused before the report is built (the use case checks again with the plan loaded).
    access.require(ctx.actor, access.REPORT_FIGURES)
    scope.require_plan_actor(app, ctx.actor, cmd.plan, SUBMIT)
    code = find_period(app, cmd.plan, cmd.period).code  # "2023-Q2" and "Q2" are one period
    built = report_content(app, cmd.plan, code)
    result = submit_report(
        app,
        ctx,
        cmd.model_copy(update={"period": code}),
        built["sha256"],
        built["content"]["position"],
    )
    return replace(
        result, detail={"sha256": built["sha256"], "position": str(built["content"]["position"])}
    )
