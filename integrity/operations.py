"""What the auditor's commands do: sign a digest, prove one event, check a proof, export the
ledger as canonical JSON lines with its digest, restore it into an empty store.

Every output here can be checked with this module and the ledger's public key alone: a proof
carries its event, its path and the signed digest; an export carries every link and a digest.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.chain import (
    GENESIS,
    ChainedEvent,
    ChainStore,
    StoredLink,
    event_digest,
    leaf_hash,
    link,
)
from integrity.digests import Digest, DigestError, canonical_json, now_text
from integrity.merkle import root, root_from_path
from integrity.proofs import ProofFailure, inclusion
from integrity.verify import Problem, Report, scan, verify

PROOF_FORMAT = "parledger-inclusion-proof/1"
EXPORT_FORMAT = "parledger-export/1"


class IntegrityFailure(Exception):
    """The ledger, a proof or an export does not hold; ``problems`` says where."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


# -- digests ------------------------------------------------------------------------------------


def make_digest(
    recorder: ChainStore, key: Ed25519PrivateKey, size: int | None = None
) -> tuple[Digest, Report]:
    """Verify the whole chain and sign a digest of it (or of its first ``size`` events);
    refuse to sign a broken chain."""
    if size is None:
        size, _ = recorder.chain_extent()
    report = verify(recorder, seal=size)
    if not report.ok or report.sealed is None:
        raise IntegrityFailure("the chain does not verify: no digest signed", report.problems)
    return report.sealed.signed(key), report


# -- events as JSON -------------------------------------------------------------------------------


def event_json(e: ChainedEvent) -> dict[str, Any]:
    try:
        state: dict[str, str] = {"state": e.state.decode("utf-8")}
    except UnicodeDecodeError:
        state = {"state_base64": base64.b64encode(e.state).decode()}
    return {
        "position": e.position,
        "originator_id": str(e.originator_id),
        "originator_version": e.originator_version,
        "topic": e.topic,
        **state,
        "entity": e.entity,
        "event_type": e.event_type,
        "recorded_at": e.recorded_at,
        "effective_at": e.effective_at,
        "actor_id": e.actor_id,
        "plan": e.plan,
        "actor_role": e.actor_role,
        "actor_agency": e.actor_agency,
    }


def event_from_json(data: Any) -> ChainedEvent:
    if not isinstance(data, dict):
        raise ValueError("event is not an object")
    if data.get("state_base64") is not None:
        state = base64.b64decode(data["state_base64"], validate=True)
    else:
        state = str(data["state"]).encode("utf-8")

    def text(name: str) -> str | None:
        value = data[name]
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} is not text")
        return value

    position, version = data["position"], data["originator_version"]
    if not isinstance(position, int) or not isinstance(version, int):
        raise ValueError("position and originator_version must be integers")
    return ChainedEvent(
        position=position,
        originator_id=UUID(str(data["originator_id"])),
        originator_version=version,
        topic=str(data["topic"]),
        state=state,
        entity=text("entity"),
        event_type=text("event_type"),
        recorded_at=text("recorded_at"),
        effective_at=text("effective_at"),
        actor_id=text("actor_id"),
        plan=text("plan"),
        actor_role=text("actor_role"),
        actor_agency=text("actor_agency"),
    )


def leaf_of(e: ChainedEvent) -> bytes:
    return leaf_hash(e.position, event_digest(e.canonical()))


# -- inclusion proofs --------------------------------------------------------------------------


def prove(recorder: ChainStore, position: int, digest: Digest) -> dict[str, Any]:
    """The proof that the event at ``position`` is in the ledger ``digest`` describes."""
    found = recorder.select_chained(gt=position - 1, limit=1)
    if not found or found[0].event.position != position:
        raise LookupError(f"no event at position {position}")
    stored = found[0]
    if stored.leaf_index is None or stored.leaf_index >= digest.size:
        raise LookupError(
            f"the event at position {position} is not covered by the digest "
            f"(size {digest.size}, up to position {digest.position})"
        )
    assert stored.leaf is not None  # a leaf index implies its stored leaf
    try:
        path = inclusion(
            recorder, stored.leaf_index, digest.size, stored.leaf, bytes.fromhex(digest.root)
        )
    except ProofFailure as failure:
        raise IntegrityFailure(str(failure)) from failure
    return {
        "format": PROOF_FORMAT,
        "leaf_index": stored.leaf_index,
        "tree_size": digest.size,
        "event": event_json(stored.event),
        "path": [p.hex() for p in path],
        "digest": digest.to_json(),
    }


@dataclass(frozen=True)
class CheckedProof:
    event: ChainedEvent
    digest: Digest
    leaf_index: int


