"""Reports from the API and the pages over HTTP: media types, file names, problems naming the
field, readable error pages, the login that guards the audit trail, the root redirect."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from domain.values import Role
from ledger.application import ParLedger
from ledger.usecases.user import AddUser
from replay.reports import report_content
from service.app import create_app
from tests.cat_hai import PLAN, Seeded, corrected_7b
from tests.conftest import ctx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def served(cat_hai: tuple[ParLedger, Seeded]) -> tuple[TestClient, dict[str, str], ParLedger]:
    app, _ = cat_hai
    result = app.handle(
        ctx(), AddUser(name="kiem", display_name="Kiểm", role=Role.AUDITOR, agency=None)
    )
    # Loopback, so the session cookie is not marked Secure and plain http carries it.
    client = TestClient(create_app(app), base_url="http://127.0.0.1")
    # The temporary password rides on the client, for the tests that sign in through the pages.
    client.cookies.clear()
    PASSWORDS[id(client)] = result.detail["password"]
    return client, {"Authorization": f"Bearer {result.detail['token']}"}, app


PASSWORDS: dict[int, str] = {}


def sign_in(client: TestClient, password: str | None = None, next: str = "") -> Response:
    """The sign-in form as a browser fills it: its CSRF token, then name and password (the
    user's own unless another is given)."""
    password = PASSWORDS[id(client)] if password is None else password
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None, form.text
    data = {"name": "kiem", "password": password, "csrf": csrf.group(1), "next": next}
    return client.post("/web/login", data=data, follow_redirects=False)


def test_report_files_with_media_type_and_file_name(served) -> None:  # type: ignore[no-untyped-def]
    client, auth, app = served
    url = f"/plans/{PLAN}/reports/2023-Q2"
    excel = client.get(url, params={"format": "xlsx"}, headers=auth)
    assert excel.status_code == 200 and excel.headers["content-type"] == XLSX
    assert excel.headers["content-disposition"] == (
        'attachment; filename="bao-cao-cat-hai-2023-2023-Q2.xlsx"'
    )
    assert excel.headers["x-report-sha256"] == report_content(app, PLAN, "Q2")["sha256"]
    book = openpyxl.load_workbook(io.BytesIO(excel.content))
    assert book["Điểm lĩnh vực"]["A5"].value == "I"
    word = client.get(url, params={"format": "docx", "known_at": "2030-01-01"}, headers=auth)
    assert word.status_code == 200 and word.headers["content-type"] == DOCX
    data = client.get(url, headers=auth)
    assert data.headers["content-type"] == "application/json"
    assert data.json()["sha256"] == excel.headers["x-report-sha256"]
    text = client.get(url, params={"format": "csv", "table": "tasks"}, headers=auth)
    assert text.headers["content-type"] == "text/csv; charset=utf-8"
    assert client.get(url, params={"format": "csv"}).status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("2023-Q2", {"format": "pdf"}, 422, "format"),
        ("Q_2", {}, 422, "period"),
        ("Q9", {}, 404, "period"),
        ("2023-Q2", {"known_at": "hôm qua"}, 422, "known_at"),
        ("2023-Q2", {"format": "csv", "table": "x"}, 422, "table"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(  # type: ignore[no-untyped-def]
    served, path: str, params: dict[str, str], status: int, field: str
) -> None:
    client, auth, _ = served
    response = client.get(f"/plans/{PLAN}/reports/{path}", params=params, headers=auth)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    missing = client.get("/plans/khong-co/reports/Q2", headers=auth)
    assert missing.status_code == 404 and missing.json()["field"] == "plan"


def test_root_redirects_browsers_and_answers_api_clients(served) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = served
    browser = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == f"/web/{PLAN}"
    assert client.get("/").json()["plans"] == "/plans"


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        (f"/web/{PLAN}/tasks?status=xong", 422, ["status", "trạng thái"]),
        (f"/web/{PLAN}/tasks?area=IX", 422, ["area", "lĩnh vực"]),
        (f"/web/{PLAN}?as_of=2023-02-30", 422, ["as_of", "ngày không hợp lệ"]),
        (f"/web/{PLAN}/apologies?known_at=ngày mai", 422, ["known_at"]),
        ("/web/khong-co", 404, ["plan", "khong-co"]),
        (f"/web/{PLAN}/reports/Q9/download?format=docx", 404, ["period"]),
        (f"/web/{PLAN}/reports/Q2/download?format=pdf", 422, ["format"]),
        (f"/web/{PLAN}/charts/pie.png", 404, ["name"]),
        ("/web/units?unit=khong-co", 404, ["unit", "khong-co"]),
        ("/web/units?as_of=2023-02-30", 422, ["as_of", "ngày không hợp lệ"]),
    ],
)
def test_pages_answer_bad_input_with_a_readable_error_page(  # type: ignore[no-untyped-def]
    served, url: str, status: int, words: list[str]
) -> None:
    client, _, _ = served
    sign_in(client)
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert all(w in response.text for w in words), response.text


def test_audit_trail_page_needs_a_sign_in_kept_in_an_httponly_cookie(served) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = served
    page = f"/web/{PLAN}/audit"
    redirected = client.get(page, follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/web/login?next=%2Fweb%2Fcat-hai-2023")
    refused = sign_in(client, "sai-mat-khau", page)
    assert refused.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in refused.text
    login = sign_in(client, next="https://example.org/")
    assert login.headers["location"].startswith("/web/")  # never off the site
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/web" in cookie
    trail = client.get(page)
    assert trail.status_code == 200 and "Nhật ký kiểm toán" in trail.text
    assert "MeasurementRecorded" in trail.text and "nhập muộn" in trail.text
    assert "Chưa niêm yết đủ thủ tục hành chính" in trail.text  # the finding, before → after
    csrf = re.search(r'name="csrf" value="([^"]+)"', trail.text)
    assert csrf is not None
    client.post("/web/logout", data={"csrf": csrf.group(1)})
    assert client.get(page, follow_redirects=False).status_code == 303


def test_changes_since_submission_page(served) -> None:  # type: ignore[no-untyped-def]
    from ledger.usecases.plan import SubmitReport
    from tests.conftest import vn

    client, _, app = served
    app.handle(ctx(), SubmitReport(plan=PLAN, period="Q2"))
    app.handle(
        ctx(effective=vn(2023, 6, 10), reason="Nhập sai số phiếu khảo sát"),
        corrected_7b("Khảo sát SIPAS (sửa)"),
    )
    sign_in(client)
    page = client.get(f"/web/{PLAN}/reports/Q2/changes")
    assert page.status_code == 200
    assert "Nhập sai số phiếu khảo sát" in page.text and "MeasurementCorrected" in page.text
    assert "91" in page.text and "có nguy cơ không đạt" in page.text and "đạt" in page.text
    never = client.get(f"/web/{PLAN}/reports/Q3/changes")
    assert never.status_code == 404 and "chưa nộp" in never.text
