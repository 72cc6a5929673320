"""Write throughput of the ledger core beside the raw insert rate of the same database.

    python benchmarks/ledger_core.py [--events N] [--postgres-url URL]

For each backend, in one run: a raw single-row INSERT + COMMIT loop (the ceiling for one
durable write per transaction), the eventsourcing library's own recorder appending one event
per transaction, and ParLedger commands (load the task, decide, append the event with its
index row and command row in one transaction), then the same commands from 8 concurrent
clients sharing one application (rate and p99 latency). Goals (issue 18), for both backends:
one client at least 0.5 x the raw insert rate; 8 clients at least 1.0 x the one-client raw
insert rate (only group commit gets there: one fsync per event is the raw rate's own limit).
Each phase runs once, so on a shared machine a neighbour's fsyncs move one phase and not the
other; the one-client goal is then measured again with raw inserts and commands alternating
in chunks of 50 (``paired``), the median of the chunks' own ratios, and the 8-client goal
likewise: chunks of 50 raw inserts from one client alternating with chunks of 200 commands
from 8 clients (``paired_concurrent``), with the p99 latency of those commands.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from uuid import UUID, uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent

from benchmarks.stores import POSTGRES_URL, postgres_reachable, postgres_schemas
from domain.values import Actor, Role, Source
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.importer import import_plan
from ledger.usecases.task import ReportTaskProgress
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan

ADMIN = Actor(id="bench", name="bench", role=Role.ADMIN)
CLIENTS = 8
STATE = b'{"percent": 50, "note": "ti\xe1\xba\xbfn \xc4\x91\xe1\xbb\x99"}' * 4


def timed(
    n: int, op: Callable[[int], None], cpu: list[float] | None = None
) -> tuple[float, list[float]]:
    """Operations a second and each one's latency; with ``cpu``, also appends the process's
    CPU seconds per operation (what other processes' load hardly changes)."""
    latencies = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        t = time.perf_counter()
        op(i)
        latencies.append(time.perf_counter() - t)
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) / n)
    return n / (time.perf_counter() - started), latencies


