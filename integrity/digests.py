"""Signed digests: the small file an auditor keeps outside the database.

A digest names how many events the ledger held (``size``), the position of the last one, the
chain link there (``head``), the Merkle root over those leaves (``root``) and a few evenly spaced
links (``checkpoints``) that narrow down where a rewritten history first departs from it. It is
signed with the ledger's Ed25519 key over its canonical JSON (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DIGEST_FORMAT = "parledger-digest/1"
DEFAULT_KEY_PATH = "var/parledger-signing-key.pem"
CHECKPOINTS = 32


class DigestError(ValueError):
    """A digest file that cannot be read, or whose signature does not hold."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Checkpoint:
    leaf_index: int
    position: int
    link: str  # hex


@dataclass(frozen=True)
class Digest:
    size: int
    position: int
    head: str  # hex of the chain link at leaf size-1 (zeros for an empty ledger)
    root: str  # hex of the Merkle root over leaves [0, size)
    issued_at: str
    checkpoints: tuple[Checkpoint, ...] = ()
    key: str = ""  # hex of the raw Ed25519 public key
    signature: str = ""
    format: str = field(default=DIGEST_FORMAT)

    def body(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("signature")
        data["checkpoints"] = [asdict(c) for c in self.checkpoints]
        return data

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    def signed(self, key: Ed25519PrivateKey) -> Digest:
        unsigned = replace(self, key=public_hex(key), signature="")
        return replace(unsigned, signature=key.sign(canonical_json(unsigned.body())).hex())

    def check_signature(self, trusted_key: str | None = None) -> None:
        """Raise ``DigestError`` unless the signature holds (and, when given, the key is the
        one the auditor trusts)."""
        if trusted_key is not None and trusted_key != self.key:
            raise DigestError(f"digest signed by key {self.key[:16]}…, not the trusted key")
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.key))
            public.verify(bytes.fromhex(self.signature), canonical_json(self.body()))
        except (ValueError, InvalidSignature) as error:
            raise DigestError("digest signature does not verify") from error

    @classmethod
    def from_json(cls, data: Any) -> Digest:
        if not isinstance(data, dict) or data.get("format") != DIGEST_FORMAT:
            raise DigestError(f"not a {DIGEST_FORMAT} document")
        try:
            digest = cls(
                size=_int(data["size"]),
                position=_int(data["position"]),
                head=_hex(data["head"]),
                root=_hex(data["root"]),
                issued_at=str(data["issued_at"]),
                checkpoints=tuple(
                    Checkpoint(_int(c["leaf_index"]), _int(c["position"]), _hex(c["link"]))
                    for c in data.get("checkpoints", [])
                ),
                key=_hex(data["key"]),
                signature=_hex(data["signature"]),
            )
        except (KeyError, TypeError) as error:
            raise DigestError(f"digest field missing or malformed: {error}") from error
        if set(data) - {*digest.to_json()}:
            raise DigestError(
                f"digest has unknown fields: {sorted(set(data) - {*digest.to_json()})}"
            )
        return digest

    @classmethod
    def load(cls, path: Path) -> Digest:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DigestError(f"{path}: {error}") from error


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"expected a non-negative integer, got {value!r}")
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected hex text, got {value!r}")
    bytes.fromhex(value)  # raises ValueError on bad hex
    return value.lower()


def checkpoint_indices(size: int, count: int = CHECKPOINTS) -> list[int]:
    """Up to ``count`` leaf indices spread evenly over ``[0, size)``, the last always included."""
    if size == 0:
        return []
    return sorted({(i + 1) * size // count - 1 for i in range(count)} - {-1} | {size - 1})


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- the ledger's signing key ---------------------------------------------------------------


def key_path(environ: dict[str, str] | None = None) -> Path:
    environ = dict(os.environ) if environ is None else environ
    return Path(environ.get("PARLEDGER_SIGNING_KEY") or DEFAULT_KEY_PATH)


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The ledger's signing key, created (mode 0600) on first use."""
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise DigestError(f"{path}: not an Ed25519 private key")
        return loaded
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def public_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def first_mismatch(
    checkpoints: Sequence[Checkpoint], links: dict[int, bytes]
) -> tuple[Checkpoint | None, Checkpoint] | None:
    """The checkpoints around where recomputed links first depart from a digest: the last that
    matches (``None`` before the first) and the first that does not; ``None`` if all match."""
    before: Checkpoint | None = None
    for checkpoint in checkpoints:
        if links.get(checkpoint.leaf_index) != bytes.fromhex(checkpoint.link):
            return before, checkpoint
        before = checkpoint
    return None
