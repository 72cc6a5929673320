"""Verification of the whole chain, and of the ledger against the digests an auditor kept.

One pass in position order (one statement streamed through one cursor, in one snapshot of the
store, the next batch read while this one is hashed) recomputes every event's leaf and link
from the stored rows and compares them with the chain table (an event changed, deleted,
inserted, or a link missing or rewritten), then compares the recomputed links and Merkle roots
with each digest (history rewritten with every later hash recomputed, or the tail cut).
Without a digest only the first kind is caught: a rewrite that recomputes every later link is
self-consistent, which is why the auditor keeps digests outside the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from queue import Full, Queue
from typing import Any

from integrity.chain import (
    GENESIS,
    ChainStore,
    StoredLink,
    canonical,
    link,
    link_from_row,
)
from integrity.digests import Checkpoint, Digest, checkpoint_indices, first_mismatch, now_text
from integrity.merkle import node
from integrity.merkle import root as merkle_root

_END = object()  # the last batch was read
MAX_PROBLEMS = 20
BLOCK = 1024  # leaves hashed level by level at a time: a power of two, so blocks stay aligned
PAGE = 20_000  # rows per read: fewer round trips; a page is a few MB at most
BATCH = 5_000  # rows a streamed read hands over at a time (two are held ahead)


@dataclass(frozen=True)
class Problem:
    kind: str  # altered | unlinked | missing | out_of_order | link_rewritten | extra_links |
    #           digest_mismatch | cut | digest_signature
    position: int | None
    detail: str
    event: str | None = None  # "originator_id v version (topic)" of the event concerned


@dataclass
class Report:
    events: int = 0
    links: int = 0
    head: bytes = GENESIS
    last_position: int = 0
    problems: list[Problem] = field(default_factory=list)
    digests_checked: int = 0
    seconds: float = 0.0
    sealed: Digest | None = None  # unsigned, when verify was asked to seal

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def scan(recorder: ChainStore, page: int = PAGE) -> Iterator[StoredLink]:
    for row in scan_rows(recorder, page):
        yield link_from_row(row)


def scan_rows(recorder: ChainStore, page: int = PAGE) -> Iterator[Sequence[Any]]:
    after = 0
    while True:
        rows = recorder.select_chained_rows(gt=after, limit=page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]


def _prefetched(batches: Iterator[list[Sequence[Any]]]) -> Iterator[list[Sequence[Any]]]:
    """The batches, the next one read by a thread of its own while this one is hashed, so the
    database's work and the driver's decoding overlap the hashing. The thread alone iterates
    (and closes) ``batches``: a cursor stays with the thread that opened it."""
    queue: Queue[object] = Queue(maxsize=2)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            with contextlib.suppress(Full):
                queue.put(item, timeout=0.1)
                return True
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_END)
        except BaseException as error:  # handed over and raised in the reading thread
            put(error)
        finally:
            batches.close()  # type: ignore[attr-defined]

    reader = threading.Thread(target=produce, name="parledger-chain-scan", daemon=True)
    reader.start()
    try:
        while (item := queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()


def _block_root(leaves: list[bytes]) -> bytes:
    """Root of a perfect subtree (``len(leaves)`` a power of two), one level at a time: each
    level is one comprehension of C hash calls instead of a stack step per leaf."""
    level = leaves
    sha = hashlib.sha256
    while len(level) > 1:
        level = [
            sha(b"\x01" + a + b).digest() for a, b in zip(level[::2], level[1::2], strict=True)
        ]
    return level[0]


class _Roots:
    """Merkle roots of every prefix asked for, from one pass over the leaves (in blocks)."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.wanted = sorted(set(sizes))
        self.stack: list[tuple[int, bytes]] = []  # perfect subtrees, sizes decreasing
        self.block: list[bytes] = []
        self.count = 0  # leaves in the stack
        self.found: dict[int, bytes] = {}

    def push(self, leaf: bytes) -> None:
        self.extend([leaf])

    def extend(self, leaves: Sequence[bytes]) -> None:
        start = 0
        while start < len(leaves):
            room = BLOCK - len(self.block)
            self.block.extend(leaves[start : start + room])
            start += room
            if len(self.block) == BLOCK:
                self._prefixes(self.count + BLOCK)
                self._merge(BLOCK, _block_root(self.block))
                self.block = []

    def _merge(self, size: int, digest: bytes) -> None:
        self.count += size
        while self.stack and self.stack[-1][0] == size:
            below, left = self.stack.pop()
            size, digest = size + below, node(left, digest)
        self.stack.append((size, digest))

    def _prefixes(self, upto: int) -> None:
        """Roots of the wanted sizes that end inside the current block (at most ``upto``):
        the block's own prefix root folded under the stack's subtrees (RFC 9162's split)."""
        while self.wanted and self.wanted[0] <= upto:
            size = self.wanted.pop(0)
            inside = size - self.count
            digest = merkle_root(self.block[:inside]) if inside else None
            for _, left in reversed(self.stack):
                digest = left if digest is None else node(left, digest)
            self.found[size] = digest if digest is not None else merkle_root(())

    def finish(self) -> None:
        self._prefixes(self.count + len(self.block))


def _name(stored: StoredLink) -> str:
    e = stored.event
    kind = e.topic.rsplit(".", 1)[-1] if e.topic else "?"
    return f"{e.originator_id} v{e.originator_version} ({e.entity or '?'} {kind})"


