"""A CLI write while another process holds the SQLite file's write lock (issue 12, item 3).

The other process is a real one: it takes the write lock with ``BEGIN IMMEDIATE``, commits a
change after a while (so a transaction that read before that commit cannot be upgraded), and
exits. The CLI's write must wait its turn and succeed; when the lock is held past the busy
timeout it must say so as a retryable refusal (exit 4, Vietnamese, nothing written), never
"lỗi hệ thống".
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan
from tests.conftest import ctx

PLAN = "cat-hai-2023"
PARLEDGER = str(Path(sys.executable).with_name("parledger"))
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE IF NOT EXISTS other_writer (at REAL)")
conn.execute("INSERT INTO other_writer VALUES (?)", (time.time(),))
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


SERVER = """
import sys, time
from ledger.application import ParLedger
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from replay.readmodel import ReadModel
from tests.conftest import ctx
app = ParLedger(parse_database_url(sys.argv[1]))
reads = ReadModel(app)  # a server reads too: each read brings the live view up to the head
print("writing", flush=True)
end, n = time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    n += 1
    command = ReportTaskProgress(plan="cat-hai-2023", number="7", percent=n % 99 + 1, note=str(n))
    app.handle(ctx(), command)
    reads.snapshot("cat-hai-2023")
print(n, flush=True)
"""


def _seeded(tmp_path: Path, query: str = "") -> tuple[str, Path]:
    path = tmp_path / "ledger.sqlite3"
    url = f"sqlite:///{path}{query}"
    app = ParLedger(parse_database_url(url))
    import_plan(app, bundled_plan(PLAN), ctx())
    app.close()
    return url, path


def _events(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])


def _write_while_locked(url: str, path: Path, hold: float) -> tuple[int, str, float]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(hold)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        result = subprocess.run(
            [PARLEDGER, "task", "progress", PLAN, "3", "--percent", "30", "--note", "Khảo sát"],
            env={**os.environ, "PARLEDGER_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return result.returncode, result.stderr, time.perf_counter() - started
    finally:
        holder.wait(timeout=60)


def test_a_write_waits_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    url, path = _seeded(tmp_path)
    before = _events(path)
    code, stderr, waited = _write_while_locked(url, path, hold=2.0)
    print(f"\nCLI write behind a 2 s lock: exit {code} after {waited:.2f} s")
    assert code == 0, stderr
    assert _events(path) == before + 1
    assert waited >= 1.0  # it waited for the lock rather than failing or jumping it


def test_cli_writes_beside_a_process_writing_the_same_file(tmp_path: Path) -> None:
    """The issue's case: a server process writes and reads all the time; the CLI writes
    another task (and brings the view up to date, as its reads do)."""
    url, _ = _seeded(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, "12"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "writing"
    failures, writes = [], 0
    try:
        for n in range(8):
            result = subprocess.run(
                [PARLEDGER, "task", "progress", PLAN, "3", "--percent", str(n + 1), "--note", "x"],
                env={**os.environ, "PARLEDGER_DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            writes += 1
            if result.returncode != 0:
                failures.append(result.stderr.strip())
    finally:
        server_writes = int(server.communicate(timeout=120)[0].strip() or 0)
    print(f"\n{writes} CLI writes beside {server_writes} server writes: {len(failures)} failed")
    assert server.returncode == 0 and server_writes > 0
    assert not failures, failures[:3]


def test_a_lock_held_past_the_busy_timeout_is_a_retryable_refusal(tmp_path: Path) -> None:
    url, path = _seeded(tmp_path, "?busy_timeout=1")
    before = _events(path)
    code, stderr, waited = _write_while_locked(url, path, hold=4.0)
    print(f"\nCLI write behind a 4 s lock, busy timeout 1 s: exit {code} after {waited:.2f} s")
    assert code == 4, stderr
    assert "lỗi hệ thống" not in stderr and "đang bận" in stderr and "thử lại" in stderr
    assert _events(path) == before  # nothing half-written
