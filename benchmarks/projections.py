"""Projection rebuild rate beside the raw notification scan, and as-of latency as the ledger
grows, in one run.

    python benchmarks/projections.py [--sizes 10000,100000,1000000] [--backend sqlite|postgres]
                                     [--postgres-url URL] [--queries 15]

The ledger grows through each size with a realistic mix (``benchmarks/ledger_mix.py``: many
districts, plans and years). At each size it measures, on the same database:

- raw scan: the library's ``select_notifications`` paging through the whole log (no decoding);
- rebuild: every view from scratch, as ``parledger projections rebuild`` does it (decode, fold,
  write the documents into the shadow table, promote it), by one process, then by several
  (``projections.rebuild``: one per CPU, at least two), each beside a raw scan made just
  before it (the machine's load moves both alike);
- as-of latency of one query (the task board, attainment, scores, inspections and apologies of
  ``cat-hai-2023`` as of 30/06/2023, as known now): through the month-end checkpoints made at
  that size, and through the plan-scoped index alone (no checkpoint).

Goals: rebuild at least 0.5 of the raw scan rate at 1M events with peak RSS at most 300 MB
(issue 18); as-of latency growing by less than 1.5x from 100k to 1M events (issue 3).
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ledger_mix import Mix
from benchmarks.stores import growth_arguments, scratch_store
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from projections.rebuild import workers_for
from replay import replay
from replay.engine import make_checkpoints

PLAN = "cat-hai-2023"
PAGE = 2_000  # as projections.live reads
AS_OF = date(2023, 6, 30)


def raw_scan(app: ParLedger) -> tuple[int, float]:
    started = time.perf_counter()
    position, count = 0, 0
    while True:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE)
        if not page:
            break
        count += len(page)
        position = page[-1].id
    return count, count / (time.perf_counter() - started)


# What ``parledger projections rebuild`` runs, in a process of its own: its memory is then the
# rebuild's, not what growing the ledger left in this one.
_REBUILD = """
import json, sys, time
from persistence.settings import parse_database_url
from ledger.application import ParLedger
from projections.rebuild import rebuild
from projections.partworker import peak_rss_mib
app = ParLedger(parse_database_url(sys.argv[1]))
started = time.perf_counter()
progress = rebuild(app, workers=int(sys.argv[2]))
elapsed = time.perf_counter() - started
print(json.dumps([progress.done, elapsed, peak_rss_mib(), list(progress.worker_rss_mib)]))
"""


def rebuild(url: str, workers: int) -> tuple[int, float, float]:
    """Events folded by the real rebuild (shadow table, promotion) with ``workers`` processes,
    their rate, and the peak RSS in MiB of the rebuilding process plus each worker's, added up
    as if all peaked at once (a process that only rebuilds, as the command line's)."""
    root = str(Path(__file__).resolve().parents[1])
    found = subprocess.run(
        [sys.executable, "-c", _REBUILD, url, str(workers)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    done, elapsed, own, parts = json.loads(found.stdout.splitlines()[-1])
    return done, done / elapsed, own + sum(parts)


def latency(app: ParLedger, queries: int, use_checkpoints: bool) -> tuple[float, float, int]:
    times, read = [], 0
    for _ in range(queries):
        started = time.perf_counter()
        answer = replay(app, PLAN, AS_OF, use_checkpoints=use_checkpoints)
        times.append(time.perf_counter() - started)
        read = answer["replay"]["events_read"]
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000, read


def run(url: str, sizes: list[int], queries: int) -> list[dict[str, float]]:
    app = ParLedger(parse_database_url(url))
    mix = Mix(app)
    rows = []
    try:
        for size in sizes:
            started = time.perf_counter()
            mix.grow_to(size)
            grown = time.perf_counter() - started
            _, one_scan = raw_scan(app)
            _, one_rate, one_rss = rebuild(url, 1)
            total, scan_rate = raw_scan(app)
            workers = max(2, workers_for(app, total))
            _, rebuild_rate, rebuild_rss = rebuild(url, workers)
            checkpoints = make_checkpoints(app, PLAN)
            cp_p50, cp_p95, cp_read = latency(app, queries, use_checkpoints=True)
            ix_p50, ix_p95, ix_read = latency(app, queries, use_checkpoints=False)
            rows.append(
                {
                    "events": total,
                    "plans": mix.made,
                    "generate_s": grown,
                    "scan": scan_rate,
                    "one": one_rate,
                    "one_ratio": one_rate / one_scan,
                    "one_rss": one_rss,
                    "workers": workers,
                    "rebuild": rebuild_rate,
                    "ratio": rebuild_rate / scan_rate,
                    "rebuild_rss": rebuild_rss,
                    "checkpoints": checkpoints,
                    "cp_p50": cp_p50,
                    "cp_p95": cp_p95,
                    "cp_read": cp_read,
                    "ix_p50": ix_p50,
                    "ix_p95": ix_p95,
                    "ix_read": ix_read,
                }
            )
            _print_row(rows[-1])
    finally:
        app.close()
    return rows


def _print_row(r: dict[str, float]) -> None:
    print(
        f"{r['events']:>9,.0f} events ({r['plans']:.0f} plan-years, "
        f"made in {r['generate_s']:.0f} s)"
        f" | raw scan {r['scan']:>9,.0f}/s | rebuild, one process {r['one']:>7,.0f}/s"
        f" = {r['one_ratio']:.2f}x, peak RSS {r['one_rss']:,.0f} MiB"
        f" | {r['workers']:.0f} processes {r['rebuild']:>7,.0f}/s = {r['ratio']:.2f}x"
        f" (goal >= 0.50), peak RSS {r['rebuild_rss']:,.0f} MiB (goal <= 300)"
        f" | as-of with checkpoint p50 {r['cp_p50']:.1f} ms p95 {r['cp_p95']:.1f} ms"
        f" ({r['cp_read']:.0f} read)"
        f" | index only p50 {r['ix_p50']:.1f} ms ({r['ix_read']:.0f} read)",
        flush=True,
    )


def main() -> int:
    args, sizes = growth_arguments(__doc__, "10000,100000,1000000", 15)
    print(f"ParLedger projections benchmark — {args.backend}, sizes {sizes}")
    with scratch_store(args.backend, args.postgres_url) as url:
        rows = run(url, sizes, args.queries)
    print("\nSummary")
    for r in rows:
        _print_row(r)
    for low, high in itertools.pairwise(rows):
        growth = high["cp_p50"] / low["cp_p50"]
        print(
            f"as-of latency growth {low['events']:,.0f} -> {high['events']:,.0f} events: "
            f"{growth:.2f}x with checkpoints (goal < 1.5x from 100k to 1M), "
            f"{high['ix_p50'] / low['ix_p50']:.2f}x index only"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if peak <= 300 else "NOT met"
    print(f"peak memory {peak:,.0f} MiB (goal <= 300 MB, generation included) — {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
