"""What every part of the plan reader shares: the warnings being gathered, table rows, the
section headings of the body ("II. CHỈ TIÊU CHỦ YẾU") and the checks of wording that apply to
every line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.errors import InvalidValue
from planfile.schema import Warning

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
MAX_BYTES = 5_000_000  # a plan is a few dozen kilobytes; refuse anything absurd early

SECTION = re.compile(r"^([IVX]+)\.\s+(.+)$")
NUMBERED = re.compile(r"^(\d+)\.\s+(.+)$")

_REPEATED = re.compile(r"\b(\w+(?:\s+\w+){1,4})\s+\1\b")

# Known slips of the pen: the written form, what was meant, the warning code.
_SLIPS = [
    ("Công Dịch vụ công", "Cổng Dịch vụ công", "typo"),
    ("Phần đầu", "Phấn đấu", "typo"),
    ("KSTTCH", "KSTTHC", "typo"),
]


class PlanRefused(InvalidValue):
    """A text that cannot be taken as a whole plan (cut short, a part missing, a layout that
    would need a guess): refused before anything is written, naming the line."""

    code = "plan_refused"

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"dòng {line}: {reason}", field="file")
        self.line = line


@dataclass
class Row:
    line: int
    cells: list[str]


@dataclass
class ParseState:
    warnings: list[Warning] = field(default_factory=list)
    absent: set[str] = field(default_factory=set)  # task fields the table has no column for

    def warn(self, line: int, code: str, message: str) -> None:
        self.warnings.append(Warning(line=line, code=code, message=message))


def find(lines: list[str], predicate: Callable[[str], bool], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if predicate(lines[i])), None)


def check_wording(state: ParseState, number: int, line: str) -> None:
    for written, meant, code in _SLIPS:
        if written in line:
            state.warn(number, code, f"“{written}” có lẽ là “{meant}”")
    for m in _REPEATED.finditer(line):
        state.warn(number, "repeated_words", f"cụm từ lặp lại: “{m.group(0)}”")


def section_lines(body: list[str], roman: str) -> list[tuple[int, str]]:
    """Lines (1-based number, text) of the top-level section ``roman`` of the body."""
    out: list[tuple[int, str]] = []
    inside = False
    for i, raw in enumerate(body, start=1):
        m = SECTION.match(raw.strip())
        if m and m.group(2).isupper():
            inside = m.group(1) == roman
            continue
        if inside:
            out.append((i, raw.strip()))
    return out


def section_titled(body: list[str], words: tuple[str, ...], default: str) -> str:
    """The numeral of the body's first top-level section whose title holds one of ``words``
    ("MỤC TIÊU" or "CHỈ TIÊU"), or ``default`` when no title does."""
    titles = [m for raw in body if (m := SECTION.match(raw.strip())) and m.group(2).isupper()]
    for word in words:  # in order of preference: "I. MỤC TIÊU" yields to "II. CHỈ TIÊU"
        for m in titles:
            if word in m.group(2):
                return m.group(1)
    return default
