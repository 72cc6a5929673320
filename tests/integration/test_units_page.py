"""The frame of the units page follows the unit shown: its navigation opens that unit's latest
plan and its own roll-up, never the reader's home plan; a unit with no plan of its own (a
province over its communes) links to no plan. Through the service's pages, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from domain.values import Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.user import AddUser
from planfile.parser import parse_plan_text
from service.app import create_app
from tests.conftest import ctx

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "plans" / "cat-hai-2023.txt"
COMMUNE_TEXT = ROOT / "tests" / "plans" / "xa-tan-lap-2025.txt"
COMMUNE, COMMUNE_PLAN = "hai-phong-tan-lap", "hai-phong-tan-lap-2025"


def frame_links(html: str) -> list[str]:
    """The links of the page's frame: its header and breadcrumbs, all before ``<main``."""
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html.split("<main", 1)[0])]


def _reader(app: ParLedger) -> TestClient:
    """A national reader (no agency), whose home plan is Cát Hải's."""
    result = app.handle(
        ctx(), AddUser(name="doc", display_name="Doc", role=Role.READER, agency=None)
    )
    client = TestClient(create_app(app), base_url="http://127.0.0.1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/web/login").text)
    assert csrf is not None
    data = {"name": "doc", "password": result.detail["password"], "csrf": csrf.group(1)}
    assert client.post("/web/login", data=data, follow_redirects=False).status_code == 303
    return client


def test_the_frame_of_a_unit_s_page_points_to_that_unit(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    text = tmp_path / "ke-hoach.txt"
    text.write_text("UBND THÀNH PHỐ HẢI PHÒNG\n" + COMMUNE_TEXT.read_text("utf-8"), "utf-8")
    assert import_plan(app, parse_plan_text(text), ctx()).plan == COMMUNE_PLAN  # and its city
    client = _reader(app)
    when = "as_of=30%2F09%2F2025"

    page = client.get(f"/web/units?unit={COMMUNE}&{when}")

    assert page.status_code == 200, page.text
    links = frame_links(page.text)
    assert f"/web/{COMMUNE_PLAN}/tasks?{when}" in links
    assert f"/web/{COMMUNE_PLAN}/targets?{when}" in links
    assert f"/web/units?{when}&unit={COMMUNE}" in links
    assert not [link for link in links if "cat-hai" in link]
    assert f'<option value="{COMMUNE_PLAN}" selected>' in page.text

    # The city has no plan of its own: the frame opens no plan, and keeps its roll-up.
    city = client.get(f"/web/units?unit=hai-phong&{when}")
    assert city.status_code == 200, city.text
    links = frame_links(city.text)
    assert f"/web/units?{when}&unit=hai-phong" in links
    assert not [link for link in links if "cat-hai" in link or f"/web/{COMMUNE_PLAN}/" in link]
    assert f'tr id="plan-{COMMUNE_PLAN}"' in city.text  # its commune's plan, in the table

    # A plan's pages open the reader's own choice of units (a national reader's: the whole
    # ledger), as before.
    tasks = frame_links(client.get(f"/web/{COMMUNE_PLAN}/tasks?{when}").text)
    assert f"/web/units?{when}" in tasks and f"/web/{COMMUNE_PLAN}?{when}" in tasks
