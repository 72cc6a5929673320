"""The verified prefix of a chain, kept in process: what a report's seal needs, in O(new events).

Sealing a report signs the Merkle root of the ledger's first ``size`` events, after checking
that the chain holds up to there. Checking from the first event on every export made each
download O(n). Here each store keeps, for this process, how far its chain was last checked:
the size, the recomputed link at its end, and the Merkle frontier (the perfect subtrees whose
roots fold into the root of any prefix). An export at the same or a later size checks only the
events appended since, each as ``verify`` does (its leaf, its index in the chain, its stored
link); any mismatch is handed to ``make_digest``, which verifies the whole chain and refuses
with the full report. A size below the checked one is computed from the start, as before.

Before it is trusted, the kept prefix is compared with the store: the stored link at its last
event must still be the one recomputed there (a cut, a restore or a rewrite of the tail
fails this, one indexed read). An insider rewriting an event inside an already checked prefix
with every later link recomputed is not seen by this shortcut; that is what ``verify`` with the
auditor's digests is for (``docs/tamper-evidence.md``), and a fresh process checks from the
start again.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.chain import GENESIS, ChainStore, canonical
from integrity.merkle import EMPTY_ROOT, node
from integrity.operations import IntegrityFailure, make_digest

PAGE = 20_000
ROOTS_KEPT = 64  # roots of recent sizes kept: repeated exports at one position cost nothing


@dataclass
class _Prefix:
    size: int = 0
    position: int = 0  # position of the event at leaf size-1
    link: bytes = GENESIS  # recomputed link at leaf size-1
    stack: list[tuple[int, bytes]] = field(default_factory=list)  # perfect subtrees
    roots: dict[int, bytes] = field(default_factory=lambda: {0: EMPTY_ROOT})

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        digest = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            digest = node(left, digest)
        return digest

    def push(self, leaf: bytes) -> None:
        size, digest = 1, leaf
        while self.stack and self.stack[-1][0] == size:
            below, left = self.stack.pop()
            size, digest = size + below, node(left, digest)
        self.stack.append((size, digest))

    def remember(self) -> None:
        if len(self.roots) >= ROOTS_KEPT:
            self.roots.pop(next(iter(self.roots)))
        self.roots[self.size] = self.root()


_PREFIXES: weakref.WeakKeyDictionary[Any, _Prefix] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def verified_root(store: ChainStore, key: Ed25519PrivateKey, size: int) -> bytes:
    """The Merkle root of the first ``size`` events after the chain up to them checks out;
    ``IntegrityFailure`` (from a whole-chain verify) when it does not."""
    with _LOCK:
        kept = _PREFIXES.get(store)
    if kept is not None and size in kept.roots and _still_there(store, kept):
        return kept.roots[size]
    if kept is None or size < kept.size or not _still_there(store, kept):
        if size and kept is not None and size < kept.size:
            digest, _ = make_digest(store, key, size)  # an earlier size: from the start
            return bytes.fromhex(digest.root)
        kept = _Prefix()
    grown = _Prefix(kept.size, kept.position, kept.link, list(kept.stack), dict(kept.roots))
    _extend(store, key, grown, size)
    grown.remember()
    with _LOCK:
        _PREFIXES[store] = grown
    return grown.roots[size]


def forget(store: ChainStore) -> None:
    """Drop what this process checked of ``store`` (the next seal checks from the start)."""
    with _LOCK:
        _PREFIXES.pop(store, None)


def _still_there(store: ChainStore, kept: _Prefix) -> bool:
    if kept.size == 0:
        return True
    found = store.select_chained(gt=kept.position - 1, limit=1)
    return bool(found) and found[0].link == kept.link and found[0].leaf_index == kept.size - 1


def _extend(store: ChainStore, key: Ed25519PrivateKey, prefix: _Prefix, size: int) -> None:
    """Check the events after the prefix up to ``size`` (as ``verify`` does), folding each
    leaf into the frontier."""
    sha = hashlib.sha256
    while prefix.size < size:
        rows = store.select_chained_rows(gt=prefix.position, limit=min(PAGE, size - prefix.size))
        if not rows:
            break
        for row in rows:
            if not _holds(row, prefix, sha):
                _refuse(store, key, size)
            prefix.push(bytes(row[14]))
            prefix.size += 1
            prefix.position = row[0]
            prefix.link = bytes(row[15])
    if prefix.size != size:
        _refuse(store, key, size)


def _holds(row: Sequence[Any], prefix: _Prefix, sha: Any) -> bool:
    position, originator, version, topic, state = row[:5]
    leaf_index, stored_leaf, stored_link = row[13:16]
    entry = sha(canonical(originator, version, topic, state, row[5:13])).digest()
    leaf = sha(b"\x00" + position.to_bytes(8, "big") + entry).digest()
    return (
        leaf_index == prefix.size
        and stored_leaf is not None
        and bytes(stored_leaf) == leaf
        and stored_link is not None
        and bytes(stored_link) == sha(prefix.link + leaf).digest()
    )


def _refuse(store: ChainStore, key: Ed25519PrivateKey, size: int) -> None:
    # The whole-chain verify names every problem; it raises for a broken chain.
    make_digest(store, key, size)
    raise IntegrityFailure("the chain changed while it was being checked: no digest signed", [])
