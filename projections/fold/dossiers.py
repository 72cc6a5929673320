"""Late dossiers (hồ sơ trễ hẹn) and their apologies; erased personal data stays erased."""

from __future__ import annotations

from typing import Any

from domain.dossier import LateDossier
from projections.fold.core import FoldTable, LedgerState, Stamp, base, local_day, plain, put

on = FoldTable("dossiers", LateDossier)


@on("Reported")
def _dossier_reported(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "dossiers", e, stamp)
    doc.update(
        plan=e.plan,
        code=e.dossier_code,
        procedure=e.procedure,
        agency=e.agency,
        received_on=plain(e.received_on),
        due_on=plain(e.due_on),
    )
    if getattr(e, "interlinked", False):  # absent on older events; kept out of their documents
        doc["interlinked"] = True
    doc.setdefault("apologies", {})


@on("ApologyIssued")
def _apology_issued(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "dossiers", e, stamp)
    apology = doc.setdefault("apologies", {}).setdefault(e.apology_id, {"_s": {}})
    apology.update(
        issued_on=plain(e.issued_on),
        reason=e.reason_text,
        new_appointment=plain(e.new_appointment),
        signer=e.signer,
    )
    citizen = getattr(e, "citizen", None)  # sealed by the vault; absent on older events
    if citizen is not None and apology.get("citizen", {}).get("erased") is not True:
        apology["citizen"] = dict(citizen)
    put(apology, "withdrawn", False, stamp)


@on("CitizenDataErased")
def _citizen_data_erased(state: LedgerState, e: Any, stamp: Stamp) -> None:
    """Erasure outranks every stamp: once the key is gone, no view keeps even the ciphertext."""
    doc = base(state, "dossiers", e, stamp)
    for apology in doc.setdefault("apologies", {}).values():
        citizen = apology.get("citizen")
        if isinstance(citizen, dict) and citizen.get("subject") in e.subjects:
            apology["citizen"] = {"subject": citizen["subject"], "erased": True}


@on("ApologyWithdrawn")
def _apology_withdrawn(state: LedgerState, e: Any, stamp: Stamp) -> None:
    doc = base(state, "dossiers", e, stamp)
    apology = doc.setdefault("apologies", {}).setdefault(e.apology_id, {"_s": {}})
    put(apology, "withdrawn", True, stamp)


@on("ResultReturned")
def _result_returned(state: LedgerState, e: Any, stamp: Stamp) -> None:
    put(base(state, "dossiers", e, stamp), "returned_on", local_day(e), stamp)
