"""Checking an evidence package with no database (``parledger evidence verify``): the signed
manifest, the checkpoint, every event's inclusion proof, the reports' seals, the documents'
list, and every file's SHA-256, in that order; the first thing that does not hold is named."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from integrity.chain import leaf_hash
from integrity.digests import canonical_json
from integrity.merkle import root_from_path
from integrity.notes import Checkpoint, NoteError, log_verifier, parse
from integrity.operations import event_from_json, leaf_of
from reports.package import PACKAGE_FORMAT, documents
from reports.readback import ReportMismatch, verify_report


class PackageMismatch(Exception):
    """The package does not hold; the message names the first thing that does not match."""


def _manifest(files: dict[str, bytes], trusted_key: str | None) -> dict[str, Any]:
    try:
        manifest = json.loads(files["manifest.json"])
    except KeyError:
        raise PackageMismatch("gói không có manifest.json") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise PackageMismatch(f"manifest.json không đọc được: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != PACKAGE_FORMAT:
        raise PackageMismatch(f"manifest.json không phải {PACKAGE_FORMAT}")
    key = str(manifest.get("key"))
    if trusted_key is not None and key != trusted_key.lower():
        raise PackageMismatch(f"manifest.json ký bằng khoá {key[:16]}…, không phải khoá tin cậy")
    body = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key))
        public.verify(bytes.fromhex(str(manifest.get("signature"))), canonical_json(body))
    except (ValueError, InvalidSignature) as error:
        raise PackageMismatch("manifest.json: chữ ký của sổ cái không hợp lệ") from error
    return manifest


def _checkpoint(files: dict[str, bytes], manifest: dict[str, Any]) -> Checkpoint:
    try:
        checkpoint = parse(files["checkpoint.txt"].decode("utf-8"))
        checkpoint.check(log_verifier(checkpoint.origin, str(manifest["key"])))
    except KeyError:
        raise PackageMismatch("gói không có checkpoint.txt") from None
    except (NoteError, UnicodeDecodeError, ValueError) as error:
        raise PackageMismatch(f"checkpoint.txt: {error}") from error
    if (checkpoint.size, checkpoint.root.hex()) != (manifest["size"], manifest["root"]):
        raise PackageMismatch("checkpoint.txt: số sự kiện hay gốc Merkle khác manifest.json")
    return checkpoint


def _event(name: str, data: bytes, checkpoint: Checkpoint) -> dict[str, Any]:
    try:
        entry = json.loads(data)
        event = event_from_json(entry["event"])
        index, path = entry["leaf_index"], [bytes.fromhex(p) for p in entry["path"]]
        if "redacted" in entry:
            leaf = leaf_hash(event.position, bytes.fromhex(entry["event_sha256"]))
        else:
            leaf = leaf_of(event)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise PackageMismatch(f"{name}: không đọc được sự kiện: {error}") from error
    if name != f"events/{event.position:012d}.json":
        raise PackageMismatch(f"{name}: chứa sự kiện ở vị trí {event.position}")
    if root_from_path(index, checkpoint.size, leaf, path) != checkpoint.root:
        raise PackageMismatch(
            f"{name}: sự kiện ở vị trí {event.position} cùng đường kiểm chứng không dẫn tới gốc "
            "Merkle của điểm kiểm (sự kiện hoặc đường kiểm chứng đã bị sửa)"
        )
    return dict(entry)


def verify_package(data: bytes, trusted_key: str | None = None) -> list[str]:
    """What holds, line by line; ``PackageMismatch`` at the first thing that does not."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {n: archive.read(n) for n in archive.namelist()}
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise PackageMismatch(f"không đọc được tệp ZIP: {error}") from error
    manifest = _manifest(files, trusted_key)
    whose = "khoá tin cậy" if trusted_key else "khoá ghi trong gói (chưa đối chiếu)"
    holds = [f"manifest.json có chữ ký hợp lệ của sổ cái theo {whose}"]
    checkpoint = _checkpoint(files, manifest)
    holds.append(f"checkpoint.txt: điểm kiểm {checkpoint.size} sự kiện, chữ ký sổ cái hợp lệ")
    listed: dict[str, str] = dict(manifest.get("files", {}))
    entries = [
        _event(name, files[name], checkpoint)
        for name in sorted(listed)
        if name.startswith("events/") and name in files
    ]
    holds.append(f"{len(entries)} sự kiện đều nằm dưới gốc Merkle của điểm kiểm")
    for name in sorted(n for n in listed if n.startswith("reports/") and n in files):
        try:
            seal = verify_report(files[name], trusted_key=str(manifest["key"])).seal
        except ReportMismatch as error:
            raise PackageMismatch(f"{name}: {error}") from error
        if (seal["size"], seal["root"]) != (checkpoint.size, checkpoint.root.hex()):
            raise PackageMismatch(f"{name}: báo cáo không dựng ở điểm kiểm của gói")
        holds.append(f"{name}: dấu xác thực hợp lệ, mã {seal['code']}")
    try:
        cited = json.loads(files.get("documents.json", b"[]"))
    except (ValueError, UnicodeDecodeError) as error:
        raise PackageMismatch(f"documents.json không đọc được: {error}") from error
    if cited != documents(entries):
        raise PackageMismatch("documents.json khác danh sách văn bản mà các sự kiện viện dẫn")
    for name in sorted(set(listed) | set(files) - {"manifest.json"}):
        if name not in files:
            raise PackageMismatch(f"{name}: có trong manifest.json nhưng thiếu trong gói")
        if name not in listed:
            raise PackageMismatch(f"{name}: có trong gói nhưng không có trong manifest.json")
        if hashlib.sha256(files[name]).hexdigest() != listed[name]:
            raise PackageMismatch(f"{name}: mã SHA-256 khác manifest.json")
    holds.append(f"{len(listed)} tệp khớp mã SHA-256 trong manifest.json")
    if manifest.get("redacted"):
        holds.append(
            f"{manifest['redacted']} sự kiện đã lược bỏ dữ liệu cá nhân: kiểm qua event_sha256, "
            "phần bị lược bỏ không kiểm được"
        )
    return holds