@contextmanager
def raw_sqlite_op(path: Path, synchronous: str) -> Iterator[Callable[[int], None]]:
    """With ``FULL`` (SQLite's default, and the ledger's unless its URL says
    ``?synchronous=normal``) each commit is an fsync of the WAL; with ``NORMAL`` commits are
    not synced at all in WAL mode, so that rate is no fsync-per-event limit."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, originator_id TEXT, version INTEGER, "
        "topic TEXT, state BLOB, UNIQUE (originator_id, version))"
    )
    origin = uuid4().hex

    def op(i: int) -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO ev VALUES (NULL, ?, ?, ?, ?)", (origin, i, "t", STATE))
        conn.execute("COMMIT")

    try:
        yield op
    finally:
        conn.close()


def raw_sqlite(n: int, path: Path, synchronous: str = "NORMAL") -> tuple[float, list[float]]:
    with raw_sqlite_op(path, synchronous) as op:
        return timed(n, op)


@contextmanager
def raw_postgres_op(url: str, schema: str) -> Iterator[Callable[[int], None]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f'CREATE TABLE "{schema}".ev (id bigserial PRIMARY KEY, originator_id uuid, '
            "version int, topic text, state bytea, UNIQUE (originator_id, version))"
        )
        origin = uuid4()

        def op(i: int) -> None:
            conn.execute(
                f'INSERT INTO "{schema}".ev (originator_id, version, topic, state) '
                "VALUES (%s, %s, %s, %s)",
                (origin, i, "t", STATE),
                prepare=True,
            )

        yield op


def raw_postgres(n: int, url: str, schema: str) -> tuple[float, list[float]]:
    with raw_postgres_op(url, schema) as op:
        return timed(n, op)


class Counter(Aggregate):
    @event("Counted")
    def count(self, note: str) -> None:
        pass


def library_default(n: int, env: dict[str, str]) -> tuple[float, list[float]]:
    app: Application[UUID] = Application(env=env)
    counter = Counter()
    app.save(counter)

    def op(i: int) -> None:
        counter.count(note=f"lần {i}")
        app.save(counter)

    try:
        return timed(n, op)
    finally:
        app.close()


@contextmanager
def seeded(url: str, env: dict[str, str] | None = None) -> Iterator[tuple[ParLedger, list[str]]]:
    """A ledger holding the Cát Hải plan, and the numbers of its tasks that have a lead."""
    app = ParLedger(parse_database_url(url), env=env)
    plan = bundled_plan("cat-hai-2023")
    import_plan(app, plan, CommandContext(actor=ADMIN, source=Source.CLI))
    try:
        yield app, [t.number for t in plan.tasks if t.lead]
    finally:
        app.close()


def progress(app: ParLedger, leaves: list[str]) -> Callable[[int], None]:
    """The i-th ParLedger command: task progress on the Cát Hải plan."""
    ctx = CommandContext(actor=ADMIN, source=Source.CLI)

    def op(i: int) -> None:
        app.handle(
            ctx,
            ReportTaskProgress(
                plan="cat-hai-2023",
                number=leaves[i % len(leaves)],
                percent=i % 100,
                note=f"tiến độ lần {i}",
            ),
        )

    return op


@contextmanager
def parledger_op(url: str, env: dict[str, str] | None = None) -> Iterator[Callable[[int], None]]:
    """The i-th ParLedger command (task progress) on a store holding the Cát Hải plan."""
    with seeded(url, env) as (app, leaves):
        yield progress(app, leaves)


@contextmanager
def append_op(url: str) -> Iterator[Callable[[int], None]]:
    """The floor under a command: the recorder appending the rows one command writes (its
    event, index row and chain link), prebuilt from a real command's, with nothing decided,
    encoded or loaded. A command's rate beside this one is the share of the domain and the
    application; this one beside the raw insert is the share of what the ledger stores."""
    with seeded(url) as (app, leaves):
        progress(app, leaves)(0)
        head = int(app.recorder.max_notification_id() or 0)
        (stored,) = app.recorder.select_notifications(head, 1)
        ((_, row),) = app.ledger_recorder.select_index(gt=head - 1, limit=1)
        origin = uuid4()

        def op(i: int) -> None:
            app.recorder.insert_events(
                [StoredEvent(origin, i + 1, stored.topic, stored.state)],
                index_rows=[replace(row, originator_id=origin, originator_version=i + 1)],
            )

        yield op


def parledger(
    n: int, url: str, env: dict[str, str] | None = None, cpu: list[float] | None = None
) -> tuple[float, list[float]]:
    with parledger_op(url, env) as op:
        return timed(n, op, cpu)


def paired(
    n: int, raw: Callable[[int], None], command: Callable[[int], None], chunk: int = 50
) -> tuple[float, float, float]:
    """One client's commands against raw inserts in alternating chunks of ``chunk`` (raw
    first, then commands first), so that a neighbour's load or fsyncs touch both alike: the
    median of the chunks' paired ratios (command rate / raw rate), and the two rates."""
    ratios, spent, done = [], [0.0, 0.0], 0
    for k in range(max(1, n // chunk)):
        seconds = [0.0, 0.0]
        for which in (0, 1) if k % 2 == 0 else (1, 0):
            op = (raw, command)[which]
            started = time.perf_counter()
            for i in range(done, done + chunk):
                op(i)
            seconds[which] = time.perf_counter() - started
        ratios.append(seconds[0] / seconds[1])
        spent = [spent[0] + seconds[0], spent[1] + seconds[1]]
        done += chunk
    return statistics.median(ratios), done / spent[0], done / spent[1]


def paired_line(name: str, found: tuple[float, float, float]) -> str:
    ratio, raw, commands = found
    verdict = "met" if ratio >= 0.5 else "NOT met"
    return (
        f"  {name}: commands {commands:,.0f}/s, raw {raw:,.0f}/s; median of paired chunks "
        f"{ratio:.2f}x (goal >= 0.50) — {verdict}"
    )


@contextmanager
def concurrent_op(url: str, clients: int) -> Iterator[Callable[[int], list[float]]]:
    """``clients`` threads sharing one application (as the service does), each reporting
    progress on tasks of its own: a function that runs ``m`` commands in all (each client
    going on where its last call stopped) and answers every latency."""
    with seeded(url) as (app, leaves):
        done = [0] * clients

        def run(m: int) -> list[float]:
            latencies: list[list[float]] = [[] for _ in range(clients)]

            def client(k: int) -> None:
                command = progress(app, leaves[k::clients] or leaves)
                for i in range(done[k], done[k] + m // clients):
                    t = time.perf_counter()
                    command(i)
                    latencies[k].append(time.perf_counter() - t)
                done[k] += m // clients

            threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return [x for per in latencies for x in per]

        yield run


def concurrent(n: int, url: str, clients: int) -> tuple[float, list[float]]:
    """``n`` commands from ``clients`` threads sharing one application: the rate and every
    latency."""
    with concurrent_op(url, clients) as run:
        started = time.perf_counter()
        done = run(n)
        elapsed = time.perf_counter() - started
    return len(done) / elapsed, done


def paired_concurrent(
    n: int, raw: Callable[[int], None], commands: Callable[[int], list[float]], chunk: int = 50
) -> tuple[float, float, float, float]:
    """The 8-client goal as ``paired`` measures the one-client goal: chunks of ``chunk`` raw
    inserts from one client alternating (which goes first flips every chunk) with chunks of
    ``CLIENTS`` x 25 commands from ``CLIENTS`` clients; the median of the chunks' ratios
    (commands/s over raw inserts/s), the two rates, and the commands' p99 latency (ms)."""
    per = CLIENTS * 25
    ratios, spent, latencies = [], [0.0, 0.0], []
    for k in range(max(1, n // per)):
        seconds = [0.0, 0.0]
        for which in (0, 1) if k % 2 == 0 else (1, 0):
            started = time.perf_counter()
            if which == 0:
                for i in range(k * chunk, (k + 1) * chunk):
                    raw(i)
            else:
                latencies += commands(per)
            seconds[which] = time.perf_counter() - started
        ratios.append((per / seconds[1]) / (chunk / seconds[0]))
        spent = [spent[0] + seconds[0], spent[1] + seconds[1]]
    chunks = len(ratios)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return statistics.median(ratios), chunks * chunk / spent[0], chunks * per / spent[1], p99


def paired_concurrent_line(name: str, found: tuple[float, float, float, float]) -> str:
    ratio, raw, commands, p99 = found
    verdict = "met" if ratio >= 1.0 else "NOT met"
    return (
        f"  {name}: commands {commands:,.0f}/s, raw one-client {raw:,.0f}/s; median of paired "
        f"chunks {ratio:.2f}x (goal >= 1.00) — {verdict}; p99 {p99:.1f} ms"
    )


def goals(
    name: str, raw: float, one: tuple[float, list[float]], many: tuple[float, list[float]]
) -> None:
    """The issue-18 goals for one backend, each figure beside its baseline of this run."""
    p99 = statistics.quantiles(many[1], n=100)[98] * 1000
    one_ratio, many_ratio = one[0] / raw, many[0] / raw
    print(f"\n{name} goals (baseline: raw single-row INSERT + COMMIT {raw:,.0f}/s, one client)")
    print(
        f"  one client: commands {one[0]:,.0f}/s = {one_ratio:.2f}x raw (goal >= 0.50) — "
        + ("met" if one_ratio >= 0.5 else "NOT met")
    )
    print(
        f"  {CLIENTS} clients: commands {many[0]:,.0f}/s = {many_ratio:.2f}x one-client raw "
        f"(goal >= 1.00) — " + ("met" if many_ratio >= 1.0 else "NOT met") + f"; p99 {p99:.1f} ms"
    )


def shares(name: str, raw: float, append: float, command: float) -> None:
    """Where a one-client command's time goes, from this run's rates: the rows the ledger
    stores (the recorder's append beside the raw insert) and the rest (the command beside
    that append: loading, deciding, encoding, hashing)."""
    ms = [1000 / rate for rate in (raw, append, command)]
    print(
        f"  {name}, one client, per command: raw insert {ms[0]:.2f} ms; the command's rows "
        f"appended alone {ms[1]:.2f} ms ({append / raw:.2f}x raw: the most a command could "
        f"reach); the command {ms[2]:.2f} ms ({command / append:.2f}x its own append)"
    )


def line(name: str, result: tuple[float, list[float]] | None, raw: float | None) -> str:
    if result is None:
        return f"  {name:<54} {'—':>10}"
    rate, lat = result
    q = statistics.quantiles(lat, n=100)
    ratio = f"{rate / raw:>7.2f}x" if raw else ""
    p50, p95 = q[49] * 1000, q[94] * 1000
    return f"  {name:<54} {rate:>10,.0f}/s  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms {ratio}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    n = args.events
    print(f"ParLedger ledger core benchmark: {n} writes per row, one transaction each\n")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        raw = raw_sqlite(n, base / "raw.sqlite3")
        raw_full = raw_sqlite(n, base / "raw-full.sqlite3", "FULL")
        lib = library_default(
            n,
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(base / "lib.sqlite3"),
            },
        )
        ours = parledger(n, f"sqlite:///{base / 'parledger.sqlite3'}")
        with append_op(f"sqlite:///{base / 'append.sqlite3'}") as op:
            floor = timed(n, op)
        normal = parledger(n, f"sqlite:///{base / 'normal.sqlite3'}?synchronous=normal")
        many = concurrent(n, f"sqlite:///{base / 'many.sqlite3'}", CLIENTS)
        print("SQLite (file, WAL)")
        print(line("raw INSERT + COMMIT (sqlite3, synchronous=NORMAL)", raw, None))
        print(line("raw INSERT + COMMIT (synchronous=FULL, as ParLedger)", raw_full, raw[0]))
        print(line("eventsourcing default recorder, 1 event/tx", lib, raw[0]))
        print(line("recorder append alone (a command's rows, prebuilt)", floor, raw[0]))
        print(line("ParLedger command (event+index+command row)", ours, raw[0]))
        print(line("ParLedger command, ?synchronous=normal (opt-in)", normal, raw[0]))
        print(line(f"ParLedger commands, {CLIENTS} concurrent clients", many, raw[0]))
        goals("SQLite", raw[0], ours, many)
        print(
            f"  one client with ?synchronous=normal: {normal[0]:,.0f}/s = "
            f"{normal[0] / raw[0]:.2f}x raw NORMAL, {normal[0] / ours[0]:.1f}x the FULL command"
        )
        goals("SQLite, same durability (synchronous=FULL)", raw_full[0], ours, many)
        shares("SQLite", raw_full[0], floor[0], ours[0])
        with (
            raw_sqlite_op(base / "pair-raw.sqlite3", "FULL") as raw_op,
            parledger_op(f"sqlite:///{base / 'pair.sqlite3'}") as command_op,
        ):
            print(paired_line("one client, FULL, alternating", paired(n, raw_op, command_op)))
        with (
            raw_sqlite_op(base / "pair-raw-many.sqlite3", "FULL") as raw_op,
            concurrent_op(f"sqlite:///{base / 'pair-many.sqlite3'}", CLIENTS) as many_op,
        ):
            found = paired_concurrent(n, raw_op, many_op)
            print(paired_concurrent_line(f"{CLIENTS} clients, FULL, alternating", found))
    if not postgres_reachable(args.postgres_url):
        return 0
    with (
        postgres_schemas(args.postgres_url, 5, migrated=False) as schemas,
        postgres_schemas(args.postgres_url, 5) as own,  # ParLedger's, migrated
    ):
        url = parse_database_url(f"{args.postgres_url}?schema={schemas[1]}")
        migrate(url)
        # The library as it comes: its own factory and recorder, creating its tables.
        pg_env = {
            **{k: v for k, v in url.env.items() if k != "APPLICATION_RECORDER_TOPIC"},
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "CREATE_TABLE": "yes",
        }
        raw_pg = raw_postgres(n, args.postgres_url, schemas[0])
        lib_pg = library_default(n, pg_env)
        lib_fn = library_default(
            n,
            {**pg_env, "POSTGRES_SCHEMA": schemas[2], "POSTGRES_ENABLE_DB_FUNCTIONS": "y"},
        )
        ours_pg = parledger(n, f"{args.postgres_url}?schema={own[0]}")
        with append_op(f"{args.postgres_url}?schema={own[4]}") as op:
            floor_pg = timed(n, op)
        many_pg = concurrent(n, f"{args.postgres_url}?schema={own[1]}", CLIENTS)
        with (
            raw_postgres_op(args.postgres_url, schemas[3]) as raw_op,
            parledger_op(f"{args.postgres_url}?schema={own[2]}") as command_op,
        ):
            pair_pg = paired(n, raw_op, command_op)
        with (
            raw_postgres_op(args.postgres_url, schemas[4]) as raw_op,
            concurrent_op(f"{args.postgres_url}?schema={own[3]}", CLIENTS) as many_op,
        ):
            pair_many_pg = paired_concurrent(n, raw_op, many_op)
    print("\nPostgreSQL (loopback)")
    print(line("raw INSERT, autocommit (psycopg 3)", raw_pg, None))
    print(line("eventsourcing default recorder, 1 event/tx", lib_pg, raw_pg[0]))
    print(line("eventsourcing with POSTGRES_ENABLE_DB_FUNCTIONS", lib_fn, raw_pg[0]))
    print(line("recorder append alone (a command's rows, prebuilt)", floor_pg, raw_pg[0]))
    print(line("ParLedger command (event+index+command row)", ours_pg, raw_pg[0]))
    print(line(f"ParLedger commands, {CLIENTS} concurrent clients", many_pg, raw_pg[0]))
    goals("PostgreSQL", raw_pg[0], ours_pg, many_pg)
    shares("PostgreSQL", raw_pg[0], floor_pg[0], ours_pg[0])
    print(paired_line("one client, alternating", pair_pg))
    print(paired_concurrent_line(f"{CLIENTS} clients, alternating", pair_many_pg))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak RSS: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
