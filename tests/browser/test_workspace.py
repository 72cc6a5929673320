"""The officials' workspace in a real browser, on SQLite and PostgreSQL: signing in and being
locked out, an officer recording progress and a completion through the forms and seeing
them on the task board, a stale form refused with the change shown, a resubmitted form
stored once, refusals that append nothing, and a secretariat creating a user who then signs
in. Every page and form passes axe-core; screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from domain import ids
from ledger.commands import DECLARED
from ledger.usecases.task import ReportTaskProgress
from tests.browser.conftest import SCREENSHOTS, Site, check_accessibility
from tests.cat_hai import PLAN
from tests.conftest import ctx

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=DESKTOP)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def form_url(site: Site, operation: str, **fields: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in fields.items())
    return f"{site.url}/web/{PLAN}/forms/{operation}" + (f"?{query}" if query else "")


def events_of_task(site: Site, number: str) -> int:
    return len(list(site.ledger.events.get(ids.task_id(PLAN, number))))


def test_sign_in_and_lockout(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    expect(page.locator("h1")).to_have_text("Đăng nhập")  # / sends a browser to sign in
    for attempt in range(1, 6):
        page.fill("#name", "khoa")
        page.fill("#password", f"sai-mat-khau-{attempt}")
        page.click("main button[type=submit]")
        if attempt < 5:
            expect(page.locator("#login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    expect(page.locator("#login-error")).to_contain_text("Tài khoản tạm khóa đến")
    check_accessibility(page)
    shot(page, "20-login-locked")
    page.fill("#name", "khoa")
    page.fill("#password", site.passwords["khoa"])  # the right password, still locked
    page.click("main button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("Tài khoản tạm khóa đến")
    events = [type(e).__qualname__ for e in site.ledger.events.get(ids.user_id("khoa"))]
    assert events.count("User.LockedOut") == 1
    site.sign_in(page, "lan")
    expect(page).to_have_url(f"{site.url}/web/{PLAN}/me")
    page.click("header .user button")  # sign out
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.goto(f"{site.url}/web/{PLAN}/tasks")
    expect(page.locator("h1")).to_have_text("Đăng nhập")


def test_an_officer_records_progress_and_a_completion(page: Page, site: Site) -> None:
    site.sign_in(page, "lan")
    check_accessibility(page)
    page.click("#my-task-18 a:has-text('Tiến độ')")
    expect(page.locator("h1")).to_have_text(ReportTaskProgress.label)
    expect(page.locator("#f-effective_at")).to_have_value(
        page.evaluate("new Date().toLocaleDateString('en-GB', {timeZone: 'Asia/Ho_Chi_Minh'})")
    )
    page.fill("#f-percent", "150")
    page.fill("#f-note", "Đã rà soát 12 thủ tục")
    page.click("form.entry button[type=submit]")
    expect(page.locator(".field.invalid #f-percent")).to_be_visible()
    expect(page.locator("#f-percent-error")).to_contain_text("nhỏ hơn hoặc bằng 100")
    check_accessibility(page)
    shot(page, "21-form-error-beside-field")
    page.fill("#f-percent", "60")
    page.click("form.entry button[type=submit]")
    expect(page.locator("h1")).to_have_text("Đã ghi vào sổ cái")
    page.goto(f"{site.url}/web/{PLAN}/tasks")
    expect(page.locator("tr[id='task-18'] td.num")).to_have_text("60 %")
    expect(page.locator("tr[id='task-18']")).to_have_attribute("data-status", "overdue")
    page.locator("tr[id='task-19'] a", has_text="Hoàn thành").click()
    page.fill("#f-note", "Đã ban hành quyết định")
    page.click("form.entry button[type=submit]")
    expect(page.locator("h1")).to_have_text("Đã ghi vào sổ cái")
    page.goto(f"{site.url}/web/{PLAN}/tasks")
    expect(page.locator("tr[id='task-19']")).to_have_attribute("data-status", "completed_late")
    shot(page, "22-task-board-after-forms")


def test_a_stale_form_is_refused_showing_what_changed(page: Page, site: Site) -> None:
    site.sign_in(page, "lan")
    page.goto(form_url(site, "report_task_progress", number="20"))
    version = page.locator("input[name=version]").input_value()
    site.ledger.handle(  # someone else records progress meanwhile
        ctx(reason="cập nhật từ báo cáo giấy"),
        ReportTaskProgress(plan=PLAN, number="20", percent=30, note="Báo cáo của phòng"),
    )
    before = site.position()
    page.fill("#f-percent", "50")
    page.fill("#f-note", "Theo báo cáo tháng")
    page.click("form.entry button[type=submit]")
    stale = page.locator("section.stale")
    expect(stale).to_contain_text("báo cáo tiến độ")
    expect(stale).to_contain_text("lý do: cập nhật từ báo cáo giấy")
    expect(stale).to_contain_text("tiến độ")
    expect(stale.locator("dl.state")).to_contain_text("30")
    assert site.position() == before
    new_version = page.locator("input[name=version]").input_value()
    assert int(new_version) == int(version) + 1
    check_accessibility(page)
    shot(page, "23-form-stale")
    page.click("form.entry button[type=submit]")  # resubmitted knowingly: recorded
    expect(page.locator("h1")).to_have_text("Đã ghi vào sổ cái")


def test_a_double_submitted_form_is_stored_once(page: Page, site: Site) -> None:
    site.sign_in(page, "lan")
    page.goto(form_url(site, "report_task_progress", number="21"))
    page.fill("#f-percent", "25")
    page.fill("#f-note", "Bấm gửi hai lần")
    sent = page.evaluate(
        "Object.fromEntries(new FormData(document.querySelector('form.entry')).entries())"
    )
    events, before = events_of_task(site, "21"), site.position()
    page.click("form.entry button[type=submit]")
    expect(page.locator("h1")).to_have_text("Đã ghi vào sổ cái")
    again = page.request.post(form_url(site, "report_task_progress"), form=sent)
    assert again.status == 200 and "Đã ghi trước đó" in again.text()
    assert events_of_task(site, "21") == events + 1
    assert site.position() == before + 1


@pytest.mark.parametrize("who", ["doc", "hoa"])
def test_a_reader_and_another_agencys_officer_are_refused(page: Page, site: Site, who: str) -> None:
    site.sign_in(page, who)
    before = site.position()
    page.goto(form_url(site, "report_task_progress", number="3"))
    if who == "doc":
        expect(page.locator(".error")).to_contain_text("không được dùng biểu mẫu")
        csrf = page.locator("header form input[name=csrf]").input_value()
        sent = {"csrf": csrf, "key": "k-doc", "version": "2", "number": "3", "plan": PLAN,
                "percent": "90", "note": "Người đọc thử ghi"}  # fmt: skip
        refused = page.request.post(form_url(site, "report_task_progress"), form=sent)
        assert refused.status == 403
    else:
        page.fill("#f-percent", "90")
        page.fill("#f-note", "Phòng Tư pháp thử ghi")
        page.click("form.entry button[type=submit]")
        expect(page.locator(".error")).to_contain_text(
            "chỉ cơ quan chủ trì mới được"
        )  # the lead only (issue 13)
    assert site.position() == before
    page.goto(f"{site.url}/web/{PLAN}/audit")
    expect(page.locator(".error")).to_contain_text(
        "chỉ xem các khung nhìn" if who == "doc" else "chỉ xem nhật ký của nhiệm vụ"
    )


def test_a_form_without_its_csrf_token_is_refused(page: Page, site: Site) -> None:
    site.sign_in(page, "lan")
    page.goto(form_url(site, "report_task_progress", number="6"))
    sent = page.evaluate(
        "Object.fromEntries(new FormData(document.querySelector('form.entry')).entries())"
    )
    sent.update(percent="10", note="Không có mã chống giả mạo")
    del sent["csrf"]
    before = site.position()
    refused = page.request.post(form_url(site, "report_task_progress"), form=sent)
    assert refused.status == 403 and "csrf" in refused.text()
    assert site.position() == before


def test_the_secretariat_creates_a_user_who_then_signs_in(
    page: Page, site: Site, browser: Browser
) -> None:
    site.sign_in(page, "thu")
    page.goto(f"{site.url}/web/users")
    check_accessibility(page)
    shot(page, "24-users")
    page.click("a:has-text('Thêm người dùng')")
    page.fill("#f-name", f"minh-{site.backend}")
    page.select_option("#f-role", "agency_officer")
    page.fill("#f-agency", "phong-tu-phap")
    page.fill("#f-display_name", "Trần Văn Minh")
    page.fill("#f-reason", "Cán bộ mới của Phòng Tư pháp")
    page.click("form.entry button[type=submit]")
    password = page.locator("#temporary-password").inner_text()
    shot(page, "25-user-created")
    other = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        phone = other.new_page()
        phone.goto(f"{site.url}/web/login")
        phone.fill("#name", f"minh-{site.backend}")
        phone.fill("#password", password)
        phone.click("main button[type=submit]")
        expect(phone.locator("h1")).to_have_text("Việc của tôi")
        expect(phone.locator("header .user")).to_contain_text("Trần Văn Minh")
    finally:
        other.close()


def test_my_work_on_a_desktop_and_a_phone(browser: Browser, site: Site) -> None:
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, is_mobile=name == "phone")
        page = context.new_page()
        site.sign_in(page, "lan")
        expect(page.locator("h1")).to_have_text("Việc của tôi")
        expect(page.locator("main")).to_contain_text("nhiệm vụ đến hạn")
        assert page.locator("#tasks ~ .scroll tbody tr").count() >= 4
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        check_accessibility(page)
        shot(page, f"26-my-work-{name}")
        context.close()


def test_every_form_renders_accessibly(page: Page, site: Site) -> None:
    """Each declared command's form, as the administrator sees it (every form), with the
    entity of its worked example when that entity exists in the seeded plan."""
    site.sign_in(page, "quantri")
    page.goto(f"{site.url}/web/{PLAN}/forms")
    check_accessibility(page)
    shot(page, "30-forms-index")
    for number, command in enumerate(DECLARED, start=31):
        path = {k: str(v) for k, v in command.example.items() if k in command.path_fields()}
        path.pop("plan", None)
        page.goto(form_url(site, command.operation, **path))
        expect(page.locator("h1")).to_have_text(command.label)
        check_accessibility(page)
        shot(page, f"{number}-form-{command.operation}")
