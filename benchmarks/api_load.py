"""The HTTP API under a mixed load, beside the same reads straight from the projection tables
and the domain's own command rate, in one run on PostgreSQL.

    python benchmarks/api_load.py [--seconds 60] [--clients 8] [--history 8000]
                                  [--postgres-url URL]

In a fresh schema (created here, dropped at the end) it loads the Cát Hải 2023 plan with a
year of realistic activity and more plan-years of other districts (``benchmarks/ledger_mix.py``)
up to ``--history`` events, brings the obligations process and the live view up to date (else
the first write leaves the first reads to record the obligations of the whole history, seconds
once, not a read's cost) and makes the month-end checkpoints; then it starts the real service
(uvicorn, in a subprocess, on loopback) and:

1. mixed load: ``--clients`` threads, each with its own keep-alive httpx client, for 40 % of
   ``--seconds``: 90 % reads (task board now and as of 30/06/2023, targets, area scores,
   a task, a target) and 10 % commands (task progress: a fresh GET for the ETag, then a POST
   with If-Match and an Idempotency-Key). Requests/s, p50 and p99 per class;
2. in turns with 1 (two rounds each): the same reads straight from the projection tables
   (``parledger_view_docs`` for the present, the month-end checkpoint row for the as-of read),
   with psycopg, the same number of threads and the same mix, no HTTP: p50 and p99 per class;
3. commands alone through the API: one client at a time (as the domain figure is measured), and
   ``--clients`` clients each on tasks of its own, keeping the ETag each response returns;
4. in turns with the one-client rounds, the domain-level command rate, by
   ``benchmarks/ledger_core.py``'s own ``parledger`` (a schema of its own each round).

Goals: projection-read p99 / direct-table-read p99 <= 3x (issue 18); API command rate /
domain command rate >= 0.3. The service runs with its per-token rate limit raised out of the
way (the limit is tested in ``tests/api``; here the service itself is measured).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ledger_core import parledger as domain_commands
from benchmarks.ledger_mix import Mix
from domain import ids
from domain.values import Actor, Role, Source
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.obligations import ObligationsProcess
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from persistence.viewstore import CHECKPOINTS_TABLE, DOCS_TABLE
from planfile.bundled import bundled_plan
from projections import live
from replay.engine import make_checkpoints

PLAN = "cat-hai-2023"
AS_OF = "2023-06-30"
OPERATOR = Actor(id="os:bench", name="bench", role=Role.ADMIN)
# (class, weight out of 100); "command" is a GET for the ETag plus the POST
MIX: list[tuple[str, int]] = [
    ("board", 25),
    ("board as_of", 10),
    ("targets", 15),
    ("scores", 15),
    ("task", 15),
    ("target", 10),
    ("command", 10),
]
READS = [name for name, _ in MIX if name != "command"]
ROUNDS = 2


@dataclass
class Tally:
    """Latencies per class and statuses, from many threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, status: int | str = 200) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            self.statuses[f"{name} {status}"] += 1

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def merge(self, other: Tally) -> None:
        for name, values in other.latencies.items():
            self.latencies[name] += values
        self.statuses.update(other.statuses)

    def pooled(self, names: list[str]) -> list[float]:
        return [s for n in names for s in self.latencies.get(n, [])]


def quantiles(values: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    if len(values) < 2:
        return (values[0] * 1000, values[0] * 1000) if values else (float("nan"),) * 2
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[98] * 1000


def run_for(seconds: float, workers: int, work: Callable[[int, Callable[[], bool]], None]) -> float:
    """Run ``work(worker, running)`` on ``workers`` threads for ``seconds``; the elapsed time."""
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=work, args=(n, lambda: time.perf_counter() < deadline))
        for n in range(workers)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


# -- the ledger ---------------------------------------------------------------------------------