def check_proof(proof: Any, *, trusted_key: str | None = None) -> CheckedProof:
    """Check a proof alone: its event hashes to a leaf that its path takes to the root of its
    signed digest. Raises ``IntegrityFailure`` naming what fails."""
    if not isinstance(proof, dict) or proof.get("format") != PROOF_FORMAT:
        raise IntegrityFailure(f"not a {PROOF_FORMAT} document")
    try:
        digest = Digest.from_json(proof["digest"])
        event = event_from_json(proof["event"])
        index, size = proof["leaf_index"], proof["tree_size"]
        path = [bytes.fromhex(p) for p in proof["path"]]
    except (KeyError, TypeError, ValueError, DigestError) as error:
        raise IntegrityFailure(f"malformed proof: {error}") from error
    if not isinstance(index, int) or not isinstance(size, int) or size != digest.size:
        raise IntegrityFailure("the proof's tree size is not its digest's size")
    try:
        digest.check_signature(trusted_key)
    except DigestError as error:
        raise IntegrityFailure(str(error)) from error
    proven = root_from_path(index, size, leaf_of(event), path)
    if proven is None or proven.hex() != digest.root:
        raise IntegrityFailure(
            f"the event at position {event.position} is not proven under the digest's root"
        )
    return CheckedProof(event, digest, index)


# -- export and restore ----------------------------------------------------------------------


def export(recorder: ChainStore, key: Ed25519PrivateKey, out: IO[str]) -> Digest:
    """The whole ledger as canonical JSON lines: a header, one line per event with its link,
    then the signed digest of exactly those events. Refuses a chain that does not verify."""
    digest, _ = make_digest(recorder, key)
    out.write(_line({"format": EXPORT_FORMAT, "exported_at": now_text(), "events": digest.size}))
    for written, stored in enumerate(scan(recorder)):
        if written == digest.size:
            break  # appended after the digest was signed: the next export takes them
        out.write(
            _line(
                {
                    "event": event_json(stored.event),
                    "leaf_index": stored.leaf_index,
                    "leaf": (stored.leaf or b"").hex(),
                    "link": (stored.link or b"").hex(),
                }
            )
        )
    out.write(_line({"digest": digest.to_json()}))
    return digest


def _line(value: dict[str, Any]) -> str:
    return canonical_json(value).decode() + "\n"


def read_export(
    lines: Iterable[str], *, trusted_key: str | None = None
) -> tuple[list[StoredLink], Digest]:
    """Parse and check an export: every leaf and link recomputed, the digest's signature, head
    and root; raises ``IntegrityFailure`` at the first line that does not hold."""
    iterator: Iterator[str] = iter(lines)
    try:
        header = json.loads(next(iterator))
    except (StopIteration, json.JSONDecodeError) as error:
        raise IntegrityFailure("line 1: not a ParLedger export") from error
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise IntegrityFailure(f"line 1: not a {EXPORT_FORMAT} file")
    links: list[StoredLink] = []
    digest: Digest | None = None
    previous = GENESIS
    for number, text in enumerate(iterator, start=2):
        if digest is not None:
            raise IntegrityFailure(f"line {number}: data after the digest")
        try:
            data = json.loads(text)
            if "digest" in data:
                digest = Digest.from_json(data["digest"])
                continue
            event = event_from_json(data["event"])
            stored = StoredLink(
                event, data["leaf_index"], bytes.fromhex(data["leaf"]), bytes.fromhex(data["link"])
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, DigestError) as error:
            raise IntegrityFailure(f"line {number}: {error}") from error
        leaf = leaf_of(event)
        previous = link(previous, leaf)
        if stored.leaf_index != len(links) or stored.leaf != leaf or stored.link != previous:
            raise IntegrityFailure(
                f"line {number}: the event at position {event.position} does not match its link"
            )
        links.append(stored)
    if digest is None:
        raise IntegrityFailure("the export ends without its digest (cut short?)")
    try:
        digest.check_signature(trusted_key)
    except DigestError as error:
        raise IntegrityFailure(str(error)) from error
    if (
        digest.size != len(links)
        or digest.head != previous.hex()
        or digest.root != root(x.leaf for x in links if x.leaf is not None).hex()
    ):
        raise IntegrityFailure("the export's events do not match its digest")
    return links, digest


def restore(recorder: ChainStore, links: list[StoredLink], digest: Digest) -> Report:
    """Load a checked export into an empty store, then verify the store against its digest."""
    recorder.restore(links)
    report = verify(recorder, [digest])
    if not report.ok:
        raise IntegrityFailure("the restored ledger does not verify", report.problems)
    return report
