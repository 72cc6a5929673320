"""Tamper evidence: what the hash chain costs on the write path, and how fast ``verify`` runs
beside a raw scan of the same database.

    python benchmarks/integrity.py [--events N] [--writes N] [--rounds N] [--postgres-url URL]

For each backend, in one run:
  * writes: ParLedger commands (the ledger core benchmark's own loop) with the chain, and the
    same with a recorder that skips the chain (no digests computed, no links written), both in
    fresh stores open side by side, their commands alternating in chunks of 50 (which goes
    first flips every chunk), over several rounds; the cost is the median of the chunks'
    paired ratios (a shared machine's load drifts within a run by more than the chain costs,
    so whole runs back to back were not comparable); goal (issue 18): the chain costs no more
    than 5 % of the command rate;
  * reads: a ledger grown to N events (the projections benchmark's realistic mix), its raw
    scan (the library's ``select_notifications`` in pages, decoding nothing) and a full
    ``verify`` (every leaf and link recomputed, the Merkle root of a digest); goal (issue 18):
    verify at least 0.8 x the raw scan rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from benchmarks.ledger_core import parledger_op
from benchmarks.ledger_mix import Mix
from integrity.digests import Digest
from integrity.operations import make_digest
from integrity.verify import verify
from ledger.application import ParLedger
from persistence.migrations import EVENTS_TABLES, migrate, open_datastore
from persistence.postgres import LedgerPostgresRecorder
from persistence.records import IndexRow
from persistence.settings import parse_database_url
from persistence.sqlite import LedgerSQLiteRecorder

PAGE = 5000


class UnchainedSQLiteRecorder(LedgerSQLiteRecorder):
    """The baseline: everything ParLedger writes except the links."""

    def _link(self, *args: Any) -> None:
        return None


class UnchainedPostgresRecorder(LedgerPostgresRecorder):
    """The baseline: the same server function without its chain block, no digests sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statements = []
        for statement in self.sql_create_statements:
            text = statement.as_string(None)
            if "parledger_append" in text and "leaves[i]" in text:
                start = text.index("  SELECT c.leaf_index")
                end = text.index("  RETURN QUERY")
                statement = type(statement)([psycopg.sql.SQL(text[:start] + text[end:])])
            statements.append(statement)
        self.sql_create_statements = statements

    def _digests(
        self, stored_events: Sequence[StoredEvent], rows: Sequence[IndexRow]
    ) -> list[bytes] | None:
        return None


def unchain(url: str) -> None:
    """Migrations made the append function with its chain block (services run no DDL):
    replace it in the baseline's schema with the one that writes no links."""
    datastore, close = open_datastore(parse_database_url(url))
    try:
        recorder = UnchainedPostgresRecorder(datastore, events_table_name=EVENTS_TABLES["postgres"])
        with datastore.transaction(commit=True) as curs:
            for statement in recorder.sql_create_statements:
                text = statement.as_string(None)
                if "CREATE OR REPLACE FUNCTION" in text and "parledger_append" in text:
                    curs.execute(statement)
    finally:
        close()


def raw_scan(app: ParLedger) -> tuple[int, float]:
    started, count, after = time.perf_counter(), 0, 0
    while True:
        page = app.recorder.select_notifications(start=after + 1, limit=PAGE)
        count += len(page)
        if len(page) < PAGE:
            return count, time.perf_counter() - started
        after = page[-1].id


Paired = list[tuple[float, float, float, float]]  # (rate, CPU s) chained, then unchained


