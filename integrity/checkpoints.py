"""Signed tree heads as files: a JSON digest (``parledger-digest/1``) or a C2SP checkpoint note,
read alike for consistency checks; and publishing, which writes both for the current ledger with
the consistency proof from the previous one, for witnesses to check and cosign.

The published directory holds ``SIZE.json`` (the digest), ``SIZE.checkpoint`` (the note, where
witnesses add their cosignature lines) and ``OLD-NEW.proof.json`` between consecutive sizes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.chain import ChainStore
from integrity.digests import Digest, DigestError
from integrity.notes import Checkpoint, NoteError, load, log_verifier, parse
from integrity.operations import make_digest
from integrity.proofs import TreeHead, digest_head, prove_consistency


@dataclass(frozen=True)
class SignedHead:
    head: TreeHead
    digest: Digest | None
    checkpoint: Checkpoint | None

    def embed(self) -> dict[str, Any]:
        if self.digest is not None:
            return self.digest.to_json()
        assert self.checkpoint is not None
        return {"checkpoint": self.checkpoint.text()}


def read_head(path: Path, trusted_key: str | None) -> SignedHead:
    """A digest or checkpoint file, its ledger signature checked (by ``trusted_key`` when
    given: a digest otherwise only proves it is self-consistent, a note needs the key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NoteError(f"{path}: {error}") from error
    label = path.name
    if text.lstrip().startswith("{"):
        try:
            digest = Digest.from_json(json.loads(text))
            digest.check_signature(trusted_key)
        except (json.JSONDecodeError, DigestError) as error:
            raise NoteError(f"{label}: {error}") from error
        return SignedHead(digest_head(digest, label), digest, None)
    checkpoint = parse(text)
    if trusted_key is None:
        raise NoteError(f"{label}: cần khoá công khai của sổ cái (--trusted-key) để kiểm điểm kiểm")
    checkpoint.check(log_verifier(checkpoint.origin, trusted_key))
    return SignedHead(TreeHead(checkpoint.size, checkpoint.root, label), None, checkpoint)


def checkpoint_of(digest: Digest, origin: str, key: Ed25519PrivateKey) -> Checkpoint:
    return Checkpoint(origin, digest.size, bytes.fromhex(digest.root)).signed(key)


def publish(
    store: ChainStore, key: Ed25519PrivateKey, origin: str, directory: Path
) -> tuple[Digest, Path, Path | None]:
    """Sign the current ledger into ``directory``; returns the digest, the checkpoint's path
    and the path of the proof from the previous checkpoint (``None`` for the first)."""
    directory.mkdir(parents=True, exist_ok=True)
    digest, _ = make_digest(store, key)
    target = directory / f"{digest.size}.checkpoint"
    if target.exists() and load(target).root.hex() == digest.root:
        return digest, target, None  # nothing new: keep the cosignatures it already has
    previous = _previous(directory, digest.size)
    proof_path = None
    if previous is not None:
        proof = prove_consistency(
            store,
            TreeHead(previous.size, previous.root, f"{previous.size}.checkpoint"),
            digest_head(digest, target.name),
        )
        proof_path = directory / f"{previous.size}-{digest.size}.proof.json"
        proof_path.write_text(json.dumps(proof, indent=2) + "\n", encoding="utf-8")
    (directory / f"{digest.size}.json").write_text(
        json.dumps(digest.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    target.write_text(checkpoint_of(digest, origin, key).text(), encoding="utf-8")
    return digest, target, proof_path


def _previous(directory: Path, size: int) -> Checkpoint | None:
    sizes = [
        int(p.name.removesuffix(".checkpoint"))
        for p in directory.glob("*.checkpoint")
        if p.name.removesuffix(".checkpoint").isdigit()
    ]
    below = [s for s in sizes if s < size]
    return load(directory / f"{max(below)}.checkpoint") if below else None
