"""Section "II. CHỈ TIÊU CHỦ YẾU": the numbered targets and the indicators their sentences give."""

from __future__ import annotations

import re
from decimal import Decimal

from planfile.reading import NUMBERED, ParseState, PlanRefused, section_lines, section_titled
from planfile.schema import Indicator, Target

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
_RANK = re.compile(r"xếp hạng từ (\d+) đến (\d+) trên (\d+)")
_LEVELS = re.compile(r"cấp (huyện|xã|tỉnh|thành phố)")


_BRACKETED = re.compile(r"^\((\d+)\)\s*(.+)$")


def read_targets(state: ParseState, body: list[str]) -> list[Target]:
    """The numbered targets of the section titled "CHỈ TIÊU" or "MỤC TIÊU". Targets numbered
    "(1) … (12)" are the targets when there are any; the "1. 2." lines are then the section's
    own headings ("1. Mục tiêu chung", "2. Chỉ tiêu cụ thể")."""
    roman = section_titled(body, ("CHỈ TIÊU", "MỤC TIÊU"), "II")
    lines = section_lines(body, roman)
    pattern = NUMBERED if not any(_BRACKETED.match(t) for _, t in lines) else _BRACKETED
    targets: list[Target] = []
    for line, text in lines:
        m = pattern.match(text)
        if m is None:
            continue
        number, wording = int(m.group(1)), m.group(2)
        indicators = _indicators(state, line, number, wording)
        if not indicators:
            state.warn(line, "no_indicator", f"chỉ tiêu {number} không nêu con số đo được")
        targets.append(Target(number=number, text=wording, line=line, indicators=indicators))
    if not targets:
        raise PlanRefused(
            max(1, len(body)),
            f"không tìm thấy chỉ tiêu nào ở mục “{roman}. CHỈ TIÊU” (hoặc “MỤC TIÊU”) "
            "của thân kế hoạch",
        )
    return targets


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ0-9])", text) if s.strip()]


def _label(sentence: str, limit: int = 160) -> str:
    sentence = sentence.rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _indicators(state: ParseState, line: int, number: int, text: str) -> list[Indicator]:
    found: list[Indicator] = []

    def add(label: str, threshold: Decimal, **extra: object) -> None:
        code = f"{number}{chr(ord('a') + len(found))}"
        found.append(
            Indicator.model_validate(
                {
                    "code": code,
                    "label": label,
                    "kind": "percentage",
                    "comparator": ">=",
                    "threshold": threshold,
                    "unit": "%",
                    **extra,
                }
            )
        )

    for sentence in _sentences(text):
        rank = _RANK.search(sentence)
        if rank:
            low, high, of = (int(g) for g in rank.groups())
            indexes = re.findall(r"\(([A-Za-z][A-Za-z ]*)\)", sentence) or [None]
            for index in indexes:
                found.append(
                    Indicator(
                        code=f"{number}{chr(ord('a') + len(found))}",
                        label=f"Xếp hạng {index}" if index else _label(sentence),
                        kind="rank_range",
                        comparator="between",
                        threshold=Decimal(low),
                        upper=Decimal(high),
                        unit=f"hạng/{of}",
                    )
                )
            continue
        figures = [Decimal(p.replace(",", ".")) for p in _PERCENT.findall(sentence)]
        if not figures:
            continue
        levels = _LEVELS.findall(sentence)
        if "nhiệm vụ cụ thể trong Kế hoạch" in sentence:
            add(_label(sentence), figures[0], derived_from="tasks_completed_on_time")
        elif "kiểm tra" in sentence and "cơ quan chuyên môn" in sentence and "xã" in sentence:
            # One figure for two populations: each is a target of its own (DESIGN: target 5).
            add(
                "Tỷ lệ cơ quan chuyên môn thuộc UBND huyện được kiểm tra",
                figures[0],
                level="cấp huyện",
                derived_from="specialised_offices_inspected",
            )
            add(
                "Tỷ lệ UBND các xã, thị trấn được kiểm tra",
                figures[0],
                level="cấp xã",
                derived_from="communes_inspected",
            )
        elif len(levels) >= 2 and len(figures) >= 2:
            if len(figures) != len(levels):
                state.warn(
                    line,
                    "figures_levels_mismatch",
                    f"chỉ tiêu {number} nêu {len(figures)} tỷ lệ "
                    f"({', '.join(f'{f}%' for f in figures)}) cho {len(levels)} cấp "
                    f"({', '.join('cấp ' + lv for lv in levels)}); "
                    f"lấy {len(levels)} tỷ lệ cuối theo thứ tự các cấp, cần xác nhận",
                )
            for level, figure in zip(levels, figures[-len(levels) :], strict=True):
                add(f"{_label(sentence, 120)} (cấp {level})", figure, level=f"cấp {level}")
        else:
            for figure in figures:
                add(_label(sentence), figure)
    return found
