"""How ParLedger's value types are written into stored events (JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import Actor, EventMeta, Role, Source

# Plain lookups: constructing an enum by value costs more than the rest of the decoding.
_ROLES = {role.value: role for role in Role}
_SOURCES = {source.value: source for source in Source}


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
        return Actor(
            id=data["id"], name=data["name"], role=_ROLES[data["role"]], agency=data["agency"]
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
        return EventMeta(
            actor=data["actor"],
            effective_at=effective_at,
            reason=data["reason"],
            request_id=data["request_id"],
            idempotency_key=data["idempotency_key"],
            source=_SOURCES[data["source"]],
        )


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), ActorAsDict(), EventMetaAsDict()):
        transcoder.register(transcoding)
