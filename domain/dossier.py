"""Late dossier (hồ sơ TTHC trễ hẹn) and the apology (phiếu xin lỗi và hẹn lại) for it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.values import MAX_SHORT_TEXT, EventMeta, code, day, local_date, text


class LateDossier(LedgerAggregate):
    ENTITY = "dossier"
    WHAT = "hồ sơ"

    @staticmethod
    def create_id(dossier_code: str) -> UUID:
        return ids.dossier_id(dossier_code)

    @classmethod
    def report(
        cls,
        *,
        plan: str,
        dossier_code: str,
        procedure: str,
        agency: str,
        received_on: date,
        due_on: date,
        meta: EventMeta,
        interlinked: bool = False,
    ) -> LateDossier:
        received, due = day(received_on, "received_on"), day(due_on, "due_on")
        if due < received:
            raise InvalidValue("hạn trả kết quả trước ngày tiếp nhận", field="due_on")
        return cls(
            plan=code(plan, "plan"),
            dossier_code=code(dossier_code, "dossier_code"),
            procedure=text(procedure, "procedure", limit=MAX_SHORT_TEXT),
            agency=code(agency, "agency"),
            received_on=received,
            due_on=due,
            meta=meta,
            interlinked=bool(interlinked),
        )

    @event("Reported")
    def __init__(
        self,
        plan: str,
        dossier_code: str,
        procedure: str,
        agency: str,
        received_on: date,
        due_on: date,
        meta: EventMeta,
        # A procedure inter-linked electronically (liên thông điện tử): under Decree
        # 118/2025/NĐ-CP its apology goes out when the deadline passes. Absent from events
        # stored before it was asked, which read as False.
        interlinked: bool = False,
    ) -> None:
        self.plan = plan
        self.dossier_code = dossier_code
        self.procedure = procedure
        self.agency = agency
        self.received_on = received_on
        self.due_on = due_on
        if interlinked:  # kept out of the fields an ordinary dossier always had (its history)
            self.__dict__["_interlinked"] = True
        self.apologies: dict[str, dict[str, Any]] = {}
        self.returned_on: date | None = None

    @property
    def interlinked(self) -> bool:
        """Whether its procedure is inter-linked electronically (liên thông điện tử)."""
        return bool(self.__dict__.get("_interlinked", False))

    @property
    def appointment(self) -> date:
        """The date the citizen was last promised: the due date or the latest new date."""
        valid: list[date] = [
            a["new_appointment"] for a in self.apologies.values() if not a["withdrawn"]
        ]
        return max([self.due_on, *valid])

    def issue_apology(
        self,
        *,
        apology_id: str,
        issued_on: date,
        reason_text: str,
        new_appointment: date,
        signer: str,
        meta: EventMeta,
        citizen: dict[str, str] | None = None,
    ) -> None:
        """``citizen`` is the citizen's name and contact sealed by the application
        (``persistence.vault``): the domain records it and never sees the text."""
        if self.returned_on is not None:
            raise RuleViolation("kết quả đã được trả; không hẹn lại được", field="status")
        apology_id = code(apology_id, "apology_id")
        if apology_id in self.apologies:
            raise RuleViolation("phiếu xin lỗi này đã được ghi", field="apology_id")
        issued, new = day(issued_on, "issued_on"), day(new_appointment, "new_appointment")
        if new <= self.due_on:
            raise RuleViolation(
                f"ngày hẹn mới {new:%d/%m/%Y} phải sau hạn trả ban đầu {self.due_on:%d/%m/%Y}",
                field="new_appointment",
            )
        if new <= self.appointment:
            raise RuleViolation(
                f"ngày hẹn mới {new:%d/%m/%Y} phải sau ngày hẹn trước {self.appointment:%d/%m/%Y}",
                field="new_appointment",
            )
        if issued < self.received_on:
            raise InvalidValue("ngày xin lỗi trước ngày tiếp nhận hồ sơ", field="issued_on")
        self._apology_issued(
            apology_id=apology_id,
            issued_on=issued,
            reason_text=text(reason_text, "reason_text"),
            new_appointment=new,
            signer=text(signer, "signer", limit=200),
            meta=meta,
            citizen=_sealed(citizen),
        )

    @event("ApologyIssued")
    def _apology_issued(
        self,
        apology_id: str,
        issued_on: date,
        reason_text: str,
        new_appointment: date,
        signer: str,
        meta: EventMeta,
        citizen: dict[str, str] | None = None,
    ) -> None:
        self.apologies[apology_id] = {
            "issued_on": issued_on,
            "reason_text": reason_text,
            "new_appointment": new_appointment,
            "signer": signer,
            "withdrawn": False,
            "citizen": citizen,
        }

    def subjects(self) -> set[str]:
        """The people this dossier's apologies name (their vault subjects)."""
        return {
            a["citizen"]["subject"] for a in self.apologies.values() if a.get("citizen")
        } - self.erased

    def erase_citizen_data(self, *, meta: EventMeta) -> list[str]:
        """Record that the citizen's personal data was erased (the application destroys the
        keys after this event is stored); returns the subjects concerned."""
        meta.require_reason()
        subjects = sorted(self.subjects())
        if not subjects:
            raise RuleViolation("hồ sơ không còn dữ liệu cá nhân nào để xoá", field="citizen")
        self._citizen_data_erased(subjects=subjects, meta=meta)
        return subjects

    @event("CitizenDataErased")
    def _citizen_data_erased(self, subjects: list[str], meta: EventMeta) -> None:
        self.erased = self.erased | set(subjects)

    @property
    def erased(self) -> set[str]:
        return set(self.__dict__.get("_erased", ()))

    @erased.setter
    def erased(self, value: set[str]) -> None:
        self.__dict__["_erased"] = sorted(value)

    def return_result(self, *, meta: EventMeta) -> None:
        """The result was handed to the citizen (on the effective date)."""
        if self.returned_on is not None:
            raise RuleViolation(
                f"kết quả đã được trả ngày {self.returned_on:%d/%m/%Y}", field="status"
            )
        if local_date(meta.effective_at) < self.received_on:
            raise InvalidValue("ngày trả kết quả trước ngày tiếp nhận", field="effective_at")
        self._result_returned(meta=meta)

    @event("ResultReturned")
    def _result_returned(self, meta: EventMeta) -> None:
        self.returned_on = local_date(meta.effective_at)

    def withdraw_apology(self, *, apology_id: str, meta: EventMeta) -> None:
        """The apology was recorded in error."""
        meta.require_reason()
        found = self.apologies.get(apology_id)
        if found is None:
            raise NotFound(f"không có phiếu xin lỗi {apology_id!r}", field="apology_id")
        if found["withdrawn"]:
            raise RuleViolation("phiếu xin lỗi đã được rút", field="apology_id")
        self._apology_withdrawn(apology_id=apology_id, meta=meta)

    @event("ApologyWithdrawn")
    def _apology_withdrawn(self, apology_id: str, meta: EventMeta) -> None:
        self.apologies[apology_id]["withdrawn"] = True


def _sealed(value: object) -> dict[str, str] | None:
    """A sealed citizen value as the vault makes it: a subject id and base64 ciphertext."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or set(value) != {"subject", "sealed"}
        or not all(isinstance(v, str) and 0 < len(v) <= 4096 for v in value.values())
    ):
        raise InvalidValue("dữ liệu công dân phải được mã hoá trước khi ghi", field="citizen")
    return {"subject": value["subject"], "sealed": value["sealed"]}
