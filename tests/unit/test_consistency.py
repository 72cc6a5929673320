"""Consistency proofs (RFC 9162 §2.1.4) against the RFC's recursive definition: every proof
between two sizes verifies, and every corruption of one is rejected."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from integrity.merkle import _split, consistency_path, node, root, verify_consistency


def leaves_of(n: int) -> list[bytes]:
    return [hashlib.sha256(b"leaf" + i.to_bytes(4, "big")).digest() for i in range(n)]


def reference_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 §2.1.4.1 writes it."""
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*reference_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), root(leaves[:k])]


sizes = st.integers(1, 300).flatmap(lambda new: st.tuples(st.integers(1, new), st.just(new)))


@given(sizes)
def test_every_proof_is_the_rfc_proof_and_verifies(pair: tuple[int, int]) -> None:
    old, new = pair
    leaves = leaves_of(new)
    path = consistency_path(old, leaves)
    expected = [] if old == new else reference_subproof(old, leaves, True)
    assert path == expected
    assert verify_consistency(old, new, root(leaves[:old]), root(leaves), path)


@given(sizes, st.data())
def test_a_flipped_bit_is_rejected(pair: tuple[int, int], data: st.DataObject) -> None:
    old, new = pair
    leaves = leaves_of(new)
    path = consistency_path(old, leaves)
    old_root, new_root = root(leaves[:old]), root(leaves)
    target = data.draw(st.integers(0, len(path) + 1))
    bit = data.draw(st.integers(0, 255))

    def flip(value: bytes) -> bytes:
        changed = bytearray(value)
        changed[bit // 8] ^= 1 << (bit % 8)
        return bytes(changed)

    if target == len(path):
        assert not verify_consistency(old, new, flip(old_root), new_root, path)
    elif target == len(path) + 1:
        assert not verify_consistency(old, new, old_root, flip(new_root), path)
    else:
        corrupted = [*path]
        corrupted[target] = flip(corrupted[target])
        assert not verify_consistency(old, new, old_root, new_root, corrupted)


@given(sizes, st.integers(-3, 3).filter(bool), st.booleans())
def test_wrong_sizes_are_rejected(pair: tuple[int, int], shift: int, move_old: bool) -> None:
    """A proof presented for other sizes (with those sizes' true roots: a checkpoint binds the
    two) fails, unless it happens to be exactly that other proof as well."""
    old, new = pair
    leaves = leaves_of(new + 3)
    path = consistency_path(old, leaves[:new])
    claimed_old, claimed_new = (old + shift, new) if move_old else (old, new + shift)
    if not 0 < claimed_old <= claimed_new:
        return
    genuine = consistency_path(claimed_old, leaves[:claimed_new])
    accepted = verify_consistency(
        claimed_old, claimed_new, root(leaves[:claimed_old]), root(leaves[:claimed_new]), path
    )
    assert accepted == (genuine == path)


@given(sizes, st.data())
def test_swapped_truncated_or_extended_paths_are_rejected(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    old, new = pair
    leaves = leaves_of(new)
    path = consistency_path(old, leaves)
    old_root, new_root = root(leaves[:old]), root(leaves)
    if len(path) >= 2:
        i = data.draw(st.integers(0, len(path) - 2))
        swapped = [*path]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        if swapped != path:
            assert not verify_consistency(old, new, old_root, new_root, swapped)
    if path:
        cut = data.draw(st.integers(0, len(path) - 1))
        assert not verify_consistency(old, new, old_root, new_root, path[:cut])
    extra = data.draw(st.binary(min_size=32, max_size=32))
    assert not verify_consistency(old, new, old_root, new_root, [*path, extra])
    assert not verify_consistency(old, new, old_root, new_root, [extra, *path])
    assert not verify_consistency(new, old, new_root, old_root, path) or old == new


def test_a_fork_of_the_same_size_is_not_consistent() -> None:
    leaves = leaves_of(9)
    forked = [*leaves[:4], hashlib.sha256(b"forged").digest(), *leaves[5:]]
    assert not verify_consistency(9, 9, root(leaves), root(forked), [])
    assert not verify_consistency(5, 9, root(forked[:5]), root(leaves), consistency_path(5, leaves))


def test_sizes_at_the_edges() -> None:
    leaves = leaves_of(8)
    assert consistency_path(0, leaves) == []
    assert verify_consistency(0, 8, root([]), root(leaves), [])
    assert verify_consistency(8, 8, root(leaves), root(leaves), [])
    assert not verify_consistency(8, 8, root(leaves), root(leaves), [root(leaves)])
    assert node(root(leaves[:4]), root(leaves[4:])) == root(leaves)
