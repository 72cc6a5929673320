"""Read an administrative-reform plan as published (UTF-8 text, appendix table with tabs).

What is read:

- the heading ("KẾ HOẠCH" and the line after it: the unit and the year);
- section "II. CHỈ TIÊU CHỦ YẾU": the numbered targets and their indicators;
- section "III. NHIỆM VỤ, GIẢI PHÁP": the areas I–VII and the score line that closes each
  ("Phấn đấu năm 2023 đạt 10.5/11.5 điểm");
- the reporting rule ("gửi trước ngày 08 tháng cuối của quý") and the signer;
- the appendix "DANH MỤC": its document reference, section rows, numbered rows, sub-items
  "a) b) c)", header rows repeated at page breaks and rows continued after a page break.

Defects of the source are reported as warnings with their line number, never fixed silently
and never fatal: the officials who publish the plan are the ones to correct it. A text that is
not a plan at all (no appendix, no targets) is refused with a clear error.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from domain.errors import InvalidValue, NotFound
from planfile.directory import Directory, directory_for
from planfile.schema import (
    SCHEMA_ID,
    Area,
    Document,
    Indicator,
    PlanFile,
    ReportingPeriod,
    Signer,
    Source,
    Target,
    Task,
    TimeFrame,
    Warning,
)
from planfile.timeframes import parse_timeframe
from planfile.units import plan_code, qualified, unit_of

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
MAX_BYTES = 5_000_000  # a plan is a few dozen kilobytes; refuse anything absurd early

_SECTION = re.compile(r"^([IVX]+)\.\s+(.+)$")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.+)$")
_SCORE = re.compile(
    r"^(Phấn đấu|Phần đầu|Phấn đầu|Phần đấu)\s+năm\s+(\d{4})\s+đạt\s+"
    r"(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s+điểm\.?$",
    re.I,
)
_SUBITEM = re.compile(r"^([a-zđ])\)\s*(.+)$")
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
_RANK = re.compile(r"xếp hạng từ (\d+) đến (\d+) trên (\d+)")
_LEVELS = re.compile(r"cấp (huyện|xã|tỉnh|thành phố)")
_DUE_RULE = re.compile(r"gửi trước ngày (\d{1,2}) tháng cuối của quý")
_DOC = re.compile(
    r"Kế hoạch số\s*(\S*?)\s*/\s*KH-UBND\s+ngày\s*(\d*)\s*tháng\s*(\d*)\s*năm\s*(\d{4})"
)
_REPEATED = re.compile(r"\b(\w+(?:\s+\w+){1,4})\s+\1\b")

# Known slips of the pen: the written form, what was meant, the warning code.
_SLIPS = [
    ("Công Dịch vụ công", "Cổng Dịch vụ công", "typo"),
    ("Phần đầu", "Phấn đấu", "typo"),
    ("KSTTCH", "KSTTHC", "typo"),
]


@dataclass
class _Row:
    line: int
    cells: list[str]


@dataclass
class _State:
    warnings: list[Warning] = field(default_factory=list)

    def warn(self, line: int, code: str, message: str) -> None:
        self.warnings.append(Warning(line=line, code=code, message=message))


def read_plan_text(path: Path) -> tuple[str, str]:
    """The NFC text of a plan file and the sha256 of its bytes, with clear errors."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidValue(
                f"tệp {path.name} quá lớn ({size} byte; tối đa {MAX_BYTES})", field="file"
            )
        raw = path.read_bytes()
    except OSError as error:
        raise NotFound(f"không đọc được tệp {path}: {error.strerror}", field="file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidValue(
            f"tệp {path.name} không phải UTF-8 (byte lỗi ở vị trí {error.start})", field="file"
        ) from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text, hashlib.sha256(raw).hexdigest()


def parse_plan_text(path: Path, plan_id: str | None = None) -> PlanFile:
    """Parse the plan at ``path``; ``plan_id`` defaults to its unit and year as the text
    states them (``cat-hai-2023``), never to the file's name."""
    text, digest = read_plan_text(path)
    return parse_plan(text, file_name=path.name, sha256=digest, plan_id=plan_id)


