"""The obligations process beside the raw notification scan, in one run.

    python benchmarks/obligations.py [--events 20000] [--backend sqlite|postgres]
                                     [--postgres-url URL]

The ledger grows to ``--events`` with the realistic mix (``benchmarks/ledger_mix.py``: plans,
progress, measurements, late dossiers with apologies, inspections with findings). Then, on the
same database:

- raw scan: ``select_notifications`` paging through the whole log (no decoding): the baseline;
- first run: the obligations process over the whole log (decode what it reacts to, raise and
  meet, record each page with its tracking position);
- idle run: the process with nothing new (what an embedded read pays for it), median of 50;
- sweep: every open obligation whose due moment passed, recorded missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ledger_mix import Mix
from benchmarks.projections import raw_scan
from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from persistence.migrations import migrate
from persistence.settings import Database, parse_database_url


def _url(backend: str, postgres_url: str, tmp: str) -> tuple[str, str | None]:
    """The store's URL, and the PostgreSQL schema made for it (dropped afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None
    schema = f"bench_obl_{uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{postgres_url}?schema={schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = _url(args.backend, args.postgres_url, tmp)
        try:
            measure(parse_database_url(url), args.backend, args.events)
        finally:
            if schema is not None:
                with psycopg.connect(args.postgres_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def measure(database: Database, backend: str, events: int) -> None:
    migrate(database)
    app = ParLedger(database)
    try:
        Mix(app).grow_to(events)
        count, scan_rate = raw_scan(app)
        process = ObligationsProcess(app)
        started = time.perf_counter()
        recorded = process.run()
        first = time.perf_counter() - started
        idle = []
        for _ in range(50):
            started = time.perf_counter()
            process.run()
            idle.append(time.perf_counter() - started)
        started = time.perf_counter()
        missed = process.sweep()
        sweep = time.perf_counter() - started
    finally:
        app.close()
    print(f"{backend}: {count} events in the log, {recorded} obligation events recorded")
    print(f"  raw scan (baseline)      {scan_rate:>10,.0f} events/s")
    print(
        f"  obligations, first run   {count / first:>10,.0f} events/s "
        f"({first:.2f} s; {count / first / scan_rate:.2f} of the raw scan)"
    )
    print(f"  obligations, nothing new {statistics.median(idle) * 1000:>10.2f} ms (median of 50)")
    print(f"  sweep                    {sweep:>10.2f} s for {len(missed)} misses recorded")


if __name__ == "__main__":
    main()
