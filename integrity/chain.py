"""The hash chain over the global order of events: one exact byte form per stored event.

Each stored event is encoded canonically (``canonical``): a compact JSON array (RFC 8785
style, UTF-8) of a format tag and every field in a fixed order — timestamps as fixed-width UTC
ISO text — with the state's byte length, then a newline and the state exactly as stored (the
library's JSON, NFC text: re-normalising it changes the bytes). Its SHA-256 is the *event
digest*; the *leaf* binds it to its position the way RFC 9162 hashes a Merkle leaf,
``SHA-256(0x00 ‖ u64 position ‖ event digest)``; the *link* is
``SHA-256(previous link ‖ leaf)``, starting from 32 zero bytes.

The event digest is computed by the writer before the append; the leaf and the link are
computed in the transaction that stores the event (in SQL on PostgreSQL, where positions are
assigned), so an event never exists without its link. Verification and export recompute all
three from the stored rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import orjson

FORMAT = "parledger-event/2"
GENESIS = bytes(32)
# RFC 8785-style: compact separators, no ASCII escaping (text hashed as its UTF-8, as stored);
# only strings, integers and null occur, so the form is exact. JSON escapes newlines inside
# strings, so the first newline ends the header. orjson writes, in C, the very bytes of the
# standard library's ``json`` with ``ensure_ascii=False`` and compact separators (the form
# earlier releases hashed; tests/unit/test_canonical_form.py holds them equal).
_ENCODE = orjson.dumps


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
            self.originator_id.hex,
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
    originator_hex: str,
    originator_version: int,
    topic: str,
    state: bytes,
    facts: Sequence[str | None],
) -> bytes:
    """The exact bytes an event is hashed as (position excluded: the leaf adds it): a compact
    JSON array of the format, the originator (32 hex digits), version, topic, the index facts
    and the state's length, then a newline and the stored state bytes as they are."""
    header = _ENCODE([FORMAT, originator_hex, originator_version, topic, *facts, len(state)])
    return header + b"\n" + state


def event_digest(encoded: bytes) -> bytes:
    return hashlib.sha256(encoded).digest()


def leaf_hash(position: int, digest: bytes) -> bytes:
    """RFC 9162 leaf hash of the entry ``u64 position ‖ event digest``."""
    return hashlib.sha256(b"\x00" + position.to_bytes(8, "big") + digest).digest()


def link(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC text timestamp, so SQLite orders and compares it as time."""
    # isoformat with microseconds is the same text as "%Y-%m-%dT%H:%M:%S.%f+00:00", faster.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StoredLink:
    """One stored event with its index facts and what the chain table holds for it."""

    event: ChainedEvent
    leaf_index: int | None
    leaf: bytes | None
    link: bytes | None


def link_from_row(row: Sequence[Any]) -> StoredLink:
    (position, originator, version, topic, state, *facts, leaf_index, leaf, link_) = row
    return StoredLink(
        event=ChainedEvent(position, UUID(hex=originator), version, topic, state, *facts),
        leaf_index=leaf_index,
        leaf=leaf,
        link=link_,
    )


class ChainStore(Protocol):
    """What verification, proofs, export and restore read from a store (both backends'
    recorders provide it): the chain is checked without knowing which database holds it."""

    def select_chained(self, *, gt: int = 0, limit: int = 5000) -> list[StoredLink]: ...

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]: ...

    def stream_chained_rows(self, batch: int = 20_000) -> Iterator[list[Sequence[Any]]]: ...

    def chain_extent(self) -> tuple[int, int]: ...

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]: ...

    def restore(self, links: Sequence[StoredLink]) -> None: ...
