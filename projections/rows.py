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

What every event carries besides its own fields is read lazily: the fold takes the effective
time (its register stamps) and the local day straight from the stored ISO text
(:func:`effective_utc`, :func:`effective_day`), and the documents' key from the stored id, so
``meta`` (actor, source …), ``timestamp`` and ``originator_id`` are decoded only for the few
folds and readers that ask for them; asked, they are exactly what the library gives.

The fold dispatches on ``EventRow.event_class`` (the class the stored topic names), so the fold
tables stay keyed by event class. A reader that needs only some classes (the views: not the
users' events) names them, and the other rows carry no fields at all: their state is not parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.values import VN_TZ
from integrity.chain import utc_text

Decode = Callable[[Any], Any]

# The ISO offset of VN_TZ (fixed): a time stored with it shows its local day in its first ten
# characters.
_LOCAL_OFFSET = datetime(2000, 1, 1, tzinfo=VN_TZ).isoformat()[-6:]
_new = object.__new__


class EventRow:
    """One stored event as the fold reads it: ``originator_version``, every field of the stored
    state as a plain attribute, and ``originator_id``, ``meta`` and ``timestamp`` decoded on
    first read (the attribute dict holds the stored markers until then)."""

    # In the attribute dict, beside the fields: the class, the originator id as 32 hex digits,
    # the application's decoders (for the lazy attributes) and the effective time as stored.
    _event_class: type[Any]
    _key: str
    _decoders: dict[str, Decode]
    _at: str

    def __init__(
        self,
        event_class: type[Any],
        key: str,
        originator_version: int,
        state: dict[str, Any],
    ) -> None:
        state["_key"] = key
        state["originator_version"] = originator_version
        state["_event_class"] = event_class
        self.__dict__ = state

    @property
    def event_class(self) -> type[Any]:
        return self.__dict__["_event_class"]  # type: ignore[no-any-return]

    @property
    def originator_id(self) -> UUID:
        return UUID(hex=self.__dict__["_key"])

    @property
    def meta(self) -> Any:
        return self._decoded("meta")

    @property
    def timestamp(self) -> datetime:
        return self._decoded("timestamp")  # type: ignore[no-any-return]

    def _decoded(self, name: str) -> Any:
        fields = self.__dict__
        if name not in fields:
            raise AttributeError(name)  # a row the reader did not want: no fields at all
        value = fields[name]
        if type(value) is dict or type(value) is bytes:  # still the stored marker
            value = fields[name] = _typed_in_place(_marker(value), fields["_decoders"])
        return value


def class_of(event: Any) -> type[Any]:
    """The event class of a library event or of an :class:`EventRow`."""
    return event._event_class if type(event) is EventRow else type(event)


def key_of(event: Any) -> str:
    """The originator id of a library event or of an :class:`EventRow`, as 32 hex digits."""
    return event.__dict__["_key"] if type(event) is EventRow else event.originator_id.hex  # type: ignore[no-any-return]


UTC_TEXTS: dict[str, str] = {}  # stored effective time -> its fixed-width UTC text
UTC_TEXTS_KEPT = 4096  # the events of one command share their meta: a few suffice


def _utc_of(text: str) -> str:
    found = UTC_TEXTS.get(text)
    if found is None:
        if len(UTC_TEXTS) >= UTC_TEXTS_KEPT:
            UTC_TEXTS.clear()
        if len(text) == 32 and text.endswith("+00:00"):
            found = text  # already fixed-width UTC text
        else:
            found = utc_text(datetime.fromisoformat(text))
        UTC_TEXTS[text] = found
    return found


def effective_utc(event: Any) -> str:
    """``utc_text(event.meta.effective_at)``: the fold's register stamps."""
    if type(event) is EventRow:
        text = event.__dict__.get("_at")
        if text is not None:
            return _utc_of(text)
    return utc_text(event.meta.effective_at)


def effective_day(event: Any) -> str:
    """The local (Vietnam) day of ``event.meta.effective_at``, as ISO text."""
    if type(event) is EventRow:
        text = event.__dict__.get("_at")
        if text is not None:
            if text.endswith(_LOCAL_OFFSET):
                return text[:10]  # type: ignore[no-any-return]
            return datetime.fromisoformat(text).astimezone(VN_TZ).date().isoformat()
    return str(event.meta.effective_at.astimezone(VN_TZ).date().isoformat())


# How the library's transcoder writes the meta marker (compact JSON, keys in the order
# ``EventMetaAsDict.encode`` gives them, ``source`` last with an enum's plain value).
_META = b'"meta":{"_type_":"meta","_data_":{'
_AT = b'"effective_at":{"_type_":"datetime_iso","_data_":"'
_SOURCE = b'"source":"'
_COMMA, _BRACE = ord(","), ord("{")


def _cut_meta(data: bytes) -> tuple[bytes, bytes, str] | None:
    """``data`` without its ``meta`` marker, the marker's own text, and the effective time's
    text; None where the text is not laid out as the transcoder writes it.

    The meta marker is most of a stored event's text, and the fold reads only its effective
    time: parsed apart, and only when asked, it costs nothing to most events. (Measured both
    ways at 1M events: a rebuild, which decodes and folds one row at a time, is 3-7% faster
    parsing the whole text; a replay, which holds its rows, is a third slower that way: the
    plan's index-only answer took 84-99 ms against 57-66 ms with the cut.) The patterns
    searched hold quotes that would be escaped inside any string, so each matches structure
    only: ``_AT`` and ``_SOURCE`` match the marker's own keys (the actor's keys come before and
    are other names), and a ``_META`` found in a nested dict rather than at the top leaves the
    top-level ``meta`` in the rest, which the caller checks."""
    start = data.find(_META)
    at = data.find(_AT, start)
    source = data.find(_SOURCE, at)
    if start < 1 or at < 0 or source < 0:
        return None
    closing = data.find(b'"', source + len(_SOURCE))  # the source is a plain enum value
    end = closing + 3
    if closing < 0 or data[closing:end] != b'"}}':
        return None
    begin = at + len(_AT)
    effective = data[begin : data.find(b'"', begin)].decode()
    marker = data[start + 7 : end]  # past '"meta":'
    before = data[start - 1]
    if before == _COMMA:
        rest = data[: start - 1] + data[end:]
    elif before == _BRACE:
        rest = data[:start] + data[end + 1 if data[end] == _COMMA else end :]
    else:
        return None
    return rest, marker, effective


def _parse(data: bytes) -> tuple[dict[str, Any], Any, str | None]:
    """The stored state without its meta; the meta marker (its text, or parsed) and the
    effective time's stored text, when found."""
    cut = _cut_meta(data)
    if cut is not None:
        rest, meta, effective = cut
        try:
            state = orjson.loads(rest)
        except orjson.JSONDecodeError:
            state = None
        if type(state) is dict and "meta" not in state:
            return state, meta, effective
    state = orjson.loads(data)
    meta = state.pop("meta", None)
    if type(meta) is dict:
        at = meta["_data_"]["effective_at"]
        if at["_type_"] == "datetime_iso":
            return state, meta, at["_data_"]
    return state, meta, None


def _marker(stored: Any) -> Any:
    return orjson.loads(stored) if type(stored) is bytes else stored


def _hex(raw: Any) -> str:
    return raw.hex if type(raw) is UUID else UUID(str(raw)).hex  # both recorders give UUIDs


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

    def decode(
        self,
        key: str,
        originator_version: int,
        topic: str,
        data: bytes,
        wanted: Collection[type[Any]] | None = None,
    ) -> EventRow:
        """One stored event (its originator id as 32 hex digits) as a row."""
        cls, current = self.topics.get(topic) or self._class(topic)
        if wanted is not None and cls not in wanted:
            return EventRow(cls, key, originator_version, {})
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        if type(data) is not bytes:
            data = bytes(data)
        # Meta and timestamp set aside undecoded (``EventRow.meta``, ``EventRow.timestamp``).
        state, meta, effective = _parse(data)
        timestamp = state.pop("timestamp", None)
        decoders = self.decoders
        _typed_values(state, decoders)
        version = state.pop("class_version", 1)
        if version < current:
            # Stored by an earlier release: the upcasters see decoded values, as in the mapper.
            if meta is not None:
                state["meta"] = _typed_in_place(_marker(meta), decoders)
            if timestamp is not None:
                state["timestamp"] = _typed_in_place(timestamp, decoders)
            while version < current:
                getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
                version += 1
        else:
            if meta is not None:
                state["meta"] = meta
            if effective is not None:
                state["_at"] = effective  # the stored text: see effective_utc
            if timestamp is not None:
                state["timestamp"] = timestamp
        state["_decoders"] = decoders
        # EventRow.__init__ inlined (once per event of every rebuild).
        state["_key"] = key
        state["originator_version"] = originator_version
        state["_event_class"] = cls
        row: EventRow = _new(EventRow)
        row.__dict__ = state
        return row

    def keys(
        self, stored: Iterable[Sequence[Any]], folds: dict[type[Any], tuple[str, Any]]
    ) -> list[tuple[str, str]]:
        """The documents (kind, originator) that stored rows (``select_event_rows``) change,
        sorted, from their topics alone: ``folds`` maps an event class to its kind first."""
        found = set()
        for r in stored:
            cls = (self.topics.get(r[3]) or self._class(r[3]))[0]
            fold = folds.get(cls)
            if fold is not None:
                found.add((fold[0], r[1]))
        return sorted(found)

    def row(self, stored: StoredEvent, wanted: Collection[type[Any]] | None = None) -> EventRow:
        return self.decode(
            _hex(stored.originator_id),
            stored.originator_version,
            stored.topic,
            stored.state,
            wanted,
        )

    def rows(
        self, notifications: Iterable[Any], wanted: Collection[type[Any]] | None = None
    ) -> list[tuple[int, EventRow]]:
        """(position, row) for each notification, in the order given; rows of a class not in
        ``wanted`` (when given) carry no fields."""
        return [(n.id, self.row(n, wanted)) for n in notifications]

    def page(
        self, stored: Iterable[Sequence[Any]], wanted: Collection[type[Any]] | None = None
    ) -> list[tuple[int, EventRow]]:
        """The same for plain rows (position, originator as 32 hex digits, version, topic,
        state: ``LedgerRecorder.select_event_rows``)."""
        decode = self.decode
        return [(r[0], decode(r[1], r[2], r[3], r[4], wanted)) for r in stored]