def _damage(report: Report, row: Sequence[Any], leaf: bytes, expected_index: int) -> None:
    """What is wrong with one event whose link is missing, out of place or not its own."""
    stored = link_from_row(row)
    position = stored.event.position
    if stored.leaf_index is None:
        report.add(Problem("unlinked", position, "sự kiện không có mắt xích", _name(stored)))
        return
    if stored.leaf_index != expected_index:
        missing = stored.leaf_index > expected_index
        why = "có sự kiện bị xoá trước nó" if missing else "bị đảo thứ tự"
        report.add(
            Problem(
                "missing" if missing else "out_of_order",
                position,
                f"mắt xích số {stored.leaf_index} ở chỗ của số {expected_index} ({why})",
                _name(stored),
            )
        )
    if stored.leaf != leaf:
        report.add(
            Problem("altered", position, "sự kiện khác với mắt xích đã ghi (bị sửa)", _name(stored))
        )


def verify(
    recorder: ChainStore, digests: Sequence[Digest] = (), *, seal: int | None = None
) -> Report:
    """Check the chain and every digest; with ``seal`` (a size), also collect what a new
    digest of the first ``seal`` events signs, from the recomputed links."""
    started = time.perf_counter()
    report = Report()
    sizes = {d.size for d in digests} | ({seal} if seal else set())
    wanted_links = (
        {c.leaf_index for d in digests for c in d.checkpoints}
        | {d.size - 1 for d in digests}
        | set(checkpoint_indices(seal or 0))
    )
    links_at: dict[int, bytes] = {}
    positions_at: dict[int, int] = {}
    roots = _Roots(sorted(sizes))
    # ``recomputed`` is the chain as the events alone produce it (what digests are compared
    # with); ``stored_previous`` follows the stored links, so that after one damaged event the
    # next ones are still checked against their own stored links.
    recomputed = stored_previous = GENESIS
    expected_index = 0
    sha = hashlib.sha256  # bound once: the loops run per event
    for rows in _prefetched(recorder.stream_chained_rows(BATCH)):
        # chain.leaf_hash(position, chain.event_digest(chain.canonical(...))), inlined
        leaves = [
            sha(
                b"\x00"
                + row[0].to_bytes(8, "big")
                + sha(canonical(row[1], row[2], row[3], row[4], row[5:13])).digest()
            ).digest()
            for row in rows
        ]
        for row, leaf in zip(rows, leaves, strict=True):
            position = row[0]
            leaf_index, stored_leaf, stored_link = row[13:16]
            in_step = stored_previous == recomputed  # no damage so far: one hash serves both
            recomputed = sha(recomputed + leaf).digest()  # chain.link
            if leaf_index != expected_index or stored_leaf != leaf:
                _damage(report, row, leaf, expected_index)
                if leaf_index is not None:
                    expected_index = leaf_index
            elif stored_link != (recomputed if in_step else link(stored_previous, leaf)):
                report.add(
                    Problem(
                        "link_rewritten", position, "mắt xích đã ghi không nối tiếp mắt xích trước"
                    )
                )
            index = report.events
            if index in wanted_links:
                links_at[index] = recomputed
                positions_at[index] = position
            stored_previous = stored_link if stored_link is not None else recomputed
            expected_index += 1
            report.events += 1
        roots.extend(leaves)
        if rows:
            report.last_position = rows[-1][0]
    roots.finish()
    report.head = recomputed
    count, extent = recorder.chain_extent()
    report.links = count
    if count != report.events or extent != report.events:
        report.add(
            Problem(
                "extra_links" if count > report.events else "missing",
                None,
                f"{count} mắt xích (đến số {extent - 1}) cho {report.events} sự kiện",
            )
        )
    for digest in digests:
        _check_digest(report, digest, links_at, positions_at, roots.found)
    if seal is not None:
        report.sealed = _sealed(seal, links_at, positions_at, roots.found)
    report.seconds = time.perf_counter() - started
    return report


def _check_digest(
    report: Report,
    digest: Digest,
    links_at: dict[int, bytes],
    positions_at: dict[int, int],
    roots: dict[int, bytes],
) -> None:
    report.digests_checked += 1
    if digest.size > report.events:
        report.add(
            Problem(
                "cut",
                digest.position,
                f"bản tóm lược lúc {digest.issued_at} có {digest.size} sự kiện đến vị trí "
                f"{digest.position}; sổ cái chỉ còn {report.events} (bị cắt đuôi)",
            )
        )
        return
    if digest.size == 0:
        return
    head_ok = links_at.get(digest.size - 1) == bytes.fromhex(digest.head)
    root_ok = roots.get(digest.size) == bytes.fromhex(digest.root)
    position_ok = positions_at.get(digest.size - 1) == digest.position
    if head_ok and root_ok and position_ok:
        return
    span = first_mismatch(digest.checkpoints, links_at)
    if span is None:
        where, first = f"đến vị trí {digest.position}", digest.position
    else:
        before, bad = span
        after = f"sau vị trí {before.position}" if before else "từ đầu"
        where, first = f"{after} đến hết vị trí {bad.position}", bad.position
    report.add(
        Problem(
            "digest_mismatch",
            first,
            f"lịch sử {where} khác với bản tóm lược lúc {digest.issued_at} "
            f"({digest.size} sự kiện): có sự kiện bị sửa, xoá hay chèn và mắt xích bị tính lại",
        )
    )


def _sealed(
    size: int, links_at: dict[int, bytes], positions_at: dict[int, int], roots: dict[int, bytes]
) -> Digest:
    if size == 0:
        return Digest(0, 0, GENESIS.hex(), merkle_root(()).hex(), now_text())
    return Digest(
        size=size,
        position=positions_at[size - 1],
        head=links_at[size - 1].hex(),
        root=roots[size].hex(),
        issued_at=now_text(),
        checkpoints=tuple(
            Checkpoint(i, positions_at[i], links_at[i].hex()) for i in checkpoint_indices(size)
        ),
    )
