"""The appendix "DANH MỤC": its document reference and its table of tasks (section rows,
numbered rows, sub-items "a) b) c)", header rows repeated at page breaks, rows continued after
a page break)."""

from __future__ import annotations

import re
from datetime import date

from domain.errors import InvalidValue
from planfile.directory import Directory
from planfile.reading import SECTION, ParseState, Row
from planfile.schema import Area, Document, Task
from planfile.tasks import build_task

_SUBITEM = re.compile(r"^([a-zđ])\)\s*(.+)$")
_DOC = re.compile(
    r"Kế hoạch số\s*(\S*?)\s*/\s*KH-UBND\s+ngày\s*(\d*)\s*tháng\s*(\d*)\s*năm\s*(\d{4})"
)


def read_appendix(
    state: ParseState,
    lines: list[str],
    at: int,
    year: int,
    areas: list[Area],
    directory: Directory,
) -> tuple[Document, list[Task]]:
    document = read_document(state, lines, at)
    # Table rows carry tabs; a section row may lose its empty cells (and so its tabs).
    rows = [
        Row(i + 1, [c.strip() for c in lines[i].split("\t")])
        for i in range(at + 1, len(lines))
        if "\t" in lines[i] or SECTION.match(lines[i].strip())
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
        section = SECTION.match(cells[0])
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
        tasks.append(build_task(state, raw[number], number, year, directory, scored))
    if not tasks:
        raise InvalidValue("phụ lục không có nhiệm vụ nào", field="file")
    return document, tasks


_LETTERS = "abcdđeghiklmnopqrstuvxy"  # the Vietnamese alphabet used to list sub-items


def _next_letter(previous: str | None) -> str:
    if previous is None:
        return "a"
    index = _LETTERS.find(previous)
    return _LETTERS[index + 1] if 0 <= index < len(_LETTERS) - 1 else "?"


def _fields(row: Row, cells: list[str], area: str, parent: str | None) -> dict[str, object]:
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


def read_document(state: ParseState, lines: list[str], at: int) -> Document:
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
