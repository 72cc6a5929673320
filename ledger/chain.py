"""The hash chain over the global order of events: one exact byte form per stored event.

Each stored event is encoded canonically (``canonical``): a version tag, then every field in a
fixed order, each length-prefixed (``None`` has its own marker), text as UTF-8 of the stored NFC
text, timestamps as fixed-width UTC ISO text. Its SHA-256 is the *event digest*; the *leaf* binds
it to its position the way RFC 9162 hashes a Merkle leaf, ``SHA-256(0x00 ‖ u64 position ‖
event digest)``; the *link* is ``SHA-256(previous link ‖ leaf)``, starting from 32 zero bytes.

The event digest is computed by the writer before the append; the leaf and the link are
computed in the transaction that stores the event (in SQL on PostgreSQL, where positions are
assigned), so an event never exists without its link. ``recompute`` gives the same three from
the stored rows for verification and export.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

FORMAT_TAG = b"parledger-event/1\n"
GENESIS = bytes(32)
_NONE = b"\xff\xff\xff\xff"


def _field(value: bytes | None) -> bytes:
    return _NONE if value is None else len(value).to_bytes(4, "big") + value


def _text(value: str | None) -> bytes:
    return _NONE if value is None else _field(value.encode("utf-8"))


@dataclass(frozen=True)
class ChainedEvent:
    """A stored event with the queryable facts of its index row: what the chain covers.

    Timestamps are the index's fixed-width UTC text (``recorders.utc_text``), so both backends
    hash the same bytes without parsing them back into datetimes.
    """

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    entity: str | None
    event_type: str | None
    recorded_at: str | None
    effective_at: str | None
    actor_id: str | None
    plan: str | None
    actor_role: str | None
    actor_agency: str | None

    def canonical(self) -> bytes:
        return canonical(
            self.originator_id,
            self.originator_version,
            self.topic,
            self.state,
            (
                self.entity,
                self.event_type,
                self.recorded_at,
                self.effective_at,
                self.actor_id,
                self.plan,
                self.actor_role,
                self.actor_agency,
            ),
        )


def canonical(
    originator_id: UUID,
    originator_version: int,
    topic: str,
    state: bytes,
    facts: tuple[str | None, ...],
) -> bytes:
    """The exact bytes an event is hashed as (position excluded: the leaf adds it)."""
    return b"".join(
        (
            FORMAT_TAG,
            originator_id.bytes,
            originator_version.to_bytes(8, "big", signed=True),
            _text(topic),
            _field(state),
            *(_text(fact) for fact in facts),
        )
    )


def event_digest(encoded: bytes) -> bytes:
    return hashlib.sha256(encoded).digest()


def leaf_hash(position: int, digest: bytes) -> bytes:
    """RFC 9162 leaf hash of the entry ``u64 position ‖ event digest``."""
    return hashlib.sha256(b"\x00" + position.to_bytes(8, "big") + digest).digest()


def link(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()
