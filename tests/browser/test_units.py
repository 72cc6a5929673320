"""The unit picker on the plans index (``/web/units``), in a real browser: a province's
secretariat chooses among its province and its communes, sees the chosen unit's plans and
their roll-up, and is refused another unit's; a national reader picks any unit or the whole
ledger. Each page passes the accessibility check and leaves a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.values import VN_TZ
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, RegisterAgency
from ledger.usecases.unit import EstablishUnit, UnitLevel
from planfile.parser import parse_plan_text
from tests.browser.conftest import SCREENSHOTS, Site, check_accessibility
from tests.cat_hai import PLAN
from tests.conftest import ctx

COMMUNE_TEXT = Path(__file__).resolve().parents[1] / "plans" / "xa-tan-lap-2025.txt"
COMMUNE = "hai-phong-tan-lap"
COMMUNE_PLAN = f"{COMMUNE}-2025"


@pytest.fixture(scope="module")
def province(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Hải Phòng with one commune of its own and that commune's plan beside Cát Hải's (whose
    unit has no parent recorded), and a secretariat user of the city's Sở Nội vụ."""
    at = ctx(effective=datetime(2025, 7, 1, tzinfo=VN_TZ))
    site.ledger.handle(
        at,
        EstablishUnit(
            unit_code="hai-phong", name="Thành phố Hải Phòng", level=UnitLevel("province")
        ),
    )
    site.ledger.handle(
        at,
        EstablishUnit(
            unit_code=COMMUNE, name="Xã Tân Lập", level=UnitLevel("commune"), parent="hai-phong"
        ),
    )
    site.ledger.handle(
        at,
        RegisterAgency(
            agency_code="hai-phong.so-noi-vu",
            unit="hai-phong",
            name="Sở Nội vụ",
            kind=AgencyKind("specialised_office"),
        ),
    )
    text = tmp_path_factory.mktemp("plans") / "ke-hoach.txt"
    text.write_text("UBND THÀNH PHỐ HẢI PHÒNG\n" + COMMUNE_TEXT.read_text("utf-8"), "utf-8")
    assert import_plan(site.ledger, parse_plan_text(text), ctx()).plan == COMMUNE_PLAN
    result, _ = site.ledger.add_user(
        ctx(), name="tinh", display_name="Tịnh", role="secretariat", agency="hai-phong.so-noi-vu"
    )
    site.passwords["tinh"] = result.detail["password"]
    return site


@pytest.fixture
def page(browser: Browser, province: Site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def options(page: Page) -> list[str]:
    return [o.get_attribute("value") or "" for o in page.locator("#unit-picker option").all()]


def plan_options(page: Page) -> list[str]:
    return [o.get_attribute("value") or "" for o in page.locator("#plan-picker option").all()]


def test_a_province_picks_among_its_own_units(page: Page, province: Site) -> None:
    province.sign_in(page, "tinh")
    page.goto(f"{province.url}/web/units")
    expect(page.locator("h1")).to_have_text("Đơn vị và kế hoạch")
    # Its province first, then its commune; not Cát Hải, not the whole ledger.
    assert options(page) == ["hai-phong", COMMUNE]
    expect(page.locator("#unit-picker")).to_have_value("hai-phong")
    # The frame's plan menu offers the plans it may read: its commune's, not Cát Hải's.
    assert plan_options(page) == [COMMUNE_PLAN]
    expect(page.locator(f"tr[id='plan-{COMMUNE_PLAN}']")).to_be_visible()
    assert page.locator(f"tr[id='plan-{PLAN}']").count() == 0
    check_accessibility(page)
    page.screenshot(path=str(SCREENSHOTS / "60-units-province.png"), full_page=True)

    page.select_option("#unit-picker", COMMUNE)
    page.fill("input[name=as_of]", "30/09/2025")
    page.click("form.when button[type=submit]")
    expect(page).to_have_url(
        f"{province.url}/web/units?unit={COMMUNE}&as_of=30%2F09%2F2025&known_at="
    )
    expect(page.locator("#unit-picker")).to_have_value(COMMUNE)
    expect(page.locator("main")).to_contain_text("30 tháng 9 năm 2025")
    row = page.locator(f"tr[id='plan-{COMMUNE_PLAN}']")
    expect(row).to_contain_text("Xã Tân Lập")
    row.locator("a").click()  # the plan's own overview, at the same date
    expect(page).to_have_url(f"{province.url}/web/{COMMUNE_PLAN}?as_of=30%2F09%2F2025")

    # Another unit's plans are refused, saying why; a unit that does not exist is not found.
    response = page.goto(f"{province.url}/web/units?unit=cat-hai")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("không được xem các kế hoạch của đơn vị cat-hai")
    response = page.goto(f"{province.url}/web/units?unit=khong-co")
    assert response is not None and response.status == 404
    check_accessibility(page)


def test_a_national_reader_picks_any_unit_or_the_whole_ledger(page: Page, province: Site) -> None:
    province.sign_in(page, "kiem")
    page.goto(f"{province.url}/web/{PLAN}")
    page.get_by_role("link", name="Đơn vị", exact=True).click()
    expect(page.locator("#unit-picker")).to_have_value("all")
    assert {"all", "hai-phong", COMMUNE, "cat-hai"} <= set(options(page))
    assert {PLAN, COMMUNE_PLAN} <= set(plan_options(page))
    for plan in (PLAN, COMMUNE_PLAN):
        expect(page.locator(f"tr[id='plan-{plan}']")).to_be_visible()
    expect(page.locator("#rollup tfoot")).to_contain_text("Cộng 2 kế hoạch")
    check_accessibility(page)
    page.screenshot(path=str(SCREENSHOTS / "61-units-whole-ledger.png"), full_page=True)
