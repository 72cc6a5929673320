"""Stored events decoded straight into the fold's input, without the library's event objects.

The library turns a stored event into a domain event with :mod:`json` and a Python
``object_hook`` called on every dict, then the fold reads a handful of attributes and drops it;
per event that decoding cost more than the fold and several times the raw scan. Here the state
is parsed by orjson (C), and an :class:`EventRow` converts a field's typed values (dates,
decimals, the event's meta …) only when the fold reads it, with the application's own
transcodings, so a field reads back exactly as the library would give it. An event stored
before its class's current version is decoded whole and put through the class's own upcasters
first (``docs/schema-evolution.md``), as the library's mapper does.

The fold dispatches on ``EventRow.event_class`` (the class the stored topic names), so the fold
tables stay keyed by event class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

_NESTED = (dict, list)
_IDS_KEPT = 65_536  # UUIDs remembered across pages (events repeat their aggregates' ids)


class EventRow:
    """One stored event as the fold reads it: ``originator_id``, ``originator_version``, and
    every field of the stored state as an attribute, converted on first read."""

    def __init__(
        self,
        event_class: type[Any],
        originator_id: UUID,
        originator_version: int,
        state: dict[str, Any],
        decoder: RowDecoder,
    ) -> None:
        self.__dict__.update(
            _event_class=event_class,
            originator_id=originator_id,
            originator_version=originator_version,
            _state=state,
            _decoder=decoder,
        )

    @property
    def event_class(self) -> type[Any]:
        return self.__dict__["_event_class"]  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        # Called only for fields not read yet: convert, then keep as a plain attribute.
        try:
            value = self.__dict__["_state"][name]
        except KeyError:
            raise AttributeError(name) from None
        if type(value) is dict or type(value) is list:
            value = self.__dict__["_decoder"].typed(value)
        self.__dict__[name] = value
        return value


def class_of(event: Any) -> type[Any]:
    """The event class of a library event or of an :class:`EventRow`."""
    return event.event_class if type(event) is EventRow else type(event)


class RowDecoder:
    """Decodes stored events of one application (its transcodings, cipher and compressor)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        transcoder = mapper.transcoder
        if not isinstance(transcoder, JSONTranscoder):
            raise TypeError("the fast decoder reads JSON-transcoded events only")
        self.names = dict(transcoder.names)
        self.cipher = mapper.cipher
        self.compressor = mapper.compressor
        self.ids: dict[Any, UUID] = {}

    def typed(self, value: Any) -> Any:
        """``value`` with every ``{"_type_", "_data_"}`` marker decoded, innermost first, as
        the library's ``object_hook`` does."""
        if type(value) is list:
            return [self.typed(v) if type(v) in _NESTED else v for v in value]
        if type(value) is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            if type(data) in _NESTED:
                data = self.typed(data)
            return self.names[value["_type_"]].decode(data)
        return {k: self.typed(v) if type(v) in _NESTED else v for k, v in value.items()}

    def _id(self, raw: Any) -> UUID:
        found = self.ids.get(raw)
        if found is None:
            if len(self.ids) >= _IDS_KEPT:
                self.ids.clear()  # memory stays flat on any size of ledger
            found = self.ids[raw] = raw if isinstance(raw, UUID) else UUID(str(raw))
        return found

    def row(self, stored: StoredEvent) -> EventRow:
        cls = resolve_topic(stored.topic)  # cached by the library
        data = stored.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = orjson.loads(data)
        version = state.pop("class_version", 1)
        current = getattr(cls, "class_version", 1)
        if version < current:
            # Stored by an earlier release: the upcasters see decoded values, as in the mapper.
            state = self.typed(state)
            while version < current:
                getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
                version += 1
        return EventRow(cls, self._id(stored.originator_id), stored.originator_version, state, self)

    def rows(self, notifications: Iterable[Any]) -> list[tuple[int, EventRow]]:
        """(position, row) for each notification, in the order given."""
        return [(n.id, self.row(n)) for n in notifications]
