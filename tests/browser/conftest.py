"""The app served by uvicorn in a thread, on a free port, over a SQLite ledger holding the
Cát Hải plan, and Debian's Chromium driven headless by Playwright.

Chromium comes from apt (``.ci/run`` installs it); Playwright's own browser download is not
used. Without ``/usr/bin/chromium`` these tests skip on a developer's machine and fail under
CI, where they must run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from ledger.application import ParLedger
from persistence.settings import parse_database_url
from service.app import create_app
from tests.cat_hai import Seeded, seed
from tests.conftest import REQUIRE_POSTGRES, ctx

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass(frozen=True)
class Site:
    url: str
    ledger: ParLedger
    seeded: Seeded
    token: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("site") / "cat-hai.sqlite3"
    ledger = ParLedger(parse_database_url(f"sqlite:///{path}"))
    seeded = seed(ledger)
    _, token = ledger.add_user(ctx(), name="kiem", display_name="Kiểm", role="auditor", agency=None)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ledger), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", ledger, seeded, token)
    finally:
        server.should_exit = True
        thread.join(10)
        ledger.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} missing (apt-get install chromium)"
        if REQUIRE_POSTGRES:  # CI: the browser tests must run
            pytest.fail(message)
        pytest.skip(message)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()
