"""Late dossiers (hồ sơ trễ hẹn) and the apologies their agencies issue; citizens' personal
data sealed per person, erasable."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4

from pydantic import Field

from domain import ids
from domain.base import LedgerAggregate
from domain.dossier import LateDossier
from domain.errors import InvalidValue, RuleViolation
from domain.values import EventMeta
from ledger import access, scope
from ledger.commands import Code, Command, Day, Route, Short, Text, use_case
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore
from persistence.vault import Citizen
from rules.dossiers import regime_for

RECORD = "ghi nhận hồ sơ trễ hạn và xin lỗi"  # what a denial says was refused
DOSSIER = Field(description="Mã hồ sơ")


class ProcedureKind(StrEnum):
    ORDINARY = "ordinary"
    INTERLINKED = "interlinked"  # liên thông điện tử (Decree 118/2025/NĐ-CP)


class ReportLateDossier(Command):
    route = Route(
        "dossier report",
        "/plans/{plan}/dossiers",
        "Ghi nhận hồ sơ trễ hạn",
        creates=True,
        cli_aliases={
            "dossier_code": ("--code",),
            "received_on": ("--received",),
            "due_on": ("--due",),
        },
        permission=access.WRITE_DOSSIER,
    )
    tag: ClassVar[str] = "dossiers"

    plan: Annotated[Code, Field(description="Mã kế hoạch, ví dụ cat-hai-2023")]
    dossier_code: Annotated[Code, DOSSIER]
    procedure: Short = Field(description="Tên thủ tục hành chính")
    agency: Code = Field(description="Mã cơ quan giải quyết hồ sơ")
    received_on: Day = Field(description="Ngày tiếp nhận")
    due_on: Day = Field(description="Ngày hẹn trả kết quả")
    procedure_kind: ProcedureKind = Field(
        default=ProcedureKind.ORDINARY,
        description="Loại thủ tục: ordinary (thông thường) hoặc interlinked (liên thông điện tử: "
        "từ 01/7/2025 gửi phiếu xin lỗi khi hết hạn)",
    )

    def fingerprint_payload(self) -> dict[str, Any]:
        # A command said before the kind was asked is the same command as one that leaves it
        # at its default: a retry with the same key must still find its first outcome.
        payload = super().fingerprint_payload()
        if self.procedure_kind is ProcedureKind.ORDINARY:
            payload.pop("procedure_kind")
        return payload


class DossierCommand(Command):
    """A command addressed to one late dossier."""

    tag: ClassVar[str] = "dossiers"
    dossier_code: Annotated[Code, DOSSIER]

    def apply(self, dossier: LateDossier, meta: EventMeta) -> None:
        raise NotImplementedError


class IssueApology(DossierCommand):
    route = Route(
        "dossier apologize",
        "/dossiers/{dossier_code}/apologies",
        "Ghi phiếu xin lỗi và hẹn lại ngày trả kết quả",
        cli_aliases={"reason_text": ("--text",)},
        permission=access.WRITE_DOSSIER,
    )
    personal = frozenset({"citizen_name", "citizen_contact"})

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
    route = Route(
        "dossier return",
        "/dossiers/{dossier_code}/result",
        "Ghi nhận đã trả kết quả (ngày = ngày hiệu lực)",
        permission=access.WRITE_DOSSIER,
    )

    def apply(self, dossier: LateDossier, meta: EventMeta) -> None:
        dossier.return_result(meta=meta)


class WithdrawApology(DossierCommand):
    route = Route(
        "dossier withdraw-apology",
        "/dossiers/{dossier_code}/apologies/{apology_id}/withdraw",
        "Rút phiếu xin lỗi ghi nhầm (cần lý do)",
        reason_required=True,
        cli_options=frozenset({"apology_id"}),
        permission=access.WRITE_DOSSIER,
    )

    apology_id: Annotated[Code, Field(description="Mã phiếu xin lỗi")]

    def apply(self, dossier: LateDossier, meta: EventMeta) -> None:
        dossier.withdraw_apology(apology_id=self.apology_id, meta=meta)


class EraseCitizenData(DossierCommand):
    route = Route(
        "dossier erase-citizen",
        "/dossiers/{dossier_code}/citizen-data/erase",
        "Xoá dữ liệu cá nhân của công dân trong hồ sơ (huỷ khoá; cần lý do)",
        reason_required=True,
        permission=access.ERASE_PERSONAL_DATA,
    )


@use_case(ReportLateDossier)
def report_late_dossier(
    app: LedgerCore, ctx: CommandContext, cmd: ReportLateDossier
) -> CommandResult:
    access.require_dossier_writer(ctx.actor, cmd.agency)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        unit = scope.plan_unit(app, cmd.plan)
        scope.require_plan_actor(app, ctx.actor, cmd.plan, RECORD, unit)
        scope.require_agency_of_plan(app, cmd.agency, cmd.plan, unit)
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
                interlinked=cmd.procedure_kind is ProcedureKind.INTERLINKED,
            )
        ]

    return app.execute(ctx, cmd, decide)


def _dossier(code: str) -> tuple[type[LateDossier], UUID, str]:
    return LateDossier, ids.dossier_id(code), f"hồ sơ {code}"


@use_case(DossierCommand)
def change_dossier(
    app: LedgerCore,
    ctx: CommandContext,
    cmd: DossierCommand,
) -> CommandResult:
    def act(dossier: LateDossier, meta: EventMeta) -> None:
        # Officers record late dossiers and apologies of their own agency only, the
        # secretariat of the dossier's plan's unit any of its plan's.
        access.require_dossier_writer(ctx.actor, dossier.agency)
        scope.require_plan_actor(app, ctx.actor, dossier.plan, RECORD)
        cmd.apply(dossier, meta)

    return app.change(ctx, cmd, _dossier(cmd.dossier_code), act)


@use_case(IssueApology)
def issue_apology(app: LedgerCore, ctx: CommandContext, cmd: IssueApology) -> CommandResult:
    if cmd.citizen_contact is not None and cmd.citizen_name is None:
        raise InvalidValue("có liên hệ thì phải có tên công dân", field="citizen_name")
    citizen = None if cmd.citizen_name is None else Citizen(cmd.citizen_name, cmd.citizen_contact)
    # The fingerprint names the person by their pseudonym (the vault's subject id), never by
    # the text: a retry finds the same subject, and an erasure leaves nothing to guess from.
    pseudonyms = {} if citizen is None else {"citizen": app.vault.subject_for(citizen)}

    def act(dossier: LateDossier, meta: EventMeta) -> None:
        access.require_dossier_writer(ctx.actor, dossier.agency)
        scope.require_plan_actor(app, ctx.actor, dossier.plan, RECORD)
        require_lawful_appointment(dossier)
        dossier.issue_apology(
            apology_id=cmd.apology_id or uuid4().hex[:12],
            meta=meta,
            # Sealed only once the command goes ahead; the text never reaches an event.
            citizen=None if citizen is None else app.vault.seal(citizen),
            **cmd.model_dump(include={"issued_on", "reason_text", "new_appointment", "signer"}),
        )

    return app.change(ctx, cmd, _dossier(cmd.dossier_code), act, pseudonyms=pseudonyms)


def require_lawful_appointment(dossier: LateDossier) -> None:
    """The new appointment may be set as many times as the regime in force when the dossier
    was received allows (once, under every regime so far): a second lateness has no lawful
    second appointment. Apologies withdrawn as recorded in error do not count."""
    regime = regime_for(dossier.received_on)
    given = [a for a in dossier.apologies.values() if not a["withdrawn"]]
    if len(given) >= regime.new_appointments:
        raise RuleViolation(
            f"hồ sơ đã được hẹn lại ngày {dossier.appointment:%d/%m/%Y}; "
            f"{regime.second_lateness} ({regime.version.legal_source})",
            field="new_appointment",
        )


@use_case(EraseCitizenData)
def erase_citizen_data(
    app: LedgerCore, ctx: CommandContext, cmd: EraseCitizenData
) -> CommandResult:
    """Record who erased it and why, then destroy the keys. Re-running after a crash between
    the two finishes the destruction."""
    access.require(ctx.actor, access.ERASE_PERSONAL_DATA)

    try:
        return app.change(
            ctx, cmd, _dossier(cmd.dossier_code), lambda d, m: d.erase_citizen_data(meta=m)
        )
    finally:
        # Every subject the ledger records as erased loses its key, so an erasure cut off
        # between the event and the keys is completed by the next attempt.
        if app.exists(ids.dossier_id(cmd.dossier_code)):
            for subject in app.get_dossier(cmd.dossier_code).erased:
                app.vault.erase(subject)
