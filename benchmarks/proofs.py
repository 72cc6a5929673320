"""Proof generation at scale: inclusion and consistency proofs from the stored subtree roots
(``integrity.subtrees``, O(log n) rows) beside today's proof from every leaf (O(n)), in one
run, on the same store.

    python benchmarks/proofs.py [--leaves N] [--samples N] [--postgres-url URL]

The chain table is filled directly with N synthetic leaves (SHA-256 of the index) and links:
proof generation reads only the chain and subtree tables, so N real commands (hours at 1M on
this machine) would measure the write path, not the proofs. Printed per backend: the one-time
build of the subtree table, the incremental sync after one more leaf, then p50 and p99 of an
inclusion and a consistency proof at random indices and sizes, each beside the O(n) proof
(fewer samples: each one reads every leaf). Target (issue 16): under 5 ms at 1M.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stores import POSTGRES_URL, postgres_reachable, postgres_schemas
from integrity.merkle import consistency_path, inclusion_path, node, root
from integrity.proofs import TreeHead, inclusion, prove_consistency
from integrity.subtrees import sync
from ledger.application import ParLedger
from persistence.settings import parse_database_url

GENESIS = bytes(32)


def synthetic(n: int) -> tuple[list[tuple[int, int, bytes, bytes]], list[bytes]]:
    rows, leaves, previous = [], [], GENESIS
    for i in range(n):
        leaf = hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest()
        previous = hashlib.sha256(previous + leaf).digest()
        rows.append((i, i + 1, leaf, previous))
        leaves.append(leaf)
    return rows, leaves


def fill_sqlite(app: ParLedger, rows: list[tuple[int, int, bytes, bytes]]) -> None:
    with app.ledger_recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.executemany("INSERT INTO parledger_chain VALUES (?, ?, ?, ?)", rows)


def fill_postgres(url: str, schema: str, rows: list[tuple[int, int, bytes, bytes]]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as curs:
        with curs.copy(f'COPY "{schema}".parledger_chain FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()


def prefix_roots(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The roots of the given prefixes in one pass: a stack of perfect subtrees."""
    found: dict[int, bytes] = {}
    stack: list[tuple[int, bytes]] = []
    for count, leaf in enumerate(leaves, start=1):
        size, digest = 1, leaf
        while stack and stack[-1][0] == size:
            below, left = stack.pop()
            size, digest = size + below, node(left, digest)
        stack.append((size, digest))
        if count in sizes:
            digest = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                digest = node(left, digest)
            found[count] = digest
    return found


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(count: int, op: Callable[[], Any]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        op()
        samples.append(time.perf_counter() - started)
    return samples


def run(label: str, app: ParLedger, leaves: list[bytes], samples: int, baseline: int) -> None:
    store = app.ledger_recorder
    n = len(leaves)
    full_root = root(leaves)
    started = time.perf_counter()
    written = sync(store, n)  # type: ignore[arg-type]
    built = time.perf_counter() - started
    print(f"{label}: subtree table built once: {written:,} nodes in {built:.1f} s")
    started = time.perf_counter()
    sync(store, n)  # type: ignore[arg-type]
    print(f"{label}: sync with nothing new: {(time.perf_counter() - started) * 1000:.2f} ms")
    rng = random.Random(16)

    def stored_inclusion() -> None:
        index = rng.randrange(n)
        inclusion(store, index, n, leaves[index], full_root)

    olds = [rng.randrange(1, n) for _ in range(samples)]
    old_roots = prefix_roots(leaves, set(olds))  # outside the timing: the auditor holds these
    order = iter(olds)

    def stored_consistency_timed() -> None:
        old = next(order)
        prove_consistency(
            store, TreeHead(old, old_roots[old], "old"), TreeHead(n, full_root, "new")
        )

    def leaf_inclusion() -> None:
        index = rng.randrange(n)
        read = [leaf for _, leaf in store.select_leaves(n)]
        inclusion_path(index, read)

    def leaf_consistency() -> None:
        read = [leaf for _, leaf in store.select_leaves(n)]
        consistency_path(rng.randrange(1, n), read)

    figures = [
        ("inclusion", timed(samples, stored_inclusion), timed(baseline, leaf_inclusion)),
        (
            "consistency",
            timed(samples, stored_consistency_timed),
            timed(baseline, leaf_consistency),
        ),
    ]
    for kind, fast, slow in figures:
        f50, f99 = percentiles(fast)
        s50, s99 = percentiles(slow)
        print(
            f"{label}: {kind} proof at {n:,} leaves: stored roots p50 {f50:.2f} ms, "
            f"p99 {f99:.2f} ms ({len(fast)} proofs) | every leaf (today) p50 {s50:,.0f} ms, "
            f"p99 {s99:,.0f} ms ({len(slow)} proofs) | {s50 / f50:,.0f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=5, help="O(n) proofs timed")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    print(f"ParLedger proof benchmark: {args.leaves:,} leaves, {args.samples} proofs each")
    rows, leaves = synthetic(args.leaves)
    with tempfile.TemporaryDirectory() as tmp:
        app = ParLedger(parse_database_url(f"sqlite:///{tmp}/proofs.sqlite3"))
        try:
            fill_sqlite(app, rows)
            run("SQLite", app, leaves, args.samples, args.baseline)
        finally:
            app.close()
    if not postgres_reachable(args.postgres_url):
        return 0
    with postgres_schemas(args.postgres_url) as (schema,):
        app = ParLedger(parse_database_url(f"{args.postgres_url}?schema={schema}"))
        try:
            fill_postgres(args.postgres_url, schema, rows)
            run("PostgreSQL", app, leaves, args.samples, args.baseline)
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