def prepare(url: str, history: int) -> tuple[dict[str, str], list[str]]:
    """Load the plans, bring the live view and checkpoints up to date, add the users; their
    tokens, and the task numbers commands can write to."""
    app = ParLedger(parse_database_url(url))
    try:
        started = time.perf_counter()
        Mix(app).grow_to(history)
        events = int(app.recorder.max_notification_id() or 0)
        ObligationsProcess(app).run()
        live.catch_up(app)
        checkpoints = make_checkpoints(app, PLAN)
        ctx = CommandContext(actor=OPERATOR, source=Source.CLI)
        tokens = {}
        for name, role in (("thu-ky", "secretariat"), ("doc-gia", "reader")):
            _, tokens[name] = app.add_user(
                ctx, name=name, display_name=name, role=role, agency=None
            )
        print(
            f"ledger: {events:,} events ({PLAN} and other plan-years), live view caught up, "
            f"{checkpoints} checkpoints, in {time.perf_counter() - started:.0f} s"
        )
    finally:
        app.close()
    tasks = [t.number for t in bundled_plan(PLAN).tasks if t.lead]
    return tokens, tasks


def serve(url: str, port: int) -> None:
    """The service as ``parledger serve`` runs it, with the rate limit out of the way."""
    import uvicorn

    from service.app import create_app

    app = create_app(ParLedger(parse_database_url(url)), rate=1e9, burst=1e9)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, "--port", str(port)],
        cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode}")
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("the service did not start")


# -- load through HTTP --------------------------------------------------------------------------


def read_path(name: str, rng: random.Random, tasks: list[str]) -> str:
    plan = f"/plans/{PLAN}"
    return {
        "board": f"{plan}/tasks?limit=200",
        "board as_of": f"{plan}/tasks?limit=200&as_of={AS_OF}",
        "targets": f"{plan}/targets?limit=200",
        "scores": f"{plan}/scores",
        "task": f"{plan}/tasks/{rng.choice(tasks)}",
        "target": f"{plan}/targets/{rng.randint(1, 11)}",
    }[name]


def progress(client: httpx.Client, number: str, etag: str, n: int) -> httpx.Response:
    return client.post(
        f"/plans/{PLAN}/tasks/{number}/progress",
        headers={"If-Match": etag, "Idempotency-Key": f"bench-{uuid4().hex}"},
        json={"percent": n % 101, "note": f"Tiến độ lần {n}: đã rà soát hồ sơ"},
    )


