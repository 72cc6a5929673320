"""Encoded bodies of present reads, kept per (route and query, ledger position, day, what the
caller may see): a repeated read at an unchanged position is one dictionary look-up.

Only live answers are kept (``Snapshot.live``: the view tables at the ledger's head), so a new
event moves the position and every later read misses and is computed afresh; as-of and
known-at answers come from replay and its own checkpoints. What the caller may see is the part
of the caller that ``ledger.personal.redact`` reads (role and agency). Lists that can carry
citizens' data are never kept: their text depends on the person vault too, whose keys are
destroyed after the erasure event that moves the position, and a body kept in between would
outlive the keys.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import date
from typing import Any

from fastapi import Request

from domain.values import Actor

MAXSIZE = 512  # bodies kept per ledger: a page of a list is a few KB to a few hundred

Key = tuple[str, str, int, date, str, str | None]


class BodyCache:
    """A small thread-safe LRU of encoded bodies (``bytes``) with their headers."""

    def __init__(self, maxsize: int = MAXSIZE) -> None:
        self.maxsize = maxsize
        self._bodies: OrderedDict[Key, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def key(request: Request, position: int, day: date, actor: Actor) -> Key:
        query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
        return (request.url.path, query, position, day, actor.role.value, actor.agency)

    def get(self, key: Key) -> tuple[bytes, dict[str, str]] | None:
        with self._lock:
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key: Key, body: bytes, headers: dict[str, str]) -> None:
        with self._lock:
            self._bodies[key] = (body, dict(headers))
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.maxsize:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()


_CACHES: weakref.WeakKeyDictionary[Any, BodyCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def bodies_of(ledger: Any) -> BodyCache:
    """The body cache of one ledger (one per application object)."""
    with _CACHES_LOCK:
        found = _CACHES.get(ledger)
        if found is None:
            found = _CACHES[ledger] = BodyCache()
        return found
