"""Dates and headings as Vietnamese administrative documents write them (Decree 30/2020)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.errors import InvalidValue
from domain.values import VN_TZ
from reports.data import parse_known_at, parse_period
from reports.vn_dates import (
    issuer,
    issuing_body,
    place_and_date,
    report_number,
    reporter,
    roman,
    vn_date,
    vn_number,
)


@pytest.mark.parametrize(
    ("plan", "body", "number", "who"),
    [
        (  # a department's report is the department's, under its province's committee
            {
                "unit": "Tỉnh Lâm Đồng",
                "kind": "department",
                "title": "Kế hoạch cải cách hành chính của Sở Tư pháp tỉnh Lâm Đồng năm 2026",
                "document": {"number": "07/KH-STP"},
            },
            "UBND TỈNH LÂM ĐỒNG\nSỞ TƯ PHÁP",
            "Số: …/BC-STP",
            "Sở Tư pháp tỉnh Lâm Đồng",
        ),
        (
            {
                "unit": "Phường Hải Châu",
                "kind": "unit_yearly",
                "title": "Kế hoạch cải cách hành chính nhà nước phường Hải Châu năm 2026",
                "document": {"number": "12/KH-UBND"},
            },
            "UBND PHƯỜNG HẢI CHÂU",
            "Số: …/BC-UBND",
            "Ủy ban nhân dân phường Hải Châu",
        ),
        (  # Cát Hải's plan: no number written, no kind (stored before units)
            {"unit": "Huyện Cát Hải", "title": "Kế hoạch …", "document": {"number": ""}},
            "UBND HUYỆN CÁT HẢI",
            "Số: …/BC-UBND",
            "Ủy ban nhân dân huyện Cát Hải",
        ),
    ],
)
def test_the_issuer_of_a_plans_reports(
    plan: dict[str, object], body: str, number: str, who: str
) -> None:
    assert (issuer(plan), report_number(plan), reporter(plan)) == (body, number, who)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2023, 6, 8), "ngày 08 tháng 6 năm 2023"),
        (date(2023, 1, 15), "ngày 15 tháng 01 năm 2023"),
        (date(2023, 2, 3), "ngày 03 tháng 02 năm 2023"),
        (date(2023, 12, 31), "ngày 31 tháng 12 năm 2023"),
    ],
)
def test_dates_in_full(day: date, text: str) -> None:
    assert vn_date(day) == text


def test_place_date_header_and_numerals() -> None:
    assert place_and_date("Huyện Cát Hải", date(2023, 6, 8)) == "Cát Hải, ngày 08 tháng 6 năm 2023"
    assert issuing_body("Huyện Cát Hải") == "UBND HUYỆN CÁT HẢI"
    assert [roman(n) for n in (1, 4, 6)] == ["I", "IV", "VI"]
    assert vn_number("62.5") == "62,5" and vn_number(None) == "—"


@pytest.mark.parametrize(
    ("text", "parsed"), [("Q2", (None, "Q2")), ("2023-q2", (2023, "Q2")), ("y", (None, "Y"))]
)
def test_period_syntax(text: str, parsed: tuple[int | None, str]) -> None:
    assert parse_period(text) == parsed


@pytest.mark.parametrize("text", ["Q 2", "2023/Q2", "23-Q2", "", "Quý II"])
def test_bad_period_names_the_field(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_period(text)
    assert error.value.field == "period" and "Q2" in error.value.message


def test_known_at_a_date_is_the_end_of_that_day() -> None:
    assert parse_known_at("2023-06-07") == datetime(2023, 6, 7, 23, 59, 59, 999999, VN_TZ)
    assert parse_known_at("2023-06-07T17:00") == datetime(2023, 6, 7, 17, tzinfo=VN_TZ)
    with pytest.raises(InvalidValue) as error:
        parse_known_at("2023-06-31")
    assert error.value.field == "known_at"