def mixed(
    base: str, tokens: dict[str, str], tasks: list[str], seconds: float, clients: int
) -> tuple[Tally, float]:
    tally = Tally()
    choices = [name for name, _ in MIX]
    weights = [w for _, w in MIX]

    def work(worker: int, running: Callable[[], bool]) -> None:
        rng = random.Random(worker)
        writer = {"Authorization": f"Bearer {tokens['thu-ky']}"}
        reader = {"Authorization": f"Bearer {tokens['doc-gia']}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            n = 0
            while running():
                name = rng.choices(choices, weights)[0]
                n += 1
                if name == "command":
                    number = rng.choice(tasks)
                    client.headers.update(writer)
                    t = time.perf_counter()
                    got = client.get(f"/plans/{PLAN}/tasks/{number}")
                    tally.add("task", time.perf_counter() - t, got.status_code)
                    t = time.perf_counter()
                    sent = progress(client, number, got.headers["etag"], n)
                    tally.add("command", time.perf_counter() - t, sent.status_code)
                else:
                    client.headers.update(reader)
                    t = time.perf_counter()
                    got = client.get(read_path(name, rng, tasks))
                    tally.add(name, time.perf_counter() - t, got.status_code)

    return tally, run_for(seconds, clients, work)


def commands_only(
    base: str, token: str, tasks: list[str], seconds: float, clients: int
) -> tuple[int, float, Counter[str]]:
    """Commands alone: each client writes to tasks of its own, keeping the ETag it is given."""
    done: list[int] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def work(worker: int, running: Callable[[], bool]) -> None:
        mine = tasks[worker :: min(clients, len(tasks))]
        with httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            etags = {n: client.get(f"/plans/{PLAN}/tasks/{n}").headers["etag"] for n in mine}
            count, seen = 0, Counter[str]()
            while running():
                number = mine[count % len(mine)]
                sent = progress(client, number, etags[number], count)
                seen[str(sent.status_code)] += 1
                if sent.status_code == 200:
                    etags[number] = sent.headers["etag"]
                    count += 1
        with lock:
            done.append(count)
            statuses.update(seen)

    elapsed = run_for(seconds, min(clients, len(tasks)), work)
    return sum(done), elapsed, statuses


# -- the same reads straight from the tables ----------------------------------------------------


def direct(url: str, schema: str, tasks: list[str], seconds: float, clients: int) -> Tally:
    tally = Tally()
    names = {"schema": Identifier(schema), "docs": Identifier(DOCS_TABLE)}
    by_plan = SQL("SELECT key, doc FROM {schema}.{docs} WHERE plan = %s AND kind = %s").format(
        **names
    )
    one = SQL("SELECT doc FROM {schema}.{docs} WHERE kind = %s AND key = %s").format(**names)
    checkpoint = SQL(
        "SELECT state FROM {schema}.{checkpoints} WHERE plan = %s AND valid_to <= %s "
        "ORDER BY valid_to DESC, position DESC LIMIT 1"
    ).format(schema=Identifier(schema), checkpoints=Identifier(CHECKPOINTS_TABLE))
    reads = list(READS)
    weights = [w for name, w in MIX if name != "command"]

    def query(conn: psycopg.Connection[Any], name: str, rng: random.Random) -> object:
        if name == "board":
            return conn.execute(by_plan, (PLAN, "tasks"), prepare=True).fetchall()
        if name == "targets":
            return conn.execute(by_plan, (PLAN, "targets"), prepare=True).fetchall()
        if name == "scores":
            return conn.execute(one, ("plans", ids.plan_id(PLAN).hex), prepare=True).fetchone()
        if name == "task":
            key = ids.task_id(PLAN, rng.choice(tasks)).hex
            return conn.execute(one, ("tasks", key), prepare=True).fetchone()
        if name == "target":
            key = ids.target_id(PLAN, rng.randint(1, 11)).hex
            return conn.execute(one, ("targets", key), prepare=True).fetchone()
        row = conn.execute(checkpoint, (PLAN, AS_OF), prepare=True).fetchone()
        return json.loads(row[0]) if row else None

    def work(worker: int, running: Callable[[], bool]) -> None:
        rng = random.Random(worker)
        with psycopg.connect(url, autocommit=True) as conn:
            while running():
                name = rng.choices(reads, weights)[0]
                t = time.perf_counter()
                found = query(conn, name, rng)
                tally.add(name, time.perf_counter() - t, 200 if found else "empty")

    run_for(seconds, clients, work)
    return tally


# -- the run ------------------------------------------------------------------------------------


def report_classes(title: str, tally: Tally, names: list[str], elapsed: float | None) -> None:
    print(f"\n{title}")
    for name in names:
        values = tally.latencies.get(name, [])
        if not values:
            continue
        p50, p99 = quantiles(values)
        rate = f"{len(values) / elapsed:>8,.0f}/s" if elapsed else f"{len(values):>8,} reqs"
        print(f"  {name:<14} {rate}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="whole run, roughly")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--history", type=int, default=8000, help="events in the ledger")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "PARLEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    budget = args.seconds
    schemas = [f"bench_api_{uuid4().hex[:8]}"]
    schemas += [f"bench_dom_{uuid4().hex[:8]}" for _ in range(ROUNDS)]
    with psycopg.connect(args.postgres_url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    for schema in schemas:
        migrate(parse_database_url(f"{args.postgres_url}?schema={schema}"))
    url = f"{args.postgres_url}?schema={schemas[0]}"
    print(f"ParLedger API load benchmark — PostgreSQL, {args.clients} clients, ~{budget:.0f} s")
    try:
        tokens, tasks = prepare(url, args.history)
        process, base = start_server(url)
        try:
            # Through HTTP and straight from the tables in turns, so that whatever else the
            # machine is doing weighs on both alike.
            tally, table, elapsed = Tally(), Tally(), 0.0
            for _ in range(ROUNDS):
                part, took = mixed(base, tokens, tasks, budget * 0.4 / ROUNDS, args.clients)
                tally.merge(part)
                elapsed += took
                table.merge(direct(args.postgres_url, schemas[0], tasks, budget * 0.15 / ROUNDS,
                                   args.clients))  # fmt: skip
            writer = tokens["thu-ky"]
            # One client through HTTP and the domain's own loop, in turns likewise.
            one_done, one_elapsed, one_statuses = 0, 0.0, Counter[str]()
            n, domain_seconds = max(100, int(budget * 5)), 0.0
            for round_ in range(ROUNDS):
                done, took, seen = commands_only(base, writer, tasks, budget * 0.1 / ROUNDS, 1)
                one_done, one_elapsed = one_done + done, one_elapsed + took
                one_statuses.update(seen)
                url_ = f"{args.postgres_url}?schema={schemas[1 + round_]}"
                domain_seconds += n / domain_commands(n, url_)[0]
            domain_rate = n * ROUNDS / domain_seconds
            many_done, many_elapsed, many_statuses = commands_only(
                base, writer, tasks, budget * 0.1, args.clients
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    total = tally.count()
    print(f"\n1. Mixed load through HTTP: {total:,} requests in {elapsed:.1f} s = "
          f"{total / elapsed:,.0f} requests/s")  # fmt: skip
    report_classes("   per class (requests/s, latency)", tally, [*READS, "command"], elapsed)
    odd = {k: v for k, v in tally.statuses.items() if not k.endswith(" 200")}
    print(f"   statuses other than 200: {dict(odd) or 'none'}")
    report_classes(
        "2. The same reads straight from the projection tables (psycopg, no HTTP)",
        table,
        READS,
        None,
    )
    api_reads = tally.pooled(READS)
    table_reads = table.pooled(READS)
    api_p50, api_p99 = quantiles(api_reads)
    table_p50, table_p99 = quantiles(table_reads)
    print(f"  {'all reads':<14} API p50 {api_p50:.2f} ms p99 {api_p99:.2f} ms | "
          f"tables p50 {table_p50:.2f} ms p99 {table_p99:.2f} ms")  # fmt: skip
    one_rate, many_rate = one_done / one_elapsed, many_done / many_elapsed
    print("\n3. Commands through HTTP (task progress, If-Match, Idempotency-Key)")
    print(f"  one client:  {one_rate:8,.0f} commands/s  {dict(one_statuses)}")
    print(f"  {args.clients} clients: {many_rate:8,.0f} commands/s  {dict(many_statuses)}")
    print(f"\n4. Domain commands (benchmarks/ledger_core.py, {ROUNDS} x {n} in a row): "
          f"{domain_rate:,.0f}/s")  # fmt: skip
    read_ratio = api_p99 / table_p99
    command_ratio = one_rate / domain_rate
    print("\nGoals")
    print(f"  projection-read p99 / direct-table-read p99 = {read_ratio:.2f}x (goal <= 3x) — "
          f"{'met' if read_ratio <= 3 else 'NOT met'}")  # fmt: skip
    print(f"  API command rate / domain command rate = {command_ratio:.2f} one client, "
          f"{many_rate / domain_rate:.2f} with {args.clients} (goal >= 0.3) — "
          f"{'met' if command_ratio >= 0.3 else 'NOT met'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
