"""A Merkle tree over the chain's leaves in the manner of RFC 9162 (Certificate Transparency 2.0):
the root a digest signs, the inclusion path of one leaf, and its verification without the rest.

The leaves are the chain's leaf hashes (``chain.leaf_hash``), already domain-separated with the
0x00 prefix; interior nodes are ``SHA-256(0x01 ‖ left ‖ right)``, the left subtree holding the
largest power of two of leaves smaller than the tree.

Paths are built from a ``RangeRoot``, the root of leaves ``[low, high)``: over a list of leaves
that is a recomputation (O(n)); over the stored subtree roots (``integrity.subtrees``) it is a
few lookups, since every range the RFC's recursion asks for is a complete aligned subtree or a
suffix of the tree made of O(log n) of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
RangeRoot = Callable[[int, int], bytes]


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
    return inclusion_path_from(index, len(leaves), lambda low, high: root(leaves[low:high]))


def inclusion_path_from(index: int, size: int, range_root: RangeRoot) -> list[bytes]:
    """PATH(index, D[size]) with subtree roots from ``range_root``."""
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} outside a tree of {size}")
    path: list[bytes] = []
    low, high = 0, size
    # Walk down from the root, collecting the sibling subtree at every level, then reverse.
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            path.append(range_root(low + k, high))
            high = low + k
        else:
            path.append(range_root(low, low + k))
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


# -- consistency (RFC 9162, 2.1.4) -------------------------------------------------------------


def consistency_path(old: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(old, leaves): that the tree of the first ``old`` leaves is a prefix of this one."""
    return consistency_path_from(old, len(leaves), lambda low, high: root(leaves[low:high]))


def consistency_path_from(old: int, new: int, range_root: RangeRoot) -> list[bytes]:
    """SUBPROOF(old, D[new], true) of RFC 9162 2.1.4.1, unrolled: the recursion descends one
    side per level, so the siblings are collected top-down and the result reversed."""
    if not 0 <= old <= new:
        raise IndexError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []  # the empty tree and the tree itself need no proof
    collected: list[bytes] = []
    low, high, whole = 0, new, True  # whole: the old tree is still a complete subtree here
    m = old
    while m != high - low:
        k = _split(high - low)
        if m <= k:
            collected.append(range_root(low + k, high))
            high = low + k
        else:
            collected.append(range_root(low, low + k))
            low, m, whole = low + k, m - k, False
    if not whole:
        collected.append(range_root(low, high))
    collected.reverse()
    return collected


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: whether ``path`` proves the tree (``old``, ``old_root``) is a prefix
    of the tree (``new``, ``new_root``)."""
    if not 0 <= old <= new or any(len(p) != 32 for p in path):
        return False
    if old == new:
        return not path and old_root == new_root
    if old == 0:
        return not path and old_root == EMPTY_ROOT
    if not path:
        return False
    nodes = [old_root, *path] if old & (old - 1) == 0 else list(path)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = nodes[0]
    for sibling in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node(sibling, first), node(sibling, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node(second, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == old_root and second == new_root
