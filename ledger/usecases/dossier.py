"""Late dossiers (hồ sơ trễ hẹn) and the apologies their agencies issue; citizens' personal
data sealed per person, erasable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.dossier import LateDossier
from domain.errors import InvalidValue
from domain.values import EventMeta
from ledger import access
from ledger.commands import Code, Command, Day, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from persistence.vault import Citizen

DOSSIER = Field(description="Mã hồ sơ")


class ReportLateDossier(Command):
    action = "dossier.report"
    operation = "report_late_dossier"
    label = "Ghi nhận hồ sơ trễ hạn"
    http = "/plans/{plan}/dossiers"
    cli = "dossier report"
    tag: ClassVar[str] = "dossiers"
    creates = True
    cli_aliases = {
        "dossier_code": ("--code",),
        "received_on": ("--received",),
        "due_on": ("--due",),
    }
    example = {
        "plan": "cat-hai-2023",
        "dossier_code": "000.00.31.H23-230512-0007",
        "procedure": "Chứng thực hợp đồng",
        "agency": "thi-tran-cat-ba",
        "received_on": "2023-05-12",
        "due_on": "2023-05-15",
    }

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    dossier_code: Annotated[Code, DOSSIER]
    procedure: Short = Field(description="Tên thủ tục hành chính")
    agency: Code = Field(description="Mã cơ quan giải quyết hồ sơ")
    received_on: Day = Field(description="Ngày tiếp nhận")
    due_on: Day = Field(description="Ngày hẹn trả kết quả")


class DossierCommand(Command):
    """A command addressed to one late dossier."""

    tag: ClassVar[str] = "dossiers"
    dossier_code: Annotated[Code, DOSSIER]


class IssueApology(DossierCommand):
    action = "dossier.apologize"
    operation = "issue_apology"
    label = "Ghi phiếu xin lỗi và hẹn lại ngày trả kết quả"
    http = "/dossiers/{dossier_code}/apologies"
    cli = "dossier apologize"
    cli_aliases = {"reason_text": ("--text",)}
    personal = frozenset({"citizen_name", "citizen_contact"})
    example = {
        "dossier_code": "000.00.31.H23-230512-0007",
        "issued_on": "2023-05-15",
        "reason_text": "Hồ sơ cần xác minh thêm thông tin",
        "new_appointment": "2023-05-19",
        "signer": "Chủ tịch UBND thị trấn Cát Bà",
        "apology_id": "xl-01",
        "citizen_name": "Nguyễn Văn An",
        "citizen_contact": "0225 3888 123",
    }

    issued_on: Day = Field(description="Ngày ký phiếu")
    reason_text: Text = Field(description="Lý do trễ hẹn ghi trong phiếu")
    new_appointment: Day = Field(description="Ngày hẹn lại")
    signer: Short = Field(description="Người ký phiếu")
    apology_id: Code | None = Field(default=None, description="Mã phiếu (tự sinh nếu bỏ)")
    citizen_name: Short | None = Field(
        default=None, description="Tên công dân (được mã hoá, xoá được)"
    )
    citizen_contact: Short | None = Field(
        default=None, description="Liên hệ của công dân (được mã hoá, xoá được)"
    )


class ReturnDossierResult(DossierCommand):
    action = "dossier.return"
    operation = "return_dossier_result"
    label = "Ghi nhận đã trả kết quả (ngày = ngày hiệu lực)"
    http = "/dossiers/{dossier_code}/result"
    cli = "dossier return"
    example = {"dossier_code": "000.00.31.H23-230512-0007", "effective_at": "2023-05-18"}


class WithdrawApology(DossierCommand):
    action = "dossier.withdraw_apology"
    operation = "withdraw_apology"
    label = "Rút phiếu xin lỗi ghi nhầm (cần lý do)"
    http = "/dossiers/{dossier_code}/apologies/{apology_id}/withdraw"
    cli = "dossier withdraw-apology"
    cli_options = frozenset({"apology_id"})
    reason_required = True
    example = {
        "dossier_code": "000.00.31.H23-230512-0007",
        "apology_id": "xl-01",
        "reason": "Ghi nhầm phiếu của hồ sơ khác",
    }

    apology_id: Annotated[Code, Field(description="Mã phiếu xin lỗi")]


class EraseCitizenData(DossierCommand):
    action = "dossier.erase_citizen"
    operation = "erase_citizen_data"
    label = "Xoá dữ liệu cá nhân của công dân trong hồ sơ (huỷ khoá; cần lý do)"
    http = "/dossiers/{dossier_code}/citizen-data/erase"
    cli = "dossier erase-citizen"
    reason_required = True
    example = {
        "dossier_code": "000.00.31.H23-230512-0007",
        "reason": "Công dân yêu cầu xoá theo Luật Bảo vệ dữ liệu cá nhân",
    }


@use_case(ReportLateDossier)
def report_late_dossier(
    app: LedgerCore, ctx: CommandContext, cmd: ReportLateDossier
) -> CommandResult:
    access.require_dossier_writer(ctx.actor, cmd.agency)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        app.get_plan(cmd.plan)
        app.require_agency(cmd.agency, "agency")
        if app.exists(ids.dossier_id(cmd.dossier_code)):
            raise InvalidValue(f"hồ sơ {cmd.dossier_code} đã được ghi nhận", field="dossier_code")
        return [
            LateDossier.report(
                plan=cmd.plan,
                dossier_code=cmd.dossier_code,
                procedure=cmd.procedure,
                agency=cmd.agency,
                received_on=cmd.received_on,
                due_on=cmd.due_on,
                meta=meta,
            )
        ]

    return app.execute(ctx, cmd, decide)


def _load(app: LedgerCore, ctx: CommandContext, code: str) -> LateDossier:
    return app.for_update(LateDossier, ids.dossier_id(code), f"hồ sơ {code}", ctx)


def _dossier_command(
    app: LedgerCore,
    ctx: CommandContext,
    cmd: DossierCommand,
    act: Callable[[LateDossier, EventMeta], Any],
    pseudonyms: dict[str, str] | None = None,
) -> CommandResult:
    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = _load(app, ctx, cmd.dossier_code)
        access.require_dossier_writer(ctx.actor, found.agency)
        act(found, meta)
        return [found]

    return app.execute(ctx, cmd, decide, pseudonyms=pseudonyms)


@use_case(IssueApology)
def issue_apology(app: LedgerCore, ctx: CommandContext, cmd: IssueApology) -> CommandResult:
    if cmd.citizen_contact is not None and cmd.citizen_name is None:
        raise InvalidValue("có liên hệ thì phải có tên công dân", field="citizen_name")
    citizen = None if cmd.citizen_name is None else Citizen(cmd.citizen_name, cmd.citizen_contact)
    # The fingerprint names the person by their pseudonym (the vault's subject id), never by
    # the text: a retry finds the same subject, and an erasure leaves nothing to guess from.
    pseudonyms = {} if citizen is None else {"citizen": app.vault.subject_for(citizen)}
    aid = cmd.apology_id or uuid4().hex[:12]
    return _dossier_command(
        app,
        ctx,
        cmd,
        lambda d, m: d.issue_apology(
            apology_id=aid,
            issued_on=cmd.issued_on,
            reason_text=cmd.reason_text,
            new_appointment=cmd.new_appointment,
            signer=cmd.signer,
            meta=m,
            # Sealed only once the command goes ahead; the text never reaches an event.
            citizen=None if citizen is None else app.vault.seal(citizen),
        ),
        pseudonyms,
    )


@use_case(ReturnDossierResult)
def return_dossier_result(
    app: LedgerCore, ctx: CommandContext, cmd: ReturnDossierResult
) -> CommandResult:
    return _dossier_command(app, ctx, cmd, lambda d, m: d.return_result(meta=m))


@use_case(WithdrawApology)
def withdraw_apology(app: LedgerCore, ctx: CommandContext, cmd: WithdrawApology) -> CommandResult:
    return _dossier_command(
        app, ctx, cmd, lambda d, m: d.withdraw_apology(apology_id=cmd.apology_id, meta=m)
    )


@use_case(EraseCitizenData)
def erase_citizen_data(
    app: LedgerCore, ctx: CommandContext, cmd: EraseCitizenData
) -> CommandResult:
    """Record who erased it and why, then destroy the keys. Re-running after a crash between
    the two finishes the destruction."""
    access.require(ctx.actor, access.ERASE_PERSONAL_DATA)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        found = _load(app, ctx, cmd.dossier_code)
        found.erase_citizen_data(meta=meta)
        return [found]

    try:
        return app.execute(ctx, cmd, decide)
    finally:
        # Every subject the ledger records as erased loses its key, so an erasure cut off
        # between the event and the keys is completed by the next attempt.
        if app.exists(ids.dossier_id(cmd.dossier_code)):
            for subject in app.get_dossier(cmd.dossier_code).erased:
                app.vault.erase(subject)
