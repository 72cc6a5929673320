"""Proof paths from the stored subtree roots (O(log n) rows), with the leaves as the fallback,
and consistency proofs between two digests (RFC 9162, 2.1.4).

A path from the cache is handed out only after it has been checked against the signed root it
claims (a few hashes); when the cache cannot serve it (a read-only role, a damaged row) the
path is recomputed from every leaf, which also says whether the stored leaves still match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import PersistenceError

from integrity.chain import ChainStore
from integrity.digests import Digest
from integrity.merkle import (
    RangeRoot,
    consistency_path_from,
    inclusion_path_from,
    root,
    root_from_path,
    verify_consistency,
)
from integrity.subtrees import NodeStore, from_stored, sync

CONSISTENCY_FORMAT = "parledger-consistency-proof/1"
log = logging.getLogger(__name__)


class ProofFailure(Exception):
    """A consistency proof, or the histories it joins, does not hold; the message says what."""


def stored_path(
    store: ChainStore, size: int, compute: Callable[[RangeRoot], list[bytes]]
) -> list[bytes] | None:
    """``compute`` over the stored subtree roots of the first ``size`` leaves (extending the
    table first), or ``None`` when the store cannot serve it."""
    if not isinstance(store, NodeStore):
        return None
    try:
        sync(store, size)
        return from_stored(store, compute)
    except (LookupError, PersistenceError) as error:
        log.warning("subtree roots unavailable, proving from the leaves: %s", error)
        return None


def inclusion(
    store: ChainStore, index: int, size: int, leaf: bytes, expected: bytes
) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` whose root is ``expected``."""
    path = stored_path(store, size, lambda r: inclusion_path_from(index, size, r))
    if path is not None and root_from_path(index, size, leaf, path) == expected:
        return path
    leaves = _leaves(store, size, expected)
    return inclusion_path_from(index, size, lambda low, high: root(leaves[low:high]))


def prefix_root(store: ChainStore, size: int) -> bytes:
    """The Merkle root of the first ``size`` leaves, from stored subtree roots when possible."""
    found = stored_path(store, size, lambda r: [r(0, size)] if size else [root(())])
    if found is not None:
        return found[0]
    return root(leaf for _, leaf in store.select_leaves(size))


def _leaves(store: ChainStore, size: int, expected: bytes) -> list[bytes]:
    leaves = [leaf for _, leaf in store.select_leaves(size)]
    if len(leaves) != size or root(leaves) != expected:
        raise ProofFailure(
            f"sổ cái hiện tại không còn khớp bản tóm lược có {size} sự kiện: "
            "chạy parledger verify --digest"
        )
    return leaves


@dataclass(frozen=True)
class TreeHead:
    """What a consistency check needs of a signed digest or checkpoint: size and root."""

    size: int
    root: bytes
    label: str  # how the message names it


def prove_consistency(
    store: ChainStore, old: TreeHead, new: TreeHead, embed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The proof that ``old`` is a prefix of the ledger ``new`` describes (both signed heads
    the caller read, and checked, from digests or checkpoints; ``embed`` adds them as such)."""
    if old.size > new.size:
        raise ProofFailure(f"{old.label} có {old.size} sự kiện, nhiều hơn {new.label} ({new.size})")
    path = stored_path(store, new.size, lambda r: consistency_path_from(old.size, new.size, r))
    if path is None or not verify_consistency(old.size, new.size, old.root, new.root, path):
        leaves = _leaves(store, new.size, new.root)
        if root(leaves[: old.size]) != old.root:
            raise ProofFailure(
                f"{old.label} ({old.size} sự kiện) không phải là phần đầu của sổ cái này: "
                "lịch sử đã rẽ nhánh"
            )
        path = consistency_path_from(old.size, new.size, lambda lo, hi: root(leaves[lo:hi]))
    return {
        "format": CONSISTENCY_FORMAT,
        "old_size": old.size,
        "new_size": new.size,
        "old_root": old.root.hex(),
        "new_root": new.root.hex(),
        "path": [p.hex() for p in path],
        **(embed or {}),
    }


def check_consistency(old: TreeHead, new: TreeHead, path: list[bytes] | None) -> None:
    """Raise ``ProofFailure`` unless ``new`` extends ``old``: equal heads at the same size, or
    a valid RFC 9162 path between them. Same size with two roots is a fork."""
    if old.size > new.size:
        raise ProofFailure(f"{old.label} có {old.size} sự kiện, nhiều hơn {new.label}")
    if old.size == new.size:
        if old.root != new.root:
            raise ProofFailure(
                f"rẽ nhánh: {old.label} và {new.label} cùng {old.size} sự kiện nhưng khác gốc "
                f"Merkle ({old.root.hex()[:16]}… và {new.root.hex()[:16]}…)"
            )
        return
    if path is None:
        raise ProofFailure(f"cần bằng chứng nhất quán từ {old.size} đến {new.size} sự kiện")
    if not verify_consistency(old.size, new.size, old.root, new.root, path):
        raise ProofFailure(
            f"bằng chứng không cho thấy {new.label} ({new.size} sự kiện) nối tiếp "
            f"{old.label} ({old.size} sự kiện): lịch sử đã bị viết lại hoặc rẽ nhánh"
        )


def read_consistency_proof(data: Any) -> tuple[int, int, bytes, bytes, list[bytes]]:
    """The sizes, roots and path of a proof document (its embedded digests are optional)."""
    if not isinstance(data, dict) or data.get("format") != CONSISTENCY_FORMAT:
        raise ProofFailure(f"không phải tài liệu {CONSISTENCY_FORMAT}")
    try:
        old_size, new_size = data["old_size"], data["new_size"]
        if not isinstance(old_size, int) or not isinstance(new_size, int):
            raise TypeError("sizes must be integers")
        path = [bytes.fromhex(p) for p in data["path"]]
        return (
            old_size,
            new_size,
            bytes.fromhex(data["old_root"]),
            bytes.fromhex(data["new_root"]),
            path,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ProofFailure(f"bằng chứng nhất quán hỏng: {error}") from error


def digest_head(digest: Digest, label: str) -> TreeHead:
    return TreeHead(digest.size, bytes.fromhex(digest.root), label)
