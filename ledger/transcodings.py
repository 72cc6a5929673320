"""How ParLedger's value types are written into stored events (JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import Actor, EventMeta, Role, Source

T = TypeVar("T")

# Plain lookups: constructing an enum by value costs more than the rest of the decoding.
_ROLES = {role.value: role for role in Role}
_SOURCES = {source.value: source for source in Source}
_new = object.__new__


def _built(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` (no ``__post_init__``) holding ``fields``,
    every one given: equal to ``cls(**fields)``, built in a third of the time (a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``). Every event
    decoded carries an actor and its meta, so this is felt on every read of the log."""
    obj: T = _new(cls)
    obj.__dict__.update(fields)
    return obj


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return {"id": obj.id, "name": obj.name, "role": obj.role.value, "agency": obj.agency}

    def decode(self, data: dict[str, Any]) -> Actor:
        return _built(
            Actor,
            {
                "id": data["id"],
                "name": data["name"],
                "role": _ROLES[data["role"]],
                "agency": data["agency"],
            },
        )


class EventMetaAsDict(Transcoding):
    type = EventMeta
    name = "meta"

    def encode(self, obj: EventMeta) -> dict[str, Any]:
        return {
            "actor": obj.actor,
            "effective_at": obj.effective_at,
            "reason": obj.reason,
            "request_id": obj.request_id,
            "idempotency_key": obj.idempotency_key,
            "source": obj.source.value,
        }

    def decode(self, data: dict[str, Any]) -> EventMeta:
        effective_at = data["effective_at"]
        assert isinstance(effective_at, datetime)
        return _built(
            EventMeta,
            {
                "actor": data["actor"],
                "effective_at": effective_at,
                "reason": data["reason"],
                "request_id": data["request_id"],
                "idempotency_key": data["idempotency_key"],
                "source": _SOURCES[data["source"]],
            },
        )


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), ActorAsDict(), EventMetaAsDict()):
        transcoder.register(transcoding)
