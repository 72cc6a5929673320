"""The calendar page: a month of the working-day calendar with the recorded corrections and
the rule versions in force for the plan's level, in the pages' navigation; bad input is an
error page naming the field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from domain.values import Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.calendar import CorrectCalendarDay, DayStatus
from ledger.usecases.user import AddUser
from planfile.parser import parse_plan_text
from replay.calendar import calendar_at
from service.app import create_app
from tests.cat_hai import PLAN, Seeded
from tests.conftest import ctx


def _signed_in(app: ParLedger, role: Role = Role.READER) -> TestClient:
    result = app.handle(ctx(), AddUser(name="doc", display_name="Doc", role=role, agency=None))
    client = TestClient(create_app(app), base_url="http://127.0.0.1")
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    data = {"name": "doc", "password": result.detail["password"], "csrf": csrf.group(1)}
    assert client.post("/web/login", data=data, follow_redirects=False).status_code == 303
    return client


def test_the_month_of_tet_2025_with_a_correction_and_the_rules_in_force(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, _ = cat_hai
    app.handle(
        ctx(reason="Làm bù theo thông báo"),
        CorrectCalendarDay(day="2025-02-08", status=DayStatus.WORKING, source="Thông báo thử số 1"),
    )
    client = _signed_in(app)
    page = client.get(f"/web/{PLAN}/calendar?month=01/2025&as_of=2024-06-30")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'aria-current="page">Lịch và quy định</a>' in text
    assert "Lịch ngày làm việc tháng 1/2025" in text
    assert "Tết Nguyên Đán" in text and "29 Tết" in text
    # The Cát Hải plan is a district's: the district version applied on 30/06/2024.
    assert "reporting-periods@2019.1-huyen" in text and "Nghị định 09/2019/NĐ-CP" in text
    february = client.get(f"/web/{PLAN}/calendar?month=2025-02").text
    assert "điều chỉnh theo Thông báo thử số 1" in february
    assert "Làm bù theo thông báo" in february
    # After 1/7/2025 no district version applies: the every-level one does.
    later = client.get(f"/web/{PLAN}/calendar?as_of=2025-08-01").text
    assert "reporting-periods@2019.1-huyen" not in later
    assert "reporting-periods@2019.1<" in later
    bad = client.get(f"/web/{PLAN}/calendar?month=13/2025")
    assert bad.status_code == 422 and "month" in bad.text and "tháng không hợp lệ" in bad.text


def test_an_administrator_records_a_correction_with_the_form(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, _ = cat_hai
    client = _signed_in(app, Role.ADMIN)
    html = client.get(f"/web/{PLAN}/forms/correct_calendar_day").text
    [(action, body)] = [
        (a, b)
        for a, b in re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
        if 'name="day"' in b
    ]
    data = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', body))
    data |= {"day": "07/03/2026", "status": "working", "source": "TB thử", "reason": "Làm bù"}
    # Recorded, then sent on to its outcome page (the pages read their own writes).
    assert client.post(action, data=data, follow_redirects=False).status_code == 303
    assert calendar_at(app).is_working_day(date(2026, 3, 7))


def test_a_da_nang_wards_rules_in_force_hold_no_other_provinces_scoring_set(
    app: ParLedger,
) -> None:
    text = Path(__file__).resolve().parents[1] / "plans" / "phuong-hai-chau-da-nang-2026.txt"
    import_plan(app, parse_plan_text(text), ctx())
    client = _signed_in(app)
    page = client.get("/web/da-nang-hai-chau-2026/calendar?month=02/2026&as_of=2026-02-15")
    assert page.status_code == 200, page.text
    assert "dossier-apology@2025.118" in page.text and "reporting-periods@" in page.text
    # Hải Phòng's commune set is in force for Hải Phòng's communes, not for this ward
    assert "par-index" not in page.text and "Hải Phòng" not in page.text
