"""Stored events decoded straight into the fold's input, without the library's event objects.

The library turns a stored event into a domain event with :mod:`json` and a Python
``object_hook`` called on every dict, then the fold reads a handful of attributes and drops it;
per event that decoding cost more than the fold and several times the raw scan. Here the state
is parsed by orjson (C) and its typed values (dates, decimals, the event's meta …) are converted
once, in place, with the application's own transcodings, so a field reads back exactly as the
library would give it; the parsed dict becomes the row's attribute dict, so the fold reads a
field as cheaply as from any object. An event stored before its class's current version is put
through the class's own upcasters first (``docs/schema-evolution.md``), as the library's mapper
does.

The fold dispatches on ``EventRow.event_class`` (the class the stored topic names), so the fold
tables stay keyed by event class. A reader that needs only some classes (the views: not the
users' events) names them, and the other rows carry no fields at all: their state is not parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic


class EventRow:
    """One stored event as the fold reads it: ``originator_id``, ``originator_version``, and
    every field of the stored state as a plain attribute."""

    _event_class: type[Any]  # in the attribute dict, beside the fields

    def __init__(
        self,
        event_class: type[Any],
        originator_id: UUID,
        originator_version: int,
        state: dict[str, Any],
    ) -> None:
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        state["_event_class"] = event_class
        self.__dict__ = state

    @property
    def event_class(self) -> type[Any]:
        return self.__dict__["_event_class"]  # type: ignore[no-any-return]


def class_of(event: Any) -> type[Any]:
    """The event class of a library event or of an :class:`EventRow`."""
    return event._event_class if type(event) is EventRow else type(event)


Decode = Callable[[Any], Any]


def _uuid(raw: Any) -> UUID:
    return raw if type(raw) is UUID else UUID(str(raw))  # both recorders give UUIDs


def _typed_in_place(value: Any, decoders: dict[str, Decode]) -> Any:
    """``value`` (fresh from the JSON parser, so ours to change) with every
    ``{"_type_", "_data_"}`` marker decoded, innermost first, as the library's ``object_hook``
    does: containers are converted in place rather than copied."""
    if type(value) is list:
        for i, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                value[i] = _typed_in_place(item, decoders)
        return value
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        # A marker (its name is text): its data decoded first, then the marker.
        data = value["_data_"]
        if type(data) is dict or type(data) is list:
            data = _typed_in_place(data, decoders)
        return decoders[value["_type_"]](data)
    _typed_values(value, decoders)
    return value


def _typed_values(value: dict[str, Any], decoders: dict[str, Decode]) -> None:
    """Every value of the dict ``value`` typed in place; a marker of plain data (a date, a
    time, a decimal …) decoded here, without a call per marker."""
    for key, item in value.items():
        if type(item) is dict:
            if len(item) == 2 and "_type_" in item and "_data_" in item:
                data = item["_data_"]
                if type(data) is not dict and type(data) is not list:
                    value[key] = decoders[item["_type_"]](data)
                    continue
            value[key] = _typed_in_place(item, decoders)
        elif type(item) is list:
            value[key] = _typed_in_place(item, decoders)


class RowDecoder:
    """Decodes stored events of one application (its transcodings, cipher and compressor)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        transcoder = mapper.transcoder
        if not isinstance(transcoder, JSONTranscoder):
            raise TypeError("the fast decoder reads JSON-transcoded events only")
        self.decoders: dict[str, Decode] = {
            name: transcoding.decode for name, transcoding in transcoder.names.items()
        }
        self.cipher = mapper.cipher
        self.compressor = mapper.compressor
        self.topics: dict[str, tuple[type[Any], int]] = {}  # topic -> (class, current version)

    def _class(self, topic: str) -> tuple[type[Any], int]:
        found = self.topics.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            found = self.topics[topic] = (cls, getattr(cls, "class_version", 1))
        return found

    def row(self, stored: StoredEvent, wanted: Collection[type[Any]] | None = None) -> EventRow:
        cls, current = self._class(stored.topic)
        if wanted is not None and cls not in wanted:
            return EventRow(cls, _uuid(stored.originator_id), stored.originator_version, {})
        data = stored.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = orjson.loads(data)
        _typed_values(state, self.decoders)
        version = state.pop("class_version", 1)
        # Stored by an earlier release: the upcasters see decoded values, as in the mapper.
        while version < current:
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        return EventRow(cls, _uuid(stored.originator_id), stored.originator_version, state)

    def rows(
        self, notifications: Iterable[Any], wanted: Collection[type[Any]] | None = None
    ) -> list[tuple[int, EventRow]]:
        """(position, row) for each notification, in the order given; rows of a class not in
        ``wanted`` (when given) carry no fields."""
        return [(n.id, self.row(n, wanted)) for n in notifications]