def parse_plan(text: str, *, file_name: str, sha256: str, plan_id: str | None = None) -> PlanFile:
    text = unicodedata.normalize("NFC", text)
    lines = text.split("\n")
    state = _State()
    appendix_at = _find(lines, lambda s: s.strip() == "DANH MỤC")
    if appendix_at is None:
        raise InvalidValue("không tìm thấy phụ lục “DANH MỤC” trong tệp kế hoạch", field="file")
    body = lines[:appendix_at]
    unit, year, title = _heading(body)
    for number, line in enumerate(lines, start=1):
        _check_wording(state, number, line)
    targets = _targets(state, body)
    areas = _areas(state, body, year)
    directory = directory_for(unit)
    document, tasks = _appendix(state, lines, appendix_at, year, areas, directory)
    areas = _name_areas_from_appendix(areas, tasks, state, lines)
    reporting = _reporting(state, body, year)
    unit_code, unit_level = unit_of(unit)
    plan = PlanFile(
        schema=SCHEMA_ID,
        id=plan_id or plan_code(unit_code, year),
        unit=unit,
        unit_code=unit_code,
        unit_level=unit_level,
        year=year,
        title=title,
        document=document,
        signer=_signer(state, body),
        source=Source(file=file_name, sha256=sha256),
        areas=areas,
        targets=targets,
        agencies=directory.agencies,
        groups=directory.groups,
        tasks=tasks,
        reporting=reporting,
        warnings=sorted(state.warnings, key=lambda w: (w.line, w.code)),
    )
    return qualified(plan)


def _find(lines: list[str], predicate: Callable[[str], bool], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if predicate(lines[i])), None)


def _heading(body: list[str]) -> tuple[str, int, str]:
    at = _find(body, lambda s: s.strip().upper() == "KẾ HOẠCH")
    if at is None:
        raise InvalidValue("không tìm thấy tiêu đề “KẾ HOẠCH”", field="file")
    subject = next((s.strip() for s in body[at + 1 :] if s.strip()), "")
    m = re.search(r"((?:huyện|quận|thị xã|thành phố|xã|phường)\s+.+?)\s+năm\s+(\d{4})$", subject)
    if m is None:
        raise InvalidValue(
            f"tiêu đề “{subject}” không nêu đơn vị và năm (… huyện X năm 2023)", field="file"
        )
    unit = m.group(1)[:1].upper() + m.group(1)[1:]
    return unit, int(m.group(2)), f"Kế hoạch {subject[:1].lower()}{subject[1:]}"


def _check_wording(state: _State, number: int, line: str) -> None:
    for written, meant, code in _SLIPS:
        if written in line:
            state.warn(number, code, f"“{written}” có lẽ là “{meant}”")
    for m in _REPEATED.finditer(line):
        state.warn(number, "repeated_words", f"cụm từ lặp lại: “{m.group(0)}”")


def _section_lines(body: list[str], roman: str) -> list[tuple[int, str]]:
    """Lines (1-based number, text) of the top-level section ``roman`` of the body."""
    out: list[tuple[int, str]] = []
    inside = False
    for i, raw in enumerate(body, start=1):
        m = _SECTION.match(raw.strip())
        if m and m.group(2).isupper():
            inside = m.group(1) == roman
            continue
        if inside:
            out.append((i, raw.strip()))
    return out


# --- targets -------------------------------------------------------------------------------


def _targets(state: _State, body: list[str]) -> list[Target]:
    targets: list[Target] = []
    for line, text in _section_lines(body, "II"):
        m = _NUMBERED.match(text)
        if m is None:
            continue
        number, wording = int(m.group(1)), m.group(2)
        indicators = _indicators(state, line, number, wording)
        if not indicators:
            state.warn(line, "no_indicator", f"chỉ tiêu {number} không nêu con số đo được")
        targets.append(Target(number=number, text=wording, line=line, indicators=indicators))
    if not targets:
        raise InvalidValue("không tìm thấy chỉ tiêu nào ở mục “II. CHỈ TIÊU CHỦ YẾU”", field="file")
    return targets


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ0-9])", text) if s.strip()]


def _label(sentence: str, limit: int = 160) -> str:
    sentence = sentence.rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _indicators(state: _State, line: int, number: int, text: str) -> list[Indicator]:
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


# --- areas and scores ----------------------------------------------------------------------


