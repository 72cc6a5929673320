"""Dates, numbers and headings as Vietnamese administrative documents write them.

Decree 30/2020/NĐ-CP (Phụ lục I) on the form of administrative documents: "ngày 08 tháng 6
năm 2023" — days below 10 and the months January and February take a leading zero, the other
months do not; the place is the unit's place name, without its level ("Cát Hải", not "Huyện
Cát Hải").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.values import VN_TZ

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
LEVELS = ("thành phố", "thị xã", "thị trấn", "huyện", "quận", "tỉnh", "xã", "phường")


def vn_date(day: date) -> str:
    """``ngày 08 tháng 6 năm 2023``; ``ngày 15 tháng 01 năm 2023``."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def vn_short(day: date | None) -> str:
    """``08/06/2023`` for dense tables; an em dash for no date."""
    return day.strftime("%d/%m/%Y") if day else "—"


def vn_moment(moment: datetime) -> str:
    """``17 giờ 00 ngày 05 tháng 7 năm 2023`` in Vietnam time."""
    local = moment.astimezone(VN_TZ)
    return f"{local.hour:02d} giờ {local.minute:02d} {vn_date(local.date())}"


def iso_day(text: str | None) -> date | None:
    """The date of an ISO date or datetime text (a datetime is taken in Vietnam time)."""
    if not text:
        return None
    if len(text) > 10:
        return datetime.fromisoformat(text).astimezone(VN_TZ).date()
    return date.fromisoformat(text)


def roman(number: int) -> str:
    return ROMAN[number - 1]


def place_name(unit: str) -> str:
    """``Huyện Cát Hải`` → ``Cát Hải``."""
    lowered = unit.lower()
    for level in LEVELS:
        if lowered.startswith(level + " "):
            return unit[len(level) + 1 :].strip()
    return unit.strip()


def place_and_date(unit: str, day: date) -> str:
    """``Cát Hải, ngày 08 tháng 6 năm 2023``."""
    return f"{place_name(unit)}, {vn_date(day)}"


def unit_in_sentence(unit: str) -> str:
    """``Huyện Cát Hải`` → ``huyện Cát Hải``, as the unit reads inside a sentence."""
    return unit[:1].lower() + unit[1:]


def issuing_body(unit: str) -> str:
    """The People's Committee of the unit, as a document header names it: ``UBND HUYỆN CÁT
    HẢI``."""
    return f"UBND {unit.upper()}"


def issuer(plan: dict[str, Any]) -> str:
    """The issuing body of a plan's reports: its unit's People's Committee, and under it the
    department whose plan it is ("UBND TỈNH LÂM ĐỒNG" over "SỞ TƯ PHÁP"), never the province's
    committee alone for a department's report."""
    body = issuing_body(str(plan.get("unit", "")))
    department = _department(plan)
    return f"{body}\n{department.upper()}" if department else body


def reporter(plan: dict[str, Any]) -> str:
    """Who reports, inside a sentence: ``Ủy ban nhân dân huyện Cát Hải``, or the department
    of a department's plan: ``Sở Tư pháp tỉnh Lâm Đồng``."""
    department = _department(plan)
    unit = unit_in_sentence(str(plan.get("unit", "")))
    return f"{department} {unit}" if department else f"Ủy ban nhân dân {unit}"


def _department(plan: dict[str, Any]) -> str | None:
    """The department of a department's plan, as its title names it ("… của Sở Tư pháp tỉnh
    Lâm Đồng năm 2026" → "Sở Tư pháp")."""
    found = re.search(r"\bcủa (Sở .+?) (?:tỉnh|thành phố) ", str(plan.get("title", "")))
    return found.group(1) if plan.get("kind") == "department" and found else None


def report_number(plan: dict[str, Any]) -> str:
    """``Số: …/BC-STP``: the issuer's symbol as its plan's own number writes it (``07/KH-STP``);
    a People's Committee's ``UBND`` when the plan's number has none."""
    document = plan.get("document") or {}
    number = str(document.get("number") or "") if isinstance(document, dict) else ""
    symbol = re.search(r"/KH-([A-ZĐ]+)$", number)
    return f"Số: …/BC-{symbol.group(1) if symbol else 'UBND'}"


def vn_number(value: Decimal | str | int | None) -> str:
    """``62,5`` (decimal comma); an em dash for no figure."""
    if value is None or value == "":
        return "—"
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")
