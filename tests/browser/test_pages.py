"""The pages in a real browser, signed in as an auditor: the overview, the task board as of
another date, a task's timeline after signing in, a report downloaded and opened. Each page
leaves a screenshot in test-artifacts/screenshots/ and passes the accessibility check."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, Site, check_accessibility
from tests.cat_hai import PLAN, agency, task


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    site.sign_in(opened, "kiem")
    try:
        yield opened
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def status_of(page: Page, number: str) -> str:
    row = page.locator(f"tr[id='task-{number}']")
    return row.get_attribute("data-status") or ""


def test_overview_from_the_root_address(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    expect(page).to_have_url(f"{site.url}/web/{PLAN}")
    expect(page.locator("h1")).to_have_text(site.seeded.plan.title)
    expect(page.locator("header .unit")).to_contain_text("Huyện Cát Hải")
    expect(page.locator(".card").first).to_contain_text(str(len(site.seeded.plan.tasks) - 2))
    for chart in ("scores", "tasks", "targets", "apologies"):
        image = page.locator(f"img[src^='/web/{PLAN}/charts/{chart}.png']")
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("i => i.naturalWidth") > 300
    check_accessibility(page)
    shot(page, "01-overview")


def test_changing_the_as_of_date_changes_the_task_board(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/web/{PLAN}/tasks?as_of=2023-06-30")
    assert status_of(page, "1.b") == "completed_on_time"
    assert status_of(page, "3") == "in_progress"
    check_accessibility(page)
    shot(page, "02-tasks-2023-06-30")
    page.fill("input[name=as_of]", "2023-01-10")
    page.click("form.when button[type=submit]")
    expect(page).to_have_url(
        f"{site.url}/web/{PLAN}/tasks?as_of=2023-01-10&known_at=&area=&agency=&status="
    )
    expect(page.locator("#stamp")).to_contain_text("ngày 10 tháng 01 năm 2023")
    assert status_of(page, "1.b") == "not_started"
    assert status_of(page, "3") == "not_started"
    page.select_option("select[name=status]", "not_started")
    page.click("form.when button[type=submit]")
    statuses = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses and set(statuses) == {"not_started"}
    shot(page, "03-tasks-2023-01-10-not-started")


def test_a_tasks_timeline_after_signing_in(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{site.url}/web/{PLAN}/tasks?as_of=2023-06-30")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    check_accessibility(page)
    shot(page, "04-login")
    page.fill("#name", "kiem")
    page.fill("#password", site.passwords["kiem"])
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{site.url}/web/{PLAN}/tasks?as_of=2023-06-30")
    page.locator("tr[id='task-3'] a", has_text="Xem").click()
    expect(page.locator("h1")).to_contain_text(f"task:{PLAN}:3")
    entries = page.locator("ol.timeline > li")
    expect(entries).to_have_count(2)  # registered, then progress on 02/05/2023
    expect(entries.nth(1)).to_contain_text("ngày 02 tháng 5 năm 2023")
    expect(entries.nth(1)).to_contain_text("báo cáo tiến độ")
    expect(entries.nth(1)).to_contain_text("40")
    # field names as officials say them: the state's and the changes' (``domain.field_names``)
    changes = entries.nth(1).locator("ul.changes")
    expect(changes).to_contain_text("tiến độ: — → 40")
    expect(changes).not_to_contain_text("progress:")
    expect(page.locator("dl.state")).to_contain_text("cơ quan chủ trì")
    expect(page.locator("dl.state")).not_to_contain_text("lead")
    check_accessibility(page)
    shot(page, "05-timeline-task-3")
    page.goto(f"{site.url}/web/{PLAN}/audit")
    expect(page.locator("table.audit")).to_contain_text("ghi số liệu")  # MeasurementRecorded
    check_accessibility(page)
    shot(page, "06-audit")
    context.close()


def test_download_the_q2_report_in_word_and_excel(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/web/{PLAN}/reports")
    shot(page, "07-reports")
    with page.expect_download() as word:
        page.locator("#period-Q2 a.download", has_text="DOCX").click()
    assert word.value.suggested_filename == "bao-cao-cat-hai-2023-2023-Q2.docx"
    document = docx.Document(word.value.path())
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header == ["UBND HUYỆN CÁT HẢI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    content, _ = task(site.seeded.plan, "1.b")
    assert content in [row.cells[1].text for row in document.tables[1].rows]
    with page.expect_download() as excel:
        page.locator("#period-Q2 a.download", has_text="XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(excel.value.path().read_bytes()))
    lead = {r[0]: r[3] for r in book["Nhiệm vụ"].iter_rows(min_row=5, values_only=True)}
    assert lead["1.b"] == agency(site.seeded.plan, "phong-noi-vu-ldtbxh")


@pytest.mark.parametrize("name", ["targets", "inspections", "apologies", "calendar"])
def test_every_other_page_renders(page: Page, site: Site, name: str) -> None:
    page.goto(f"{site.url}/web/{PLAN}/{name}?as_of=2023-06-30")
    expect(page.locator("nav a.active")).to_be_visible()
    expected = {
        "targets": "Khảo sát SIPAS",
        "inspections": "Chưa niêm yết đủ thủ tục hành chính",
        "apologies": "HS-2023-001",
        "calendar": "reporting-periods@2019.1-huyen",
    }[name]
    expect(page.locator("main")).to_contain_text(expected)
    check_accessibility(page)
    shot(page, f"08-{name}")


def test_readable_on_a_phone_and_errors_are_pages(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    site.sign_in(phone, "kiem")
    phone.goto(f"{site.url}/web/{PLAN}/tasks?as_of=2023-06-30")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the table scrolls inside its box, the page does not
    shot(phone, "09-tasks-phone")
    phone.goto(f"{site.url}/web/{PLAN}/tasks?as_of=30-06-2023")
    expect(phone.locator(".error")).to_contain_text("as_of")
    shot(phone, "10-error-bad-date")
    context.close()