def _areas(state: _State, body: list[str], year: int) -> list[Area]:
    areas: list[Area] = []
    current: tuple[int, str, int] | None = None  # (number, name, line)
    for line, text in _section_lines(body, "III"):
        numbered = _NUMBERED.match(text)
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


def _name_areas_from_appendix(
    areas: list[Area], tasks: list[Task], state: _State, lines: list[str]
) -> list[Area]:
    names: dict[str, tuple[str, int]] = {}
    for i, raw in enumerate(lines, start=1):
        m = _SECTION.match(raw.split("\t", 1)[0].strip())
        if m and "\t" in raw:
            names.setdefault(m.group(1), (m.group(2).strip(), i))
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


def _reporting(state: _State, body: list[str], year: int) -> list[ReportingPeriod]:
    """Q1, Q2, H1, Q3, Q4 and the year, with their data windows and due dates.

    Data window: Decree 09/2019/NĐ-CP on reporting regimes, art. 12: a quarterly report covers
    the 15th of the month before the period to the 14th of its last month; six-monthly and
    yearly reports run from 15 December of the previous year. Due: "trước ngày 08 tháng cuối
    của quý", i.e. by the 7th of the period's last month.
    """
    due_day = 8
    rule_line = 1
    for i, raw in enumerate(body, start=1):
        m = _DUE_RULE.search(raw)
        if m:
            due_day, rule_line = int(m.group(1)), i
            break
    else:
        state.warn(1, "no_reporting_rule", "không tìm thấy hạn gửi báo cáo; mặc định trước ngày 08")
    periods = [
        ("Q1", f"Quý I năm {year}", 1, 3, (year - 1, 12)),
        ("Q2", f"Quý II năm {year}", 4, 6, (year, 3)),
        ("H1", f"6 tháng đầu năm {year}", 1, 6, (year - 1, 12)),
        ("Q3", f"Quý III năm {year}", 7, 9, (year, 6)),
        ("Q4", f"Quý IV năm {year}", 10, 12, (year, 9)),
        ("Y", f"Năm {year}", 1, 12, (year - 1, 12)),
    ]
    out: list[ReportingPeriod] = []
    for code, name, first, last, (from_year, from_month) in periods:
        end = date(year, last, 1) + timedelta(days=31)
        out.append(
            ReportingPeriod.model_validate(
                {
                    "code": code,
                    "name": name,
                    "start": date(year, first, 1),
                    "end": end.replace(day=1) - timedelta(days=1),
                    "cutoff_from": date(from_year, from_month, 15),
                    "cutoff_to": date(year, last, 14),
                    "due": date(year, last, due_day) - timedelta(days=1),
                }
            )
        )
    if due_day <= 14:
        state.warn(
            rule_line,
            "reporting_due_before_cutoff",
            f"báo cáo phải gửi trước ngày {due_day:02d} tháng cuối của quý, trước ngày chốt số "
            "liệu 14 của tháng đó (Nghị định 09/2019/NĐ-CP, Điều 12): số liệu từ ngày "
            f"{due_day:02d} đến 14 là ước tính",
        )
    return out


# --- signer ----------------------------------------------------------------------------------


def _signer(state: _State, body: list[str]) -> Signer:
    at = _find(body, lambda s: s.strip().lstrip("*").upper().startswith("TM."))
    if at is None:
        state.warn(len(body), "no_signer", "không tìm thấy phần ký (TM. …)")
        return Signer(name="", title="")
    rest = [s.strip().strip("*").strip() for s in body[at + 1 :] if s.strip()]
    if len(rest) < 2:
        state.warn(at + 1, "no_signer", "phần ký thiếu chức danh hoặc họ tên")
        return Signer(name="", title="")
    return Signer(name=rest[1], title=rest[0].capitalize())


# --- appendix --------------------------------------------------------------------------------


