"""What makes an exported report checkable on its own: the checkpoint of the ledger at the
report's position, and the report's seal.

The seal (``parledger-report-seal/1``) is signed with the ledger's key over its canonical JSON
(sorted keys, no spaces, UTF-8): the plan, the period, the ledger position the report was built
at, the checkpoint note of the tree at that position (C2SP form, with any witnesses'
cosignatures), the content SHA-256 that ``report submit`` records, and the digest of the
report's facts: each table (tasks, targets, scores, inspections, apologies) as it is shown,
every cell as text, hashed on its own, and the facts digest over those table digests, so a file
holding one table (a CSV of tasks) is still checked against the whole. A Word document, which
shows its tables with Vietnamese dates and numbers and fewer columns, also seals the digest of
the tables exactly as written there (``shown_sha256``).

Everything here is over text and bytes: the reports layer turns cells into text.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from integrity.chain import ChainStore
from integrity.digests import canonical_json, public_hex
from integrity.notes import Checkpoint, NoteError, log_verifier, origin_for, parse
from integrity.prefix import verified_root

SEAL_FORMAT = "parledger-report-seal/1"
PUBLISHED_ENV = "PARLEDGER_CHECKPOINTS"  # the directory ``parledger checkpoint`` publishes to

TextTable = tuple[str, Sequence[str], Sequence[Sequence[str]]]  # name, column titles, rows


class SealError(ValueError):
    """A seal that cannot be read or whose signature or checkpoint does not hold."""


def table_digest(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """SHA-256 of a table as the compact JSON array ``[[title], [column titles…], [cells…]…]``."""
    return hashlib.sha256(canonical_json([[title], list(columns), *map(list, rows)])).hexdigest()


def facts_digest(tables: Sequence[Sequence[str]]) -> str:
    """SHA-256 over the ``[name, table digest]`` pairs in the report's order of tables."""
    return hashlib.sha256(canonical_json([[n, d] for n, d in tables])).hexdigest()


def shown_digest(tables: Sequence[Sequence[Sequence[str]]]) -> str:
    """SHA-256 of tables exactly as a document writes them (every row, header included)."""
    return hashlib.sha256(canonical_json([[list(r) for r in t] for t in tables])).hexdigest()


def verification_code(facts_sha256: str) -> str:
    """The short code a reader types or reads out: 60 bits of the facts digest in base32."""
    text = base64.b32encode(bytes.fromhex(facts_sha256)[:10]).decode()[:12]
    return "-".join(text[i : i + 4] for i in range(0, 12, 4))


@dataclass(frozen=True)
class Evidence:
    """The signed checkpoint of the ledger at a report's position, and the key that seals the
    report (held in memory only: it never reaches a file)."""

    position: int
    checkpoint: Checkpoint
    key: Ed25519PrivateKey

    def seal(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` (plan, period, content and facts digests) sealed at this checkpoint."""
        checkpoint = self.checkpoint
        unsigned = {
            **body,
            "format": SEAL_FORMAT,
            "position": self.position,
            "size": checkpoint.size,
            "root": checkpoint.root.hex(),
            "checkpoint": checkpoint.text(),
            "key": public_hex(self.key),
        }
        unsigned["code"] = verification_code(str(unsigned["facts_sha256"]))
        return {**unsigned, "signature": self.key.sign(canonical_json(unsigned)).hex()}


def size_at(store: ChainStore, position: int) -> int:
    """How many events the ledger held up to and including ``position``."""
    after = store.select_chained(gt=position, limit=1)
    if after and after[0].leaf_index is not None:
        return after[0].leaf_index
    return store.chain_extent()[1]


def evidence_at(
    store: ChainStore, key: Ed25519PrivateKey, position: int, published: Path | None = None
) -> Evidence:
    """The checkpoint of the tree at ``position``: the published one of that size when it
    exists (with the cosignatures witnesses added), otherwise signed now after the chain up to
    there verifies (``IntegrityFailure`` when it does not; ``integrity/prefix.py``)."""
    size = size_at(store, position)
    origin = origin_for(key)
    # Checked from where this process last checked the chain: O(new events) per export.
    own = Checkpoint(origin, size, verified_root(store, key, size)).signed(key)
    candidate = (published / f"{size}.checkpoint") if published else None
    if candidate is not None and candidate.is_file():
        try:
            found = parse(candidate.read_text(encoding="utf-8"))
            found.check(log_verifier(origin, public_hex(key)))
            if found.root == own.root and found.size == own.size:
                own = found
        except (NoteError, OSError, UnicodeDecodeError):
            pass  # a damaged published file: the freshly signed note stands
    return Evidence(position, own, key)


@dataclass(frozen=True)
class CheckedSeal:
    seal: dict[str, Any]
    checkpoint: Checkpoint
    key_trusted: bool


def check_seal(seal: Any, trusted_key: str | None = None) -> CheckedSeal:
    """The seal's signature and its checkpoint's, and that both describe the same tree;
    ``SealError`` naming what fails."""
    if not isinstance(seal, dict) or seal.get("format") != SEAL_FORMAT:
        raise SealError(f"không có dấu xác thực {SEAL_FORMAT}")
    key = seal.get("key")
    if trusted_key is not None and key != trusted_key.lower():
        raise SealError(f"dấu xác thực ký bằng khoá {str(key)[:16]}…, không phải khoá tin cậy")
    body = {k: v for k, v in seal.items() if k != "signature"}
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(key)))
        public.verify(bytes.fromhex(str(seal.get("signature"))), canonical_json(body))
    except (ValueError, InvalidSignature) as error:
        raise SealError("chữ ký của dấu xác thực không hợp lệ") from error
    try:
        checkpoint = parse(str(seal.get("checkpoint")))
        checkpoint.check(log_verifier(checkpoint.origin, str(key)))
    except (NoteError, ValueError) as error:
        raise SealError(f"điểm kiểm trong dấu xác thực: {error}") from error
    if (checkpoint.size, checkpoint.root.hex()) != (seal.get("size"), seal.get("root")):
        raise SealError("điểm kiểm không khớp số sự kiện và gốc Merkle của dấu xác thực")
    if verification_code(str(seal.get("facts_sha256"))) != seal.get("code"):
        raise SealError("mã xác thực không khớp mã băm dữ liệu")
    return CheckedSeal(seal, checkpoint, trusted_key is not None)
