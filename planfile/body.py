"""The body of a plan around its tables: the heading (unit and year), the areas of "III.
NHIỆM VỤ, GIẢI PHÁP" with their score lines, the reporting rule and the signature block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from planfile.reading import (
    NUMBERED,
    ROMAN,
    ParseState,
    PlanRefused,
    find,
    section_lines,
    section_titled,
)
from planfile.schema import Area, ReportingPeriod, Signer, Task
from rules.reporting import plan_periods, provisional_span

_SCORE = re.compile(
    r"^(Phấn đấu|Phần đầu|Phấn đầu|Phần đấu)\s+năm\s+(\d{4})\s+đạt\s+"
    r"(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s+điểm\.?$",
    re.I,
)
_DUE_RULE = re.compile(r"gửi trước ngày (\d{1,2}) tháng cuối của quý")

_SIGNATURE = re.compile(r"^(TM|KT|Q|TL)\.\s*\S", re.I)


@dataclass(frozen=True)
class Heading:
    unit: str  # "Huyện Cát Hải", "Tỉnh Bắc Ninh"
    year: int
    title: str
    department: str | None = None  # "Sở Nội vụ" for a department's plan
    province: str | None = None  # "Tỉnh Phú Thọ" where the text names the unit's province
    line: int = 0  # the heading's line (1-based), for warnings about what it names
    province_line: int = 0  # the line naming the province (the heading's, or the block's above)


_UNIT_WORDS = r"(?:huyện|quận|thị xã|thành phố|tỉnh|đặc khu|thị trấn|xã|phường)"
_HEADING = re.compile(rf"({_UNIT_WORDS}\s+.+?)\s+năm\s+(\d{{4}})$")
_DEPARTMENT = re.compile(r"(Sở\s+.+?)\s+((?:tỉnh|thành phố)\s+.+?)\s+năm\s+(\d{4})$")
# "xã Tân Lập, tỉnh Phú Thọ" in the heading; "UBND TỈNH PHÚ THỌ" above the unit's own name in
# the issuing body's block at the top.
_PROVINCE_AFTER = re.compile(r"^(.+?),?\s+((?:tỉnh|thành phố)\s+\S.*)$", re.I)
_PROVINCE_ABOVE = re.compile(
    r"^(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+)?((?:tỉnh|thành phố)\s+\S.*)$", re.I
)
_BELOW_PROVINCE = re.compile(r"^(?:huyện|quận|thị xã|đặc khu|thị trấn|xã|phường)\s", re.I)


def read_heading(body: list[str]) -> Heading:
    """The unit and year from the line after "KẾ HOẠCH" ("Cải cách hành chính huyện Cát Hải
    năm 2023"); a department's plan names its department and province ("… của Sở Nội vụ tỉnh
    Bắc Ninh năm 2024"). A plan issued as the annex of a Decision has its own "KẾ HOẠCH"
    heading after the Decision's articles; the Decision's text is not read."""
    at = find(body, lambda s: s.strip().upper() == "KẾ HOẠCH")
    if at is None:
        raise PlanRefused(len(body), "không tìm thấy tiêu đề “KẾ HOẠCH”")
    subject_at = next((i for i in range(at + 1, len(body)) if body[i].strip()), at)
    subject = body[subject_at].strip()
    title = f"Kế hoạch {subject[:1].lower()}{subject[1:]}"
    if dept := _DEPARTMENT.search(subject):
        unit = dept.group(2)[:1].upper() + dept.group(2)[1:]
        return Heading(
            unit, int(dept.group(3)), title, department=dept.group(1), line=subject_at + 1
        )
    m = _HEADING.search(subject)
    if m is None:
        raise PlanRefused(
            subject_at + 1,
            f"tiêu đề “{subject}” không nêu đơn vị và năm (… huyện X năm 2023, "
            "… xã Y năm 2024, … của Sở Z tỉnh T năm 2024)",
        )
    unit, province, province_line = m.group(1), None, 0
    if _BELOW_PROVINCE.match(unit):
        named = _PROVINCE_AFTER.match(unit)
        if named:
            unit, province, province_line = named.group(1), named.group(2), subject_at + 1
        else:
            province, province_line = _province_above(body[:at])
    unit = unit[:1].upper() + unit[1:]
    return Heading(
        unit,
        int(m.group(2)),
        title,
        province=province,
        line=subject_at + 1,
        province_line=province_line,
    )


def _province_above(top: list[str]) -> tuple[str | None, int]:
    """The province the issuing body's block names ("UBND TỈNH PHÚ THỌ" over "ỦY BAN NHÂN
    DÂN XÃ TÂN LẬP"), as plans write a province: "Tỉnh Phú Thọ", with its line (1-based; 0
    for none). The block is the capitals at the top of the text, before its first empty line;
    prose further down is not read."""
    started = False
    for number, line in enumerate(top, start=1):
        if not started and not line.strip():
            continue  # the blank lines before the block
        if started and line == "":
            break
        started = True
        found = _PROVINCE_ABOVE.match(line.strip()) if line.isupper() else None
        if found:
            words = found.group(1).split()
            level = 1 if words[0].casefold() == "tỉnh" else 2
            name = " ".join(
                [" ".join(words[:level]).capitalize()] + [w.capitalize() for w in words[level:]]
            )
            return name, number
    return None, 0


def read_areas(state: ParseState, body: list[str], year: int) -> list[Area]:
    areas: list[Area] = []
    current: tuple[int, str, int] | None = None  # (number, name, line)
    roman = section_titled(body, ("NHIỆM VỤ",), "III")
    for line, text in section_lines(body, roman):
        numbered = NUMBERED.match(text)
        if numbered and len(numbered.group(2)) < 120:
            current = (int(numbered.group(1)), numbered.group(2).rstrip("."), line)
            continue
        score = _SCORE.match(text)
        if score is None:
            continue
        if current is None:
            state.warn(line, "score_without_area", "dòng điểm không thuộc lĩnh vực nào")
            continue
        if int(score.group(2)) != year:
            state.warn(
                line, "year_mismatch", f"dòng điểm nêu năm {score.group(2)}, kế hoạch năm {year}"
            )
        target = Decimal(score.group(3).replace(",", "."))
        maximum = Decimal(score.group(4).replace(",", "."))
        if target > maximum:
            state.warn(
                line, "score_above_max", f"điểm phấn đấu {target} vượt điểm tối đa {maximum}"
            )
        number, name, _ = current
        areas.append(
            Area(
                code=ROMAN[number - 1],
                name=name,
                target_score=target,
                max_score=maximum,
                line=line,
            )
        )
        current = None
    if not areas:
        state.warn(1, "no_area_scores", "không tìm thấy điểm phấn đấu của lĩnh vực nào")
    return areas


def name_areas_from_appendix(
    areas: list[Area], tasks: list[Task], state: ParseState, names: dict[str, tuple[str, int]]
) -> list[Area]:
    """Areas named as the appendix names them, where that differs from the body."""
    known = {a.code for a in areas}
    for code in sorted({t.area for t in tasks} - known, key=ROMAN.index):
        state.warn(
            names[code][1],
            "area_without_score",
            f"lĩnh vực {code} có nhiệm vụ nhưng thân kế hoạch không nêu điểm",
        )
    return [
        a.model_copy(update={"appendix_name": names[a.code][0]})
        if a.code in names and names[a.code][0] != a.name
        else a
        for a in areas
    ]


# --- reporting calendar ---------------------------------------------------------------------


def reporting_calendar(
    state: ParseState, body: list[str], year: int, unit_level: str | None = None
) -> list[ReportingPeriod]:
    """Q1, Q2, H1, Q3, Q4 and the year, with their data windows and due dates, under the
    reporting rule version in force for the unit's level (``rules.reporting``). The plan sets
    the deadline: "trước ngày 08 tháng cuối của quý" is due by the 7th."""
    due_day: int | None = None
    rule_line = 1
    for i, raw in enumerate(body, start=1):
        m = _DUE_RULE.search(raw)
        if m:
            due_day, rule_line = int(m.group(1)), i
            break
    else:
        state.warn(1, "no_reporting_rule", "không tìm thấy hạn gửi báo cáo; mặc định trước ngày 08")
    periods = [ReportingPeriod.model_validate(p) for p in plan_periods(year, unit_level, due_day)]
    early = [p for p in periods if provisional_span(p.due_effective or p.due, p.cutoff_to)]
    if early:
        p = early[0]
        state.warn(
            rule_line,
            "reporting_due_before_cutoff",
            f"báo cáo phải gửi trước ngày {p.due.day + 1:02d} tháng cuối của quý, trước ngày chốt "
            "số liệu 14 của tháng đó (Nghị định 09/2019/NĐ-CP, Điều 12): báo cáo vẫn theo kỳ "
            "số liệu của Nghị định; số liệu từ sau hạn gửi đến ngày 14 là những gì sổ cái biết "
            "khi lập báo cáo (ước tính)",
        )
    return periods


# --- signer ----------------------------------------------------------------------------------


def read_signer(state: ParseState, body: list[str]) -> Signer:
    """The signature block before the appendix ("TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / name").

    A plan without one is refused: an unsigned text is a draft, or a file cut short, and
    importing it would record what nobody issued."""
    at = find(body, lambda s: _SIGNATURE.match(s.strip().lstrip("*")) is not None)
    if at is None:
        raise PlanRefused(
            len(body),
            "không tìm thấy phần ký (TM. …, KT. …) trước phụ lục: văn bản chưa ký "
            "hoặc tệp không đầy đủ",
        )
    rest = [s.strip().strip("*").strip() for s in body[at + 1 :] if s.strip()]
    if len(rest) < 2:
        raise PlanRefused(at + 1, "phần ký thiếu chức danh hoặc họ tên người ký")
    return Signer(name=rest[1], title=rest[0].capitalize())