def _appendix(
    state: _State,
    lines: list[str],
    at: int,
    year: int,
    areas: list[Area],
    directory: Directory,
) -> tuple[Document, list[Task]]:
    document = _document(state, lines, at)
    # Table rows carry tabs; a section row may lose its empty cells (and so its tabs).
    rows = [
        _Row(i + 1, [c.strip() for c in lines[i].split("\t")])
        for i in range(at + 1, len(lines))
        if "\t" in lines[i] or _SECTION.match(lines[i].strip())
    ]
    header: list[str] | None = None
    area: str | None = None
    tasks: list[Task] = []
    raw: dict[str, dict[str, object]] = {}  # number -> fields being assembled
    order: list[str] = []
    parent: str | None = None
    last: str | None = None
    for row in rows:
        cells = row.cells + [""] * (6 - len(row.cells))
        if cells[0] == "TT":
            if header is not None and cells != header:
                state.warn(row.line, "header_changed", "dòng tiêu đề bảng lặp lại khác lần đầu")
            header = header or cells
            continue
        if len(row.cells) > 6 and any(row.cells[6:]):
            state.warn(row.line, "extra_columns", "dòng có nhiều hơn 6 cột; phần thừa bị bỏ qua")
        section = _SECTION.match(cells[0])
        if section and not any(cells[1:]):
            area, parent, last = section.group(1), None, None
            continue
        if area is None:
            state.warn(row.line, "row_outside_section", "dòng nằm ngoài mục lĩnh vực nào")
            continue
        if cells[0].isdigit():
            number = cells[0]
            parent = number if not any(cells[2:]) else None
            if number in raw:
                state.warn(row.line, "duplicate_number", f"số thứ tự {number} bị lặp")
                number = f"{number}-{row.line}"
            raw[number] = _fields(row, cells, area, None)
            order.append(number)
            last = number
            continue
        sub = _SUBITEM.match(cells[1]) if not cells[0] else None
        if sub and parent is not None:
            letter = sub.group(1)
            number = f"{parent}.{letter}"
            siblings = [n for n in order if raw[n]["parent"] == parent]
            previous = siblings[-1].rsplit(".", 1)[1] if siblings else None
            expected = _next_letter(previous)
            if letter != expected:
                state.warn(
                    row.line,
                    "missing_subitem",
                    f"nhiệm vụ {parent}: mục {letter}) đứng đầu danh sách mục con, "
                    f"thiếu mục {expected})"
                    if not siblings
                    else f"nhiệm vụ {parent}: sau mục {previous}) là {letter}), "
                    f"thiếu mục {expected})",
                )
            raw[number] = _fields(row, [number, sub.group(2), *cells[2:]], area, parent)
            order.append(number)
            last = number
            continue
        if not cells[0] and last is not None:
            # A row continued after a page break: the cells add to the row above.
            state.warn(row.line, "row_continued", f"nhiệm vụ {last} tiếp tục sau ngắt trang")
            target = raw[last]
            for index, key in (
                (1, "content"),
                (2, "lead_text"),
                (3, "coordinating_text"),
                (4, "timeframe"),
                (5, "product"),
            ):
                if cells[index]:
                    target[key] = f"{target[key]} {cells[index]}".strip()
            continue
        state.warn(row.line, "unreadable_row", "không đọc được dòng này của bảng")
    if header is None:
        raise InvalidValue(
            "phụ lục không có dòng tiêu đề bảng (TT, Nội dung công việc, …)", field="file"
        )
    scored = {a.code for a in areas}
    for number in order:
        tasks.append(_task(state, raw[number], number, year, directory, scored))
    if not tasks:
        raise InvalidValue("phụ lục không có nhiệm vụ nào", field="file")
    return document, tasks


_LETTERS = "abcdđeghiklmnopqrstuvxy"  # the Vietnamese alphabet used to list sub-items


def _next_letter(previous: str | None) -> str:
    if previous is None:
        return "a"
    index = _LETTERS.find(previous)
    return _LETTERS[index + 1] if 0 <= index < len(_LETTERS) - 1 else "?"


def _fields(row: _Row, cells: list[str], area: str, parent: str | None) -> dict[str, object]:
    return {
        "line": row.line,
        "area": area,
        "parent": parent,
        "content": cells[1],
        "lead_text": cells[2],
        "coordinating_text": cells[3],
        "timeframe": cells[4],
        "product": cells[5],
    }


