"""Stored Merkle subtree roots, so that a proof reads O(log n) rows instead of every leaf.

Every complete, aligned subtree of 2^level leaves (level ≥ 1) has one row
``(level, index, hash)``: the root of leaves ``[index·2^level, (index+1)·2^level)``. Leaves are
append-only, so such a root never changes once the subtree is complete; the table only grows.
``sync`` extends it from the stored leaves (only the ones added since the last call), and
``RangeRoots`` answers the RFC's ``MTH(D[low:high])`` for proofs from those rows and the leaves
of the chain table: every range an inclusion or consistency proof needs is a complete subtree
or a suffix of the tree that splits into O(log n) of them.

The table is a cache, not evidence: nothing signs it, and every proof built from it is checked
against the signed root before it is handed out (``operations``), falling back to the leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from integrity.merkle import RangeRoot, _split, node

Key = tuple[int, int]  # (level, index)
PAGE = 20_000
_PLACEHOLDER = bytes(32)
T = TypeVar("T")


@runtime_checkable
class NodeStore(Protocol):
    """What the cache reads and writes (both backends' recorders provide it)."""

    def merkle_extent(self) -> int:
        """How many leaves the stored nodes cover: every complete subtree inside is stored."""
        ...

    def select_merkle_nodes(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        """The stored nodes among ``keys``; level 0 reads the chain's leaves."""
        ...

    def select_leaf_range(self, start: int, stop: int) -> list[bytes]: ...

    def insert_merkle_nodes(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """Insert, ignoring rows already there (two writers compute the same values)."""
        ...


def aligned(low: int, high: int) -> Key | None:
    """The (level, index) of ``[low, high)`` when it is a complete aligned subtree."""
    size = high - low
    if size <= 0 or size & (size - 1) or low % size:
        return None
    level = size.bit_length() - 1
    return level, low >> level


def peaks(size: int) -> list[Key]:
    """The complete subtrees that tile ``[0, size)``, largest first (the binary digits)."""
    keys: list[Key] = []
    low = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, low >> level))
            low += 1 << level
    return keys


def sync(store: NodeStore, size: int) -> int:
    """Store every complete subtree of level ≥ 1 within the first ``size`` leaves; returns how
    many nodes were written. Reads only the leaves past what is already covered."""
    covered = store.merkle_extent()
    if size - covered < 2:
        return 0
    found = store.select_merkle_nodes(peaks(covered))
    # The stack holds the peaks of the leaves pushed so far: (level, index, hash).
    stack = [(level, index, found[level, index]) for level, index in peaks(covered)]
    written = 0
    for start in range(covered, size, PAGE):
        rows: list[tuple[int, int, bytes]] = []
        for offset, leaf in enumerate(store.select_leaf_range(start, min(start + PAGE, size))):
            level, index, digest = 0, start + offset, leaf
            while stack and stack[-1][0] == level:
                _, left_index, left = stack.pop()
                level, index, digest = level + 1, left_index >> 1, node(left, digest)
                rows.append((level, index, digest))
            stack.append((level, index, digest))
        # Each page ends after every node its leaves complete: what is stored stays closed.
        store.insert_merkle_nodes(rows)
        written += len(rows)
    return written


class RangeRoots:
    """``MTH(D[low:high])`` from stored nodes. In recording mode it only notes which complete
    subtrees are asked for (answering placeholders): the ranges a proof asks for depend on the
    sizes alone, so one recording pass names every node and one query fetches them."""

    def __init__(self) -> None:
        self.nodes: dict[Key, bytes] = {}
        self.wanted: set[Key] = set()
        self.recording = True

    def __call__(self, low: int, high: int) -> bytes:
        key = aligned(low, high)
        if key is None:
            k = _split(high - low)
            return node(self(low, low + k), self(low + k, high))
        if self.recording:
            self.wanted.add(key)
            return _PLACEHOLDER
        return self.nodes[key]


def from_stored(store: NodeStore, compute: Callable[[RangeRoot], T]) -> T:
    """``compute`` (a proof built from range roots) over the stored nodes, in one query.
    Raises ``LookupError`` when a node it needs is not stored (call ``sync`` first)."""
    roots = RangeRoots()
    compute(roots)
    roots.nodes = store.select_merkle_nodes(sorted(roots.wanted))
    absent = roots.wanted - set(roots.nodes)
    if absent:
        raise LookupError(f"subtree roots not stored: {sorted(absent)[:3]}")
    roots.recording = False
    return compute(roots)
