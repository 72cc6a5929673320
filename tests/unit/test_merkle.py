"""The Merkle tree against RFC 9162's recursive definition, and inclusion paths both ways."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from integrity.merkle import EMPTY_ROOT, _split, inclusion_path, node, root, verify_inclusion


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 defines it."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node(reference_root(leaves[:k]), reference_root(leaves[k:]))


def leaves_of(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


@given(st.integers(0, 300))
def test_root_is_the_rfc_root(n: int) -> None:
    assert root(leaves_of(n)) == reference_root(leaves_of(n))


@given(st.integers(1, 300), st.data())
def test_every_leaf_proves_and_no_other_does(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    index = data.draw(st.integers(0, n - 1))
    path = inclusion_path(index, leaves)
    assert len(path) <= max(1, n - 1).bit_length()
    assert verify_inclusion(index, n, leaves[index], path, root(leaves))
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index) if n > 1 else st.just(-1))
    if other >= 0:
        assert not verify_inclusion(other, n, leaves[index], path, root(leaves))
        assert not verify_inclusion(index, n, leaves[other], path, root(leaves))
