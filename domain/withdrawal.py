"""Withdrawal from a plan (rút khỏi kế hoạch): what tasks, targets and areas share.

A re-imported plan text that no longer has an item withdraws it, with the reason; the item's
history stays and as-of answers before the withdrawal still show it. A later text that has it
again reinstates it.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

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


class _Listed(Protocol):
    """What :class:`InPlan`'s methods need of the aggregate they serve."""

    WHAT: ClassVar[str]
    withdrawn: bool

    @property
    def number(self) -> object: ...

    def _withdrawn(self, *, meta: EventMeta) -> None: ...

    def _reinstated(self, *, meta: EventMeta) -> None: ...


class InPlan:
    """An item of a plan's text (a task, a target): withdrawn when a re-imported text no
    longer has it, reinstated when a later text has it again.

    Each aggregate defines the two events itself, so that they keep their own names and
    stored topics (``Task.Withdrawn``, ``Target.Reinstated``), from the apply functions here::

        _withdrawn = event("Withdrawn")(InPlan.mark_withdrawn)
        _reinstated = event("Reinstated")(InPlan.mark_reinstated)
    """

    WHAT: ClassVar[str]  # the item's word in messages: nhiệm vụ, chỉ tiêu
    # Items registered before withdrawals existed never were, hence the class default
    # (unannotated: a class default, not one of the aggregate's dataclass fields).
    withdrawn = False

    def withdraw(self: _Listed, *, meta: EventMeta) -> None:
        """The plan's text no longer has this item: it leaves the plan, its history stays."""
        may_withdraw(meta, self.withdrawn, self.WHAT, self.number)
        self._withdrawn(meta=meta)

    def reinstate(self: _Listed, *, meta: EventMeta) -> None:
        """A later text of the plan has the withdrawn item again."""
        may_reinstate(meta, self.withdrawn, self.WHAT, self.number)
        self._reinstated(meta=meta)

    def _require_in_plan(self: _Listed) -> None:
        require_in_plan(self.withdrawn, self.WHAT, self.number)

    def mark_withdrawn(self, meta: EventMeta) -> None:
        self.withdrawn = True

    def mark_reinstated(self, meta: EventMeta) -> None:
        self.withdrawn = False
