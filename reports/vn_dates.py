"""Dates, numbers and headings as Vietnamese administrative documents write them.

Decree 30/2020/NĐ-CP (Phụ lục I) on the form of administrative documents: "ngày 08 tháng 6
năm 2023" — days below 10 and the months January and February take a leading zero, the other
months do not; the place is the unit's place name, without its level ("Cát Hải", not "Huyện
Cát Hải").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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


def vn_number(value: Decimal | str | int | None) -> str:
    """``62,5`` (decimal comma); an em dash for no figure."""
    if value is None or value == "":
        return "—"
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")
