"""A Merkle tree over the chain's leaves in the manner of RFC 9162 (Certificate Transparency 2.0):
the root a digest signs, the inclusion path of one leaf, and its verification without the rest.

The leaves are the chain's leaf hashes (``chain.leaf_hash``), already domain-separated with the
0x00 prefix; interior nodes are ``SHA-256(0x01 ‖ left ‖ right)``, the left subtree holding the
largest power of two of leaves smaller than the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH of the leaves in one pass: a stack of perfect subtrees merged as they fill."""
    stack: list[tuple[int, bytes]] = []  # (leaf count, hash), counts strictly decreasing
    for leaf in leaves:
        size, digest = 1, leaf
        while stack and stack[-1][0] == size:
            below, left = stack.pop()
            size, digest = size + below, node(left, digest)
        stack.append((size, digest))
    if not stack:
        return EMPTY_ROOT
    _, digest = stack[-1]
    for _, left in reversed(stack[:-1]):
        digest = node(left, digest)
    return digest


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, leaves): sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} outside a tree of {len(leaves)}")
    path: list[bytes] = []
    low, high = 0, len(leaves)
    # Walk down from the root, collecting the sibling subtree at every level, then reverse.
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            path.append(root(leaves[low + k : high]))
            high = low + k
        else:
            path.append(root(leaves[low : low + k]))
            low = low + k
    path.reverse()
    return path


def root_from_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that ``path`` proves ``leaf`` (at ``index`` of ``size``) under, or ``None`` when
    the path cannot belong to such a tree (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, digest = index, size - 1, leaf
    for sibling in path:
        if sn == 0 or len(sibling) != 32:
            return None
        if fn & 1 or fn == sn:
            digest = node(sibling, digest)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            digest = node(digest, sibling)
        fn >>= 1
        sn >>= 1
    return digest if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    return root_from_path(index, size, leaf, path) == expected_root