def writes(
    n: int, fresh_url: Callable[[bool], str], unchained_topic: str, rounds: int, chunk: int = 50
) -> Paired:
    """Command rates and this process's CPU seconds per command (chained, unchained), per
    pair of chunks. Each round opens a chained and an unchained ledger side by side, each in a
    fresh store, and alternates their commands in chunks of ``chunk`` (which goes first flips
    every chunk), so that a change of the machine's load, which on a shared machine moves a
    whole run by more than the chain costs, touches both sides of a pair alike."""
    paired = []
    for _ in range(rounds):
        unchained_env = {"APPLICATION_RECORDER_TOPIC": unchained_topic}
        with (
            parledger_op(fresh_url(True)) as chained,
            parledger_op(fresh_url(False), unchained_env) as unchained,
        ):
            ops = {True: chained, False: unchained}
            for k in range(max(1, n // chunk)):
                found: dict[bool, tuple[float, float]] = {}
                for which in (True, False) if k % 2 == 0 else (False, True):
                    started, cpu = time.perf_counter(), time.process_time()
                    for i in range(k * chunk, (k + 1) * chunk):
                        ops[which](i)
                    seconds = time.perf_counter() - started
                    found[which] = (chunk / seconds, (time.process_time() - cpu) / chunk)
                paired.append((*found[True], *found[False]))
    return paired


def reads(app: ParLedger, events: int) -> None:
    started = time.perf_counter()
    Mix(app).grow_to(events)
    size = int(app.recorder.max_notification_id() or 0)
    print(f"  ledger grown to {size:,} events in {time.perf_counter() - started:.0f} s")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    digest: Digest
    digest, _ = make_digest(app.ledger_recorder, Ed25519PrivateKey.generate())
    scans, checks = [], []
    for _ in range(3):
        count, seconds = raw_scan(app)
        scans.append(count / seconds)
        report = verify(app.ledger_recorder, [digest])
        assert report.ok, report.problems
        checks.append(report.rate)
    scan, check = statistics.median(scans), statistics.median(checks)
    print(f"  raw scan (select_notifications)          {scan:>12,.0f} events/s")
    print(f"  verify with a digest (leaf, link, root)  {check:>12,.0f} events/s")
    verdict = "met" if check / scan >= 0.8 else "NOT met"
    print(f"  goal verify >= 0.8 x raw scan (issue 18): {check / scan:.2f}x — {verdict}")


def overhead(paired: Paired, where: str) -> None:
    chained = statistics.median(p[0] for p in paired)
    unchained = statistics.median(p[2] for p in paired)
    print(f"  commands without the chain               {unchained:>12,.0f} commands/s (median)")
    print(f"  commands with the chain                  {chained:>12,.0f} commands/s (median)")
    costs = sorted(1 - p[0] / p[2] for p in paired)
    cost = statistics.median(costs)
    verdict = "met" if cost <= 0.05 else "NOT met"
    low, _, high = statistics.quantiles(costs, n=4)
    print(
        f"  goal chain costs <= 5 % of the command rate (issue 18): {cost * 100:.1f} % "
        f"(median of {len(costs)} paired chunks, quartiles {low * 100:.1f} .. "
        f"{high * 100:.1f} %) — {verdict}"
    )
    with_cpu = statistics.median(p[1] for p in paired) * 1e3
    without_cpu = statistics.median(p[3] for p in paired) * 1e3
    # As for the rates: the median of each round's own ratio, which a drifting load touches
    # less than the ratio of the two medians.
    share = statistics.median(p[1] / p[3] - 1 for p in paired) * 100
    print(
        f"  CPU of this process per command ({where}): {with_cpu:.2f} ms with the chain, "
        f"{without_cpu:.2f} ms without (medians); paired chunks: {share:+.1f} %"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--events", type=int, default=50_000, help="ledger size for verify (0: writes only)"
    )
    parser.add_argument("--writes", type=int, default=500, help="commands per write round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of paired chunks")
    parser.add_argument("--chunk", type=int, default=50, help="commands per chunk")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PARLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )  # fmt: skip
    args = parser.parse_args()
    here = "benchmarks.integrity"
    print(f"ParLedger tamper-evidence benchmark: {args.writes} commands x {args.rounds} rounds; "
          f"verify over {args.events:,} events\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (file, WAL)")
        overhead(
            writes(
                args.writes,
                lambda _: f"sqlite:///{tmp}/w{uuid4().hex[:8]}.sqlite3",
                f"{here}:UnchainedSQLiteRecorder",
                args.rounds,
                args.chunk,
            ),
            "digest, leaf and link all computed here",
        )
        app = ParLedger(parse_database_url(f"sqlite:///{tmp}/reads.sqlite3"))
        try:
            if args.events:
                reads(app, args.events)
        finally:
            app.close()
    try:
        with psycopg.connect(args.postgres_url, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL: skipped, server unreachable ({error})")
        return 0
    schemas: list[str] = []

    def schema_url(tag: str) -> str:
        schema = f"bench_{uuid4().hex[:10]}"
        schemas.append(schema)
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        migrate(parse_database_url(f"{args.postgres_url}?schema={schema}"))
        return f"{args.postgres_url}?schema={schema}"

    print("\nPostgreSQL (loopback)")
    try:

        def fresh_schema(chained: bool) -> str:
            url = schema_url("c" if chained else "u")
            if not chained:
                unchain(url)
            return url

        overhead(
            writes(
                args.writes,
                fresh_schema,
                f"{here}:UnchainedPostgresRecorder",
                args.rounds,
                args.chunk,
            ),
            "the digests; leaf and link are the server's",
        )
        app = ParLedger(parse_database_url(schema_url("r")))
        try:
            if args.events:
                reads(app, args.events)
        finally:
            app.close()
    finally:
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
