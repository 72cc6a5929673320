"""The base class of ParLedger's aggregates."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate

# Values that are never changed in place: an aggregate's copy shares them. (deepcopy rebuilds
# every datetime, date and UUID through __reduce_ex__, and a task holds five of them.)
_IMMUTABLE = frozenset({str, int, float, bool, bytes, type(None), datetime, date, Decimal, UUID})


class LedgerAggregate(Aggregate):
    """An aggregate whose every event carries an :class:`~domain.values.EventMeta` ``meta``.

    Public command methods validate and decide, then call a private method decorated with
    ``@event`` whose body only applies the change: replaying old events never re-runs
    today's rules, so a rule tightened later cannot make history unreadable.
    """

    ENTITY: ClassVar[str] = "entity"  # the word used in references: task, target, …
    WHAT: ClassVar[str] = "thực thể"  # what officials call it: nhiệm vụ, chỉ tiêu, …

    @property
    def uuid(self) -> UUID:
        found = self.id
        return found if type(found) is UUID else UUID(str(found))

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """What ``copy.deepcopy`` makes (the repository copies every aggregate it hands out
        from its cache), sharing the immutable attribute values instead of rebuilding them."""
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update(
            (name, value if type(value) in _IMMUTABLE else deepcopy(value, memo))
            for name, value in self.__dict__.items()
        )
        return copied
