"""Verify's blocked Merkle roots equal the one-leaf-at-a-time RFC 9162 roots for every prefix
asked for, across block boundaries (sizes just under, at and over multiples of the block)."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from integrity.merkle import root
from integrity.verify import BLOCK, _Roots

LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(3 * BLOCK + 5)]
EDGES = [n for k in (1, 2, 3) for n in (k * BLOCK - 1, k * BLOCK, k * BLOCK + 1)]


@given(
    total=st.integers(0, len(LEAVES)),
    sizes=st.lists(st.one_of(st.integers(0, len(LEAVES)), st.sampled_from(EDGES)), max_size=8),
)
def test_blocked_prefix_roots_equal_rfc_roots(total: int, sizes: list[int]) -> None:
    roots = _Roots(sizes)
    for leaf in LEAVES[:total]:
        roots.push(leaf)
    roots.finish()
    assert roots.found == {n: root(LEAVES[:n]) for n in set(sizes) if n <= total}
