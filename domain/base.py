"""The base class of ParLedger's aggregates."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate


class LedgerAggregate(Aggregate):
    """An aggregate whose every event carries an :class:`~domain.values.EventMeta` ``meta``.

    Public command methods validate and decide, then call a private method decorated with
    ``@event`` whose body only applies the change: replaying old events never re-runs
    today's rules, so a rule tightened later cannot make history unreadable.
    """

    ENTITY: ClassVar[str] = "entity"  # the word used in references: task, target, …

    @property
    def uuid(self) -> UUID:
        return UUID(str(self.id))
