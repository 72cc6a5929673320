"""What every fold shares: the state, registers stamped with (effective time, position), and
the table that maps an aggregate's event classes to the function folding each.

See ``projections.state`` for why registers make the fold order-independent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from integrity.chain import utc_text
from projections.rows import EventRow, effective_day

Doc = dict[str, Any]
Stamp = list[Any]  # [effective time as fixed-width UTC text, position]


_NATIVE = frozenset({str, int, bool, type(None)})  # as they are (subclasses go the long way)


def plain(value: Any) -> Any:
    """JSON-native form of event data: dates and times as ISO text, decimals as text."""
    if type(value) in _NATIVE:
        return value
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def put_first(doc: Doc, key: str, value: Any, stamp: Stamp) -> None:
    """Set register ``key`` unless it holds a value from an earlier stamp."""
    stamps = doc.get("_s")
    if stamps is None:
        stamps = doc["_s"] = {}
    held = stamps.get(key)
    if held is None or stamp <= held:
        stamps[key] = stamp
        doc[key] = value


def put(doc: Doc, key: str, value: Any, stamp: Stamp) -> None:
    """Set register ``key`` unless it holds a value from a later stamp."""
    stamps = doc.get("_s")  # not setdefault: that builds a dict on every call
    if stamps is None:
        stamps = doc["_s"] = {}
    held = stamps.get(key)
    if held is None or stamp >= held:
        stamps[key] = stamp
        doc[key] = value


@dataclass
class LedgerState:
    """Entity documents by kind and key; ``position`` is the last event folded in."""

    docs: dict[str, dict[str, Doc]] = field(default_factory=dict)
    position: int = 0
    count: int = 0

    def kind(self, name: str) -> dict[str, Doc]:
        found = self.docs.get(name)
        if found is None:
            found = self.docs[name] = {}
        return found

    def doc(self, kind: str, key: str) -> Doc:
        # Called for every event folded: look up first, build a new document only if absent.
        docs = self.kind(kind)
        found = docs.get(key)
        if found is None:
            found = docs[key] = {"_s": {}}
        return found

    def copy(self) -> LedgerState:
        return LedgerState(copy.deepcopy(self.docs), self.position, self.count)

    def to_json(self) -> dict[str, Any]:
        return {"docs": self.docs, "position": self.position, "count": self.count}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerState:
        return cls(data["docs"], int(data["position"]), int(data["count"]))


Handler = Callable[["LedgerState", Any, Stamp], None]


def event_class(aggregate: type[Any], name: str) -> type[Any]:
    """The event class ``aggregate.<name>``, or an error when the module is imported: a renamed
    event stops the fold from loading instead of silently dropping out of every view.
    (``@event("Name")`` classes are made at run time, so mypy cannot see them.)"""
    found = vars(aggregate).get(name)
    if not isinstance(found, type):
        raise TypeError(f"{aggregate.__name__} has no event class {name!r}")
    return found


class FoldTable:
    """The folds of one kind of document (``tasks``, ``targets`` …), keyed by event class."""

    def __init__(self, kind: str, aggregate: type[Any]) -> None:
        self.kind = kind
        self.aggregate = aggregate
        self.handlers: dict[type[Any], Handler] = {}

    def __call__(self, *names: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                cls = event_class(self.aggregate, name)
                if cls in self.handlers:
                    raise TypeError(f"{self.aggregate.__name__}.{name} is folded twice")
                self.handlers[cls] = fn
            return fn

        return register


def base(state: LedgerState, kind: str, event: Any, stamp: Stamp) -> Doc:
    """The event's document (made if new) with its newest recorded version.

    Called for every event folded: ``LedgerState.doc``, ``key_of`` and ``put`` are inlined."""
    fields = event.__dict__
    key = fields["_key"] if type(event) is EventRow else event.originator_id.hex
    docs = state.docs.get(kind)
    if docs is None:
        docs = state.docs[kind] = {}
    doc = docs.get(key)
    if doc is None:
        doc = docs[key] = {"_s": {}}
    stamps = doc.get("_s")
    if stamps is None:
        stamps = doc["_s"] = {}
    position = stamp[1]
    held = stamps.get("version")
    if held is None or [position] >= held:
        stamps["version"] = [position]
        doc["version"] = event.originator_version
    return doc


def local_day(e: Any) -> str:
    return effective_day(e)


def withdrawal(e: Any) -> Doc:
    """The register a withdrawal from the plan sets (``domain.withdrawal``): when, and why."""
    return {"on": local_day(e), "reason": e.meta.reason}


def fold_withdrawals(on: FoldTable) -> None:
    """Fold an aggregate's ``Withdrawn`` and ``Reinstated`` events (tasks, targets) into one
    ``withdrawn`` register of its document: the views leave out what it sets."""

    @on("Withdrawn")
    def _withdrawn(state: LedgerState, e: Any, stamp: Stamp) -> None:
        put(base(state, on.kind, e, stamp), "withdrawn", withdrawal(e), stamp)

    @on("Reinstated")
    def _reinstated(state: LedgerState, e: Any, stamp: Stamp) -> None:
        put(base(state, on.kind, e, stamp), "withdrawn", None, stamp)
