"""Reads across read targets and API processes, beside the direct-table baseline; and the
projection worker's lag under a steady write load. One run, on a PostgreSQL cluster of its own
(initdb, two streaming replicas by pg_basebackup, in a temporary directory, on free ports).

    python benchmarks/scale_reads.py [--seconds 8] [--clients 8] [--write-rate 20]

For each configuration (1 read target: the primary; 2 read targets: two replicas) x (1 and 4
uvicorn worker processes) the real service runs, with ``parledger projections run`` keeping
the view; ``--clients`` threads send the 90/10 mix (90 % GET of the task board, 10 % a new late
dossier) for ``--seconds``; reads/s and read p50/p99 are printed beside the baseline of the
same run: the same number of threads reading the plan's documents straight from
``parledger_view_docs`` on the primary with psycopg (no HTTP, no service). Then, one API process,
a writer at ``--write-rate`` commands/s for ``--seconds`` and the worker's lag (events and
milliseconds behind the head) sampled every 50 ms.

Run as root it starts PostgreSQL as the ``postgres`` OS user (initdb refuses root).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.values import Role
from ledger.application import ParLedger
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from tests.conftest import ctx
from tests.scale.cluster import Cluster, temporary_root
from tests.scale.processes import PARLEDGER, ROOT, free_port, stop, wait_healthy

PLAN = "cat-hai-2023"
# What a present read of the plan loads, straight from the view table.
DIRECT = "SELECT kind, key, doc FROM parledger_view_docs WHERE plan = %s OR plan IS NULL"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def _dossier(number: int) -> dict[str, str]:
    return {
        "dossier_code": f"HS-{os.getpid()}-{number:06d}",
        "procedure": "Chứng thực hợp đồng",
        "agency": "thi-tran-cat-ba",
        "received_on": "2023-05-12",
        "due_on": "2023-05-15",
    }


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.number = 0

    def next(self) -> int:
        with self.lock:
            self.number += 1
            return self.number


def mixed_load(
    base: str, token: str, clients: int, seconds: float, numbers: Counter
) -> tuple[list[float], int]:
    """Read latencies, and how many writes, under the 90/10 mix."""
    reads: list[float] = []
    writes = [0]
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    def client(seed: int) -> None:
        with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
            turn = seed
            while time.monotonic() < stop_at:
                turn += 1
                started = time.perf_counter()
                if turn % 10 == 0:
                    http.post(f"/plans/{PLAN}/dossiers", json=_dossier(numbers.next()))
                    writes[0] += 1
                else:
                    response = http.get(f"/plans/{PLAN}/tasks")
                    if response.status_code == 200:
                        reads.append(time.perf_counter() - started)

    run_threads(client, clients)
    return reads, writes[0]


def run_threads(work: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def direct_reads(url: str, clients: int, seconds: float) -> list[float]:
    found: list[float] = []
    stop_at = time.monotonic() + seconds

    def client(_: int) -> None:
        with psycopg.connect(url) as conn:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                conn.execute(DIRECT, (PLAN,)).fetchall()
                found.append(time.perf_counter() - started)

    run_threads(client, clients)
    return found


@contextmanager
def service(env: dict[str, str], processes: int) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.app:from_env", "--factory",
         "--workers", str(processes), "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_healthy(port, server, 120)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


@contextmanager
def worker(env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        [*PARLEDGER, "projections", "run", "--poll", "0.05"],
        env={**os.environ, **env}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield
    finally:
        stop(process)


def worker_lag(
    primary: str, base: str, token: str, rate: float, seconds: float, numbers: Counter
) -> list[tuple[int, float]]:
    """(events behind, ms since the oldest unapplied event was acknowledged) every 50 ms."""
    acknowledged: dict[int, float] = {}
    done = threading.Event()

    def writer(_: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            while not done.is_set():
                started = time.monotonic()
                response = http.post(
                    f"/plans/{PLAN}/dossiers",
                    json=_dossier(numbers.next()),
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code == 201:
                    acknowledged[int(response.headers["x-ledger-position"])] = time.monotonic()
                time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))

    samples: list[tuple[int, float]] = []
    thread = threading.Thread(target=writer, args=(0,))
    thread.start()
    with psycopg.connect(primary, autocommit=True) as conn:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            head = conn.execute("SELECT COALESCE(MAX(notification_id), 0) FROM parledger_events")
            top = int(head.fetchone()[0])  # type: ignore[index]
            at = conn.execute(
                "SELECT COALESCE(MAX(notification_id), 0) FROM parledger_view_tracking "
                "WHERE application_name = 'ParLedger'"
            ).fetchone()[0]  # type: ignore[index]
            behind = [t for p, t in acknowledged.items() if p > int(at)]
            samples.append(
                (top - int(at), (time.monotonic() - min(behind)) * 1000 if behind else 0)
            )
            time.sleep(0.05)
    done.set()
    thread.join()
    return samples


def prepare(primary: Cluster) -> str:
    assert subprocess.run(
        [*PARLEDGER, "init"], env={**os.environ, "PARLEDGER_DATABASE_URL": primary.url},
        cwd=ROOT, capture_output=True,
    ).returncode == 0  # fmt: skip
    ledger = ParLedger(parse_database_url(primary.url))
    try:
        _, token = ledger.add_user(
            ctx(), name="bench", display_name="Bench", role=Role.ADMIN.value, agency=None
        )
    finally:
        ledger.close()
    return token


def line(label: str, reads: list[float], seconds: float, baseline: list[float]) -> str:
    rate = len(reads) / seconds
    base_rate = len(baseline) / seconds
    p99, base_p99 = _pct(reads, 0.99), _pct(baseline, 0.99)
    return (
        f"{label:<38} {rate:8.0f} reads/s ({rate / base_rate:5.2f}x)  "
        f"p50 {_pct(reads, 0.5):6.1f} ms  p99 {p99:6.1f} ms "
        f"(direct p99 {base_p99:5.1f} ms: {p99 / max(base_p99, 1e-3):5.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--write-rate", type=float, default=20)
    args = parser.parse_args()
    root = temporary_root()
    primary = Cluster.create(root)
    primary.configure("max_connections = 200")
    primary.start()
    replicas: list[Cluster] = []
    numbers = Counter()
    try:
        migrate(parse_database_url(primary.url))
        token = prepare(primary)
        replicas = [primary.replica(root, f"replica{i}") for i in (1, 2)]
        for replica in replicas:
            replica.start()
        env = {
            "PARLEDGER_DATABASE_URL": primary.url,
            "PARLEDGER_PROJECTIONS": "worker",
            "PARLEDGER_RATE": "100000",
            "PARLEDGER_BURST": "100000",
            "POSTGRES_POOL_SIZE": "4",
        }
        print(
            f"ParLedger scale benchmark: {args.clients} clients, 90/10 mix, {args.seconds:g} s each"
        )
        with worker(env):
            baseline = direct_reads(primary.url, args.clients, args.seconds)
            label = "direct table reads (psycopg, no HTTP)"
            print(
                f"{label:<38} {len(baseline) / args.seconds:8.0f} reads/s           "
                f"p50 {_pct(baseline, 0.5):6.1f} ms  p99 {_pct(baseline, 0.99):6.1f} ms"
            )
            for targets, read_env in (
                (1, {}),
                (2, {"PARLEDGER_READ_DATABASE_URL": ",".join(r.url for r in replicas)}),
            ):
                for processes in (1, 4):
                    with service({**env, **read_env}, processes) as base:
                        reads, writes = mixed_load(base, token, args.clients, args.seconds, numbers)
                    label = f"{targets} read target(s), {processes} API process(es)"
                    print(line(label, reads, args.seconds, baseline), f"[{writes} writes]")
            with service(env, 1) as base:
                samples = worker_lag(
                    primary.url, base, token, args.write_rate, args.seconds, numbers
                )
        lags = [s[0] for s in samples]
        delays = [s[1] for s in samples]
        print(
            f"worker lag at {args.write_rate:g} writes/s: events behind mean "
            f"{statistics.mean(lags):.2f}, max {max(lags)}; oldest unapplied write "
            f"p50 {statistics.median(delays):.0f} ms, max {max(delays):.0f} ms"
        )
    finally:
        for replica in replicas:
            replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
