"""Citizens' personal data in what the ledger shows: who may see it, and the view of a
document with it opened (through the person's key) or left out."""

from __future__ import annotations

from typing import Any

from domain.values import Actor, Role
from persistence.vault import PersonVault

PERSONAL_FIELDS = frozenset({"citizen_name", "citizen_contact", "citizen"})

PERSONAL_DATA_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.INSPECTOR, Role.AUDITOR})


def sees_personal_data(actor: Actor, agency: str | None = None) -> bool:
    """Citizens' names and contacts: for roles that handle them, and an agency's own officers."""
    if actor.role in PERSONAL_DATA_ROLES:
        return True
    return actor.role is Role.AGENCY_OFFICER and agency is not None and actor.agency == agency


def redact(
    value: Any, actor: Actor, vault: PersonVault | None = None, agency: str | None = None
) -> Any:
    """Drop citizens' personal data for those who may not see it; for those who may, open the
    sealed text with the person's key (``{"erased": true}`` once it is destroyed)."""
    if isinstance(value, dict):
        if isinstance(value.get("agency"), str):
            agency = value["agency"]
        allowed = sees_personal_data(actor, agency)
        shown = {}
        for k, v in value.items():
            if k in PERSONAL_FIELDS:
                if not allowed:
                    continue
                if k == "citizen" and vault is not None and isinstance(v, dict):
                    shown[k] = vault.unseal(v)
                    continue
            shown[k] = redact(v, actor, vault, agency)
        return shown
    if isinstance(value, list):
        return [redact(v, actor, vault, agency) for v in value]
    return value
