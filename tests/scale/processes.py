"""Real ``parledger`` processes for the scale tests: free ports, serving, waiting for health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from domain.values import Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.settings import parse_database_url
from tests.conftest import ctx
from tests.factories import small_plan

ROOT = Path(__file__).resolve().parents[2]
PARLEDGER = [sys.executable, "-m", "cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEDGER, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_server(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PARLEDGER, "serve", "--port", str(port), "--no-seed", *extra],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_uvicorn(env: dict[str, str], port: int, workers: int = 2) -> subprocess.Popen[str]:
    """``uvicorn service.app:from_env --workers N``: several API processes behind one port."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.app:from_env", "--factory",
         "--workers", str(workers), "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def wait_healthy(port: int, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server on {port} exited: {process.stderr and process.stderr.read()}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} not healthy after {seconds} s")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stderr.read() if process.stderr else ""


@contextmanager
def workers_serving(
    url: str, env: dict[str, str], user: str
) -> Iterator[tuple[str, str, ParLedger]]:
    """The small plan and an admin ``user`` in the store at ``url``, served by two uvicorn
    worker processes with ``env``: (base URL, the user's token, the ledger)."""
    ledger = ParLedger(parse_database_url(url))
    import_plan(ledger, small_plan(), ctx())
    _, token = ledger.add_user(
        ctx(), name=user, display_name=user, role=Role.ADMIN.value, agency=None
    )
    port = free_port()
    server = start_uvicorn({"PARLEDGER_DATABASE_URL": url, "POSTGRES_POOL_SIZE": "2", **env}, port)
    try:
        wait_healthy(port, server)
        yield f"http://127.0.0.1:{port}", token, ledger
    finally:
        stop(server)
        ledger.close()


@contextmanager
def servers(env: dict[str, str], count: int) -> Iterator[list[tuple[int, subprocess.Popen[str]]]]:
    started = [(port, start_server(env, port)) for port in (free_port() for _ in range(count))]
    try:
        yield started
    finally:
        for _, process in started:
            stop(process)
