"""Stored subtree roots: proofs built from them (after any sequence of partial syncs) are the
proofs built from every leaf, and read O(log n) nodes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from hypothesis import given
from hypothesis import strategies as st

from integrity.merkle import (
    RangeRoot,
    consistency_path,
    consistency_path_from,
    inclusion_path,
    inclusion_path_from,
)
from integrity.subtrees import Key, NodeStore, from_stored, peaks, sync


class MemoryNodes:
    """The NodeStore protocol over lists: the same contract the recorders keep in SQL."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.nodes: dict[Key, bytes] = {}
        self.reads = 0

    def merkle_extent(self) -> int:
        top = max((index for level, index in self.nodes if level == 1), default=-1)
        return (top + 1) * 2

    def select_merkle_nodes(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        self.reads += len(keys)
        found = {k: self.leaves[k[1]] for k in keys if k[0] == 0 and k[1] < len(self.leaves)}
        return found | {k: self.nodes[k] for k in keys if k in self.nodes}

    def select_leaf_range(self, start: int, stop: int) -> list[bytes]:
        return self.leaves[start:stop]

    def insert_merkle_nodes(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        for level, index, digest in rows:
            self.nodes.setdefault((level, index), digest)


def inclusion_of(index: int, size: int) -> Callable[[RangeRoot], list[bytes]]:
    return lambda r: inclusion_path_from(index, size, r)


def consistency_of(old: int, size: int) -> Callable[[RangeRoot], list[bytes]]:
    return lambda r: consistency_path_from(old, size, r)


def leaves_of(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


def test_memory_nodes_is_a_node_store() -> None:
    assert isinstance(MemoryNodes([]), NodeStore)


@given(st.lists(st.integers(1, 400), min_size=1, max_size=4), st.data())
def test_proofs_from_stored_roots_are_the_proofs(growth: list[int], data: st.DataObject) -> None:
    """The ledger grows in steps; the table is synced at each; proofs at every step match."""
    total = sum(growth)
    store = MemoryNodes(leaves_of(total))
    size = 0
    for step in growth:
        size += step
        sync(store, size)
        index = data.draw(st.integers(0, size - 1))
        old = data.draw(st.integers(0, size))
        store.reads = 0
        stored = from_stored(store, inclusion_of(index, size))
        assert stored == inclusion_path(index, store.leaves[:size])
        assert store.reads <= 2 * size.bit_length() + 2
        store.reads = 0
        stored = from_stored(store, consistency_of(old, size))
        assert stored == consistency_path(old, store.leaves[:size])
        assert store.reads <= 2 * size.bit_length() + 2


@given(st.integers(0, 2**40))
def test_peaks_tile_the_tree(size: int) -> None:
    covered = 0
    for level, index in peaks(size):
        assert index << level == covered
        covered += 1 << level
    assert covered == size
