"""Withdrawal from a plan (rút khỏi kế hoạch): what tasks, targets and areas share.

A re-imported plan text that no longer has an item withdraws it, with the reason; the item's
history stays and as-of answers before the withdrawal still show it. A later text that has it
again reinstates it.
"""

from __future__ import annotations

from domain.errors import RuleViolation
from domain.values import EventMeta


def withdrawn_message(what: str, name: object) -> str:
    return f"{what} {name} đã được rút khỏi kế hoạch"


def require_in_plan(withdrawn: bool, what: str, name: object) -> None:
    if withdrawn:
        raise RuleViolation(withdrawn_message(what, name), field="status")


def require_withdrawn(withdrawn: bool, what: str, name: object) -> None:
    if not withdrawn:
        raise RuleViolation(f"{what} {name} vẫn có trong kế hoạch", field="status")


def may_withdraw(meta: EventMeta, withdrawn: bool, what: str, name: object) -> None:
    """A withdrawal says why, and withdraws what is still in the plan."""
    meta.require_reason()
    require_in_plan(withdrawn, what, name)


def may_reinstate(meta: EventMeta, withdrawn: bool, what: str, name: object) -> None:
    """A reinstatement says why, and brings back only what was withdrawn."""
    meta.require_reason()
    require_withdrawn(withdrawn, what, name)
