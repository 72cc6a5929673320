"""Free-text time frames of a plan's appendix ("Cả năm 2023", "Từ Quý IV/2023 đến Quý I/2024").

A time frame becomes a window ``(start, due)``: ``due`` is the last day a task may be completed
on time; ``start`` is when work is expected to begin, or ``None`` when the text gives only a
deadline. Text that no rule understands yields ``(None, None)`` and a warning: the plan keeps
the text as written, and nothing is guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

ROMAN_QUARTERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass(frozen=True)
class Window:
    start: date | None
    due: date | None
    years: tuple[int, ...]  # every year the text names, to compare with the plan's year


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter(q: str, year: int) -> tuple[date, date]:
    n = ROMAN_QUARTERS.get(q.upper()) if not q.isdigit() else int(q)
    if n is None or not 1 <= n <= 4:
        raise ValueError(f"quý không hợp lệ: {q}")
    return date(year, 3 * n - 2, 1), _month_end(year, 3 * n)


_DAY = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_QUARTER = r"[Qq]uý\s+([IV]+|[1-4])\s*(?:/|năm\s+)(\d{4})"
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^(?:trước|chậm nhất|hạn)?\s*(?:ngày\s+)?{_DAY}$", re.I), "day"),
    (re.compile(r"^(?:trong\s+)?tháng\s+(\d{1,2})\s*(?:/|năm\s+)(\d{4})$", re.I), "month"),
    (re.compile(r"^(?:cả\s+năm|năm|trong\s+năm)\s+(\d{4})$", re.I), "year"),
    (re.compile(r"^6\s+tháng\s+đầu\s+năm\s+(\d{4})$", re.I), "h1"),
    (re.compile(r"^6\s+tháng\s+cuối\s+năm\s+(\d{4})$", re.I), "h2"),
    (re.compile(rf"^(?:trong\s+)?{_QUARTER}$", re.I), "quarter"),
    (re.compile(rf"^từ\s+{_QUARTER}\s+đến\s+{_QUARTER}$", re.I), "quarters"),
    (re.compile(rf"^từ\s+(?:ngày\s+)?{_DAY}\s+đến\s+(?:ngày\s+)?{_DAY}$", re.I), "days"),
]


def parse_timeframe(text: str) -> Window | None:
    """The window a time frame text stands for, or ``None`` when no rule applies."""
    cleaned = " ".join(text.split()).rstrip(".;,")
    for pattern, kind in _RULES:
        m = pattern.match(cleaned)
        if m is None:
            continue
        g = m.groups()
        try:
            return _window(kind, g)
        except ValueError:
            return None  # e.g. 31/02/2023: a date that does not exist
    return None


def _window(kind: str, g: tuple[str, ...]) -> Window:
    if kind == "day":
        due = date(int(g[2]), int(g[1]), int(g[0]))
        return Window(None, due, (due.year,))
    if kind == "month":
        year, month = int(g[1]), int(g[0])
        return Window(date(year, month, 1), _month_end(year, month), (year,))
    if kind == "year":
        year = int(g[0])
        return Window(date(year, 1, 1), date(year, 12, 31), (year,))
    if kind in ("h1", "h2"):
        year = int(g[0])
        months = (1, 6) if kind == "h1" else (7, 12)
        return Window(date(year, months[0], 1), _month_end(year, months[1]), (year,))
    if kind == "quarter":
        start, due = _quarter(g[0], int(g[1]))
        return Window(start, due, (int(g[1]),))
    if kind == "quarters":
        start, _ = _quarter(g[0], int(g[1]))
        _, due = _quarter(g[2], int(g[3]))
        if due < start:
            raise ValueError("khoảng thời gian ngược")
        return Window(start, due, (int(g[1]), int(g[3])))
    # "days"
    start = date(int(g[2]), int(g[1]), int(g[0]))
    due = date(int(g[5]), int(g[4]), int(g[3]))
    if due < start:
        raise ValueError("khoảng thời gian ngược")
    return Window(start, due, (start.year, due.year))
