"""Checkpoints as C2SP signed notes (tlog-checkpoint, signed-note, tlog-cosignature), so that
generic transparency-log tooling reads what the ledger signs.

A checkpoint's body is three lines: the origin (the log's name), the tree size in decimal, the
base64 Merkle root; then a blank line and signature lines ``— NAME base64(key id ‖ sig)``. The
ledger signs the body with Ed25519 (signature type 0x01, key id = SHA-256(name ‖ LF ‖ 0x01 ‖
key)[:4]); a witness cosigns ``cosignature/v1 LF time T LF body`` (type 0x04, and the signature
carries the 8-byte big-endian time before it). A verifier knows keys by name and key id and
ignores lines it has no key for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014 "  # an em dash and a space open every signature line


class NoteError(ValueError):
    """A note that cannot be read, or a signature that does not hold."""


@dataclass(frozen=True)
class Verifier:
    """A trusted key: its name, kind (0x01 note signer, 0x04 cosigner) and raw public key."""

    name: str
    kind: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(
            self.name.encode() + b"\n" + bytes([self.kind]) + self.public
        ).digest()[:4]

    def vkey(self) -> str:
        """The signed-note verifier key text: ``name+hex(key id)+base64(kind ‖ key)``."""
        material = base64.b64encode(bytes([self.kind]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        try:
            # A name never holds "+"; base64 may, so split from the left.
            name, key_id, material = text.strip().split("+", 2)
            raw = base64.b64decode(material, validate=True)
            if not raw:
                raise ValueError("empty key")
        except (ValueError, binascii.Error) as error:
            raise NoteError(f"khoá xác minh không đúng dạng name+id+key: {text!r}") from error
        verifier = cls(name, raw[0], raw[1:])
        if verifier.kind not in (ED25519, COSIGNATURE_V1) or len(verifier.public) != 32:
            raise NoteError(f"khoá xác minh {name}: chỉ nhận Ed25519 (0x01, 0x04)")
        if verifier.key_id.hex() != key_id:
            raise NoteError(f"khoá xác minh {name}: mã khoá {key_id} không khớp khoá")
        return verifier


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    payload: bytes  # after the key id: the signature (with the time first for cosignatures)

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.payload).decode()}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = field(default=())

    def body(self) -> bytes:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return ("\n".join([*lines, *self.extensions]) + "\n").encode()

    def text(self) -> str:
        return self.body().decode() + "\n" + "".join(s.line() for s in self.signatures)

    def with_signature(self, signature: Signature) -> Checkpoint:
        kept = tuple(
            s for s in self.signatures if (s.name, s.key_id) != (signature.name, signature.key_id)
        )
        return Checkpoint(self.origin, self.size, self.root, self.extensions, (*kept, signature))

    def signed(self, key: Ed25519PrivateKey) -> Checkpoint:
        """Signed by the log's key under its origin name."""
        verifier = Verifier(self.origin, ED25519, raw_public(key))
        return self.with_signature(Signature(self.origin, verifier.key_id, key.sign(self.body())))

    def cosigned(self, name: str, key: Ed25519PrivateKey, timestamp: int) -> Checkpoint:
        verifier = Verifier(name, COSIGNATURE_V1, raw_public(key))
        message = cosigned_message(self.body(), timestamp)
        payload = timestamp.to_bytes(8, "big") + key.sign(message)
        return self.with_signature(Signature(name, verifier.key_id, payload))

    def holds(self, verifier: Verifier) -> bool:
        """Whether a signature line by this trusted key is present and valid."""
        for s in self.signatures:
            if (s.name, s.key_id) != (verifier.name, verifier.key_id):
                continue
            public = Ed25519PublicKey.from_public_bytes(verifier.public)
            if verifier.kind == COSIGNATURE_V1:
                if len(s.payload) != 72:
                    continue
                stamp = int.from_bytes(s.payload[:8], "big")
                message, signature = cosigned_message(self.body(), stamp), s.payload[8:]
            else:
                message, signature = self.body(), s.payload
            try:
                public.verify(signature, message)
                return True
            except InvalidSignature:
                continue
        return False

    def check(self, log_key: Verifier, witnesses: Sequence[Verifier] = (), quorum: int = 0) -> None:
        """Raise ``NoteError`` unless the log's signature holds and at least ``quorum`` of the
        trusted witnesses cosigned."""
        if log_key.name != self.origin or not self.holds(log_key):
            raise NoteError(f"điểm kiểm {self.origin}/{self.size}: chữ ký của sổ cái không hợp lệ")
        cosigned = [w.name for w in witnesses if self.holds(w)]
        if len(cosigned) < quorum:
            raise NoteError(
                f"điểm kiểm {self.origin}/{self.size}: {len(cosigned)} đồng ký hợp lệ "
                f"({', '.join(cosigned) or 'không có'}), cần {quorum}"
            )


def cosigned_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body


def parse(text: str) -> Checkpoint:
    """Read a checkpoint note; signature lines are kept unverified (``check`` verifies)."""
    body, sep, rest = text.partition("\n\n")
    if not sep or not body:
        raise NoteError("không phải điểm kiểm dạng ghi chú ký (thiếu dòng trống trước chữ ký)")
    lines = body.split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NoteError("điểm kiểm cần ba dòng: nguồn gốc, số sự kiện, gốc Merkle")
    origin, size_text, root_text, *extensions = lines
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"số sự kiện của điểm kiểm không hợp lệ: {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise NoteError("gốc Merkle của điểm kiểm không phải base64") from error
    if len(root) != 32:
        raise NoteError("gốc Merkle của điểm kiểm phải dài 32 byte")
    signatures = []
    for line in rest.split("\n"):
        if not line:
            continue
        if not line.startswith(DASH) or " " not in line[len(DASH) :]:
            raise NoteError(f"dòng chữ ký không đúng dạng: {line[:40]!r}")
        name, encoded = line[len(DASH) :].rsplit(" ", 1)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise NoteError(f"chữ ký của {name} không phải base64") from error
        if len(raw) < 5:
            raise NoteError(f"chữ ký của {name} quá ngắn")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Checkpoint(origin, int(size_text), root, tuple(extensions), tuple(signatures))


def origin_for(key: Ed25519PrivateKey, environ: dict[str, str] | None = None) -> str:
    """The log's origin line: ``PARLEDGER_ORIGIN``, or one derived from the public key so two
    ledgers never share a name."""
    environ = dict(os.environ) if environ is None else environ
    return environ.get("PARLEDGER_ORIGIN") or f"parledger.local/{raw_public(key).hex()[:16]}"


def log_verifier(origin: str, public_hex: str) -> Verifier:
    return Verifier(origin, ED25519, bytes.fromhex(public_hex))


def load(path: Path) -> Checkpoint:
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise NoteError(f"{path}: {error}") from error
