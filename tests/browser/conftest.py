"""The app served by uvicorn in a thread, on a free port, over a ledger holding the Cát Hải
plan (SQLite and PostgreSQL: every browser test runs on both), with users of every role who
sign in with passwords, and Debian's Chromium driven headless by Playwright. axe-core (from
npm: ``tests/browser/package.json``, installed by ``.ci/run``) checks each page's
accessibility.

Chromium comes from apt (``.ci/run`` installs it); Playwright's own browser download is not
used. Without ``/usr/bin/chromium`` these tests skip on a developer's machine and fail under
CI, where they must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ledger.application import ParLedger
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from tests.cat_hai import Seeded, seed
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, ctx, postgres_available
from tests.serving import serving

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
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# Who signs in, with which role and agency (task 3, 4.a, 6, 18–21 are led by Nội vụ).
USERS = {
    "quantri": ("admin", None),
    "thu": ("secretariat", None),
    "lan": ("agency_officer", "phong-noi-vu-ldtbxh"),
    "hoa": ("agency_officer", "phong-tu-phap"),
    "doc": ("reader", None),
    "kiem": ("auditor", None),
    "khoa": ("agency_officer", "phong-tu-phap"),  # locked out by its test
}


@dataclass(frozen=True)
class Site:
    url: str
    ledger: ParLedger
    seeded: Seeded
    token: str
    backend: str
    passwords: dict[str, str]

    def sign_in(self, page: Page, name: str, then: str = "") -> None:
        page.goto(f"{self.url}/web/login" + (f"?next={then}" if then else ""))
        page.fill("#name", name)
        page.fill("#password", self.passwords[name])
        page.click("main button[type=submit]")
        expect(page.locator("header .user")).to_contain_text("Đăng xuất")

    def position(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)


@contextmanager
def store_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file, or a PostgreSQL schema of the module's own, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('site') / 'cat-hai.sqlite3'}"
        return
    if not postgres_available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES_URL} (required under CI)")
        pytest.skip("PostgreSQL not reachable")
    schema = f"b_{uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    migrate(parse_database_url(f"{POSTGRES_URL}?schema={schema}"))
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with store_url(request.param, tmp_path_factory) as url:
        yield from _serve(request.param, url)


def _serve(backend: str, url: str) -> Iterator[Site]:
    ledger = ParLedger(parse_database_url(url))
    seeded = seed(ledger)
    passwords, token = {}, ""
    for name, (role, agency) in USERS.items():
        result, issued = ledger.add_user(
            ctx(), name=name, display_name=name.title(), role=role, agency=agency
        )
        token = issued if name == "kiem" else token
        passwords[name] = result.detail["password"]
    try:
        with serving(ledger) as base:
            yield Site(base, ledger, seeded, token, backend, passwords)
    finally:
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


def check_accessibility(page: Page) -> None:
    """axe-core on the page as shown: no serious or critical violation (WCAG 2.1 AA)."""
    if not AXE.exists():
        message = f"{AXE} missing (npm ci --prefix tests/browser)"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}))
             .violations.filter(v => ['serious', 'critical'].includes(v.impact))
             .map(v => `${v.id}: ${v.help} — `
                  + v.nodes.slice(0, 3).map(n => n.target).join(' | '))"""
    )
    assert found == [], f"{page.url}: {found}"
