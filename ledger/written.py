"""Aggregates as this process last saved them: what a command may decide on without reading.

A command on one existing aggregate (``LedgerCore.change``) normally loads it from the
library's cache and fast-forwards it: one query for the events after the cached version, so
that another process's writes are seen. When this process itself saved the aggregate last,
that query almost always finds nothing. So the command decides on the aggregate as saved here
and appends at once; the store refuses the append if the aggregate moved on meanwhile (the
next version is taken: versions are contiguous and unique per aggregate), and only then is it
loaded the long way and decided again. An append that succeeds proves the decision was made
on the aggregate's current state, as if it had been read first.

Entries are never changed while they are kept: a command takes its aggregate out, and puts
back what it saved.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from copy import deepcopy
from typing import TypeVar
from uuid import UUID

from domain.base import LedgerAggregate

A = TypeVar("A", bound=LedgerAggregate)


class WrittenAggregates:
    """The last ``maxsize`` aggregates saved by this process, each at its saved version."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._items: OrderedDict[UUID, LedgerAggregate] = OrderedDict()

    def take(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as saved here, to decide on, no longer kept (so no copy is made: the
        command's own save keeps what it decided; a command that fails keeps nothing, and
        the next loads the long way). None if not kept."""
        with self._lock:
            found = self._items.pop(aggregate_id, None)
        return found if isinstance(found, cls) else None

    def copy_of(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """A copy of what is kept, left kept (to look at)."""
        with self._lock:
            found = self._items.get(aggregate_id)
        return deepcopy(found) if isinstance(found, cls) else None

    def put(self, aggregate: LedgerAggregate) -> None:
        """Keep ``aggregate`` as saved (no pending events), unless a later version is kept
        already (another thread's save of the same aggregate came first)."""
        if self.maxsize <= 0 or aggregate.pending_events:
            return
        key = aggregate.id
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and kept.version >= aggregate.version:
                return
            self._items[key] = aggregate
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