def _task(
    state: _State,
    f: dict[str, object],
    number: str,
    year: int,
    directory: Directory,
    scored: set[str],
) -> Task:
    line = int(str(f["line"]))
    content = str(f["content"])
    is_heading = not any(str(f[k]) for k in ("lead_text", "coordinating_text", "timeframe"))
    lead = directory.resolve(str(f["lead_text"]))
    coordinating = directory.resolve(str(f["coordinating_text"]))
    for role, res in (("chủ trì", lead), ("phối hợp", coordinating)):
        for name in res.unknown:
            state.warn(
                line,
                "unknown_agency",
                f"nhiệm vụ {number}: cơ quan {role} “{name}” chưa có trong danh bạ; "
                "đã thêm, cần xác nhận loại cơ quan",
            )
        for written, proper in res.miscased:
            state.warn(
                line,
                "agency_case",
                f"nhiệm vụ {number}: tên cơ quan {role} “{written}” viết sai chữ hoa, "
                f"đúng là “{proper}”",
            )
        if res.trailing == ",":
            state.warn(
                line, "trailing_comma", f"nhiệm vụ {number}: dấu phẩy thừa cuối ô cơ quan {role}"
            )
    if not is_heading and not lead.codes:
        state.warn(line, "no_lead", f"nhiệm vụ {number} không có cơ quan chủ trì")
    product = str(f["product"])
    if product.endswith(","):
        state.warn(line, "trailing_comma", f"nhiệm vụ {number}: dấu phẩy thừa cuối ô sản phẩm")
        product = product.rstrip(", ")
    if not is_heading and not product:
        state.warn(line, "empty_product", f"nhiệm vụ {number} không nêu sản phẩm")
    timeframe = _timeframe(state, line, number, str(f["timeframe"]), year, is_heading)
    if missing := re.search(r"\d+% chuyên môn", content):
        state.warn(
            line,
            "missing_word",
            f"nhiệm vụ {number}: “{missing.group(0)}” thiếu từ “cơ quan” (… % cơ quan chuyên môn)",
        )
    if "địa bàn thành phố" in content:
        state.warn(
            line,
            "scope_mismatch",
            f"nhiệm vụ {number} (kế hoạch cấp huyện) nêu “trên địa bàn thành phố”",
        )
    return Task(
        number=number,
        parent=str(f["parent"]) if f["parent"] else None,
        area=str(f["area"]),
        content=content,
        lead_text=str(f["lead_text"]),
        coordinating_text=str(f["coordinating_text"]),
        lead=lead.codes,
        coordinating=coordinating.codes,
        timeframe=timeframe,
        product=product,
        line=line,
    )


def _timeframe(
    state: _State, line: int, number: str, text: str, year: int, is_heading: bool
) -> TimeFrame:
    if not text:
        if not is_heading:
            state.warn(line, "no_timeframe", f"nhiệm vụ {number} không nêu thời gian thực hiện")
        return TimeFrame(text="", start=None, due=None)
    window = parse_timeframe(text)
    if window is None:
        state.warn(
            line,
            "unreadable_timeframe",
            f"nhiệm vụ {number}: không hiểu thời gian “{text}”; chưa có hạn",
        )
        return TimeFrame(text=text, start=None, due=None)
    if year not in window.years:
        state.warn(
            line,
            "year_mismatch",
            f"nhiệm vụ {number}: thời gian “{text}” không thuộc năm kế hoạch {year}; "
            "giữ nguyên như văn bản, cần xác nhận",
        )
    return TimeFrame(text=text, start=window.start, due=window.due)


def _document(state: _State, lines: list[str], at: int) -> Document:
    for i in range(at, min(at + 6, len(lines))):
        m = _DOC.search(lines[i])
        if m is None:
            continue
        reference = lines[i].strip().strip("()")
        ref = m.group(0)
        number = f"{m.group(1)}/KH-UBND" if m.group(1) else None
        if number is None:
            state.warn(i + 1, "blank_document_number", f"số văn bản để trống: “{ref}”")
        day, month, year = m.group(2), m.group(3), int(m.group(4))
        issued: date | None = None
        if day and month:
            try:
                issued = date(year, int(month), int(day))
            except ValueError:
                state.warn(i + 1, "invalid_document_date", f"ngày ban hành không có thật: “{ref}”")
        else:
            state.warn(i + 1, "blank_document_date", f"ngày ban hành để trống: “{ref}”")
        return Document(text=reference, number=number, date=issued)
    state.warn(at + 1, "no_document_reference", "phụ lục không nêu kế hoạch ban hành kèm theo")
    return Document(text="", number=None, date=None)
