"""A witness: a second party (the inspector's office, the city) that cosigns the ledger's
checkpoints only after checking that each extends the last one it cosigned, so the ledger
cannot show two histories to two auditors without one witness refusing.

It keeps its state in a directory: ``witness.pem`` (its Ed25519 key, created on first use),
``log.vkey`` (the ledger's verifier key, trusted on setup) and ``latest.checkpoint`` (the last
checkpoint it cosigned). ``run`` goes through a directory of published checkpoints
(``SIZE.checkpoint``) with the consistency proofs between them (``OLD-NEW.proof.json``) in
order of size, and adds its cosignature line to each one that holds.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from integrity.digests import load_or_create_key
from integrity.notes import COSIGNATURE_V1, Checkpoint, NoteError, Verifier, load, raw_public
from integrity.proofs import ProofFailure, TreeHead, check_consistency, read_consistency_proof

KEY_FILE, LOG_KEY_FILE, LATEST_FILE = "witness.pem", "log.vkey", "latest.checkpoint"


@dataclass(frozen=True)
class Outcome:
    path: Path
    size: int
    status: str  # cosigned | already | older | refused
    detail: str = ""


def head(checkpoint: Checkpoint, label: str) -> TreeHead:
    return TreeHead(checkpoint.size, checkpoint.root, label)


class Witness:
    def __init__(self, state: Path, name: str) -> None:
        self.state, self.name = state, name
        self.key = load_or_create_key(state / KEY_FILE)
        try:
            self.log_key = Verifier.parse((state / LOG_KEY_FILE).read_text(encoding="utf-8"))
        except OSError as error:
            raise NoteError(f"{state / LOG_KEY_FILE}: chưa có khoá của sổ cái") from error

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, COSIGNATURE_V1, raw_public(self.key))

    def latest(self) -> Checkpoint | None:
        path = self.state / LATEST_FILE
        return load(path) if path.exists() else None

    def consider(self, path: Path, inbox: Path) -> Outcome:
        """Check one published checkpoint against the latest cosigned one; cosign it if it
        extends it. Nothing is written for a checkpoint that does not hold."""
        checkpoint = load(path)
        if not checkpoint.holds(self.log_key) or checkpoint.origin != self.log_key.name:
            return Outcome(path, checkpoint.size, "refused", "chữ ký của sổ cái không hợp lệ")
        latest = self.latest()
        if latest is not None:
            if checkpoint.size < latest.size:
                return Outcome(path, checkpoint.size, "older", f"cũ hơn {latest.size}")
            proof_path = inbox / f"{latest.size}-{checkpoint.size}.proof.json"
            try:
                check_consistency(
                    head(latest, f"điểm kiểm đã đồng ký ({latest.size})"),
                    head(checkpoint, path.name),
                    _path_of(proof_path, latest, checkpoint),
                )
            except ProofFailure as failure:
                return Outcome(path, checkpoint.size, "refused", str(failure))
            if checkpoint.holds(self.verifier):
                return Outcome(path, checkpoint.size, "already")
        cosigned = checkpoint.cosigned(self.name, self.key, int(time.time()))
        _replace(path, cosigned.text())
        _replace(self.state / LATEST_FILE, cosigned.text())
        return Outcome(path, checkpoint.size, "cosigned")

    def run(self, inbox: Path) -> list[Outcome]:
        """Every checkpoint of ``inbox`` in order of size; stops at the first refused."""
        outcomes = []
        for path in sorted(inbox.glob("*.checkpoint"), key=_size_of):
            outcome = self.consider(path, inbox)
            outcomes.append(outcome)
            if outcome.status == "refused":
                break
        return outcomes


def _size_of(path: Path) -> tuple[int, str]:
    stem = path.name.removesuffix(".checkpoint")
    return (int(stem), path.name) if stem.isdigit() else (-1, path.name)


def _path_of(proof_path: Path, old: Checkpoint, new: Checkpoint) -> list[bytes] | None:
    if old.size == new.size:
        return None
    try:
        data = json.loads(proof_path.read_text(encoding="utf-8"))
    except OSError:
        raise ProofFailure(f"thiếu bằng chứng nhất quán {proof_path.name}") from None
    except json.JSONDecodeError as error:
        raise ProofFailure(f"{proof_path.name}: {error}") from error
    old_size, new_size, old_root, new_root, path = read_consistency_proof(data)
    if (old_size, new_size, old_root, new_root) != (old.size, new.size, old.root, new.root):
        raise ProofFailure(f"{proof_path.name} không nói về hai điểm kiểm này")
    return path


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
