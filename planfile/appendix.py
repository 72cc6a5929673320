"""The appendix "DANH MỤC": its document reference and its table of tasks (section rows,
numbered rows, sub-items "a) b) c)", header rows repeated at page breaks, rows continued after
a page break)."""

from __future__ import annotations

import re
from datetime import date

from planfile.directory import Directory
from planfile.layouts import TableRow, flattened_rows, layout_of, prose_rows, tabbed_rows
from planfile.reading import ParseState, PlanRefused
from planfile.schema import Area, Document, Task
from planfile.tasks import build_task

_SUBITEM = re.compile(r"^([a-zđ])\)\s*(.+)$")
_DOC = re.compile(
    r"(?:Kế hoạch|Quyết định) số\s*(\S*?)\s*/\s*((?:KH|QĐ)-[\wĐ]+)\s+ngày\s*"
    r"(?:(\d*)\s*tháng\s*(\d*)\s*năm\s*|(\d{1,2})/(\d{1,2})/)(\d{4})"
)


def read_appendix(
    state: ParseState,
    lines: list[str],
    at: int,
    year: int,
    areas: list[Area],
    directory: Directory,
) -> tuple[Document, list[Task], dict[str, tuple[str, int]]]:
    """The document reference, the tasks, and each section's name and line as the appendix
    writes them."""
    document = read_document(state, lines, at)
    reader = {"tabbed": tabbed_rows, "flattened": flattened_rows, "prose": prose_rows}
    rows = reader[layout_of(lines, at + 1)](state, lines, at + 1)
    if not any(r.kind == "header" for r in rows):
        raise PlanRefused(
            len(lines), "phụ lục không có dòng tiêu đề bảng (TT, Nội dung công việc, …)"
        )
    table = _Table(state)
    for row in rows:
        table.add(row)
    table.check_complete(lines, areas)
    scored = {a.code for a in areas}
    tasks = [build_task(state, table.raw[n], n, year, directory, scored) for n in table.order]
    return document, tasks, table.names


class _Table:
    """The tasks being assembled from the rows, in order, with their sub-items."""

    def __init__(self, state: ParseState) -> None:
        self.state = state
        self.raw: dict[str, dict[str, object]] = {}  # number -> fields being assembled
        self.order: list[str] = []
        self.sections: list[tuple[str, int]] = []  # (numeral, line)
        self.names: dict[str, tuple[str, int]] = {}  # numeral -> (name, line), first seen
        self.area: str | None = None
        self.parent: str | None = None
        self.last: str | None = None

    def add(self, row: TableRow) -> None:
        if row.kind == "header":
            return
        if row.kind == "section":
            self.area, self.parent, self.last = row.cells[0], None, None
            self.sections.append((row.cells[0], row.line))
            self.names.setdefault(row.cells[0], (row.cells[1].strip(), row.line))
            return
        cells = row.cells
        if self.area is None:
            self.state.warn(row.line, "row_outside_section", "dòng nằm ngoài mục lĩnh vực nào")
        elif cells[0].isdigit():
            self._numbered(row, cells, self.area)
        elif (sub := _SUBITEM.match(cells[1])) and not cells[0] and self.parent is not None:
            self._subitem(row, cells, sub, self.area, self.parent)
        elif not cells[0] and self.last is not None:
            self._continued(row, cells, self.last)
        else:
            self.state.warn(row.line, "unreadable_row", "không đọc được dòng này của bảng")

    def _numbered(self, row: TableRow, cells: list[str], area: str) -> None:
        number = cells[0]
        self.parent = number if not any(cells[2:]) else None
        if number in self.raw:
            self.state.warn(row.line, "duplicate_number", f"số thứ tự {number} bị lặp")
            number = f"{number}-{row.line}"
        self.raw[number] = _fields(row.line, cells, area, None)
        self.order.append(number)
        self.last = number

    def _subitem(
        self, row: TableRow, cells: list[str], sub: re.Match[str], area: str, parent: str
    ) -> None:
        letter = sub.group(1)
        number = f"{parent}.{letter}"
        siblings = [n for n in self.order if self.raw[n]["parent"] == parent]
        previous = siblings[-1].rsplit(".", 1)[1] if siblings else None
        expected = _next_letter(previous)
        if letter != expected:
            self.state.warn(
                row.line,
                "missing_subitem",
                f"nhiệm vụ {parent}: mục {letter}) đứng đầu danh sách mục con, "
                f"thiếu mục {expected})"
                if not siblings
                else f"nhiệm vụ {parent}: sau mục {previous}) là {letter}), thiếu mục {expected})",
            )
        self.raw[number] = _fields(row.line, [number, sub.group(2), *cells[2:]], area, parent)
        self.order.append(number)
        self.last = number

    def _continued(self, row: TableRow, cells: list[str], last: str) -> None:
        # A row continued after a page break: the cells add to the row above.
        self.state.warn(row.line, "row_continued", f"nhiệm vụ {last} tiếp tục sau ngắt trang")
        target = self.raw[last]
        for index, key in enumerate(_KEYS, start=1):
            if cells[index]:
                target[key] = f"{target[key]} {cells[index]}".strip()

    def check_complete(self, lines: list[str], areas: list[Area]) -> None:
        """Refuse a table that stops short: a heading task without its sub-items, a last
        section without tasks, areas the body scores that the appendix never reaches."""
        end = max((i for i, s in enumerate(lines, start=1) if s.strip()), default=len(lines))
        if not self.order:
            raise PlanRefused(end, "phụ lục không có nhiệm vụ nào")
        for number in self.order:
            f = self.raw[number]
            has_children = any(self.raw[n]["parent"] == number for n in self.order)
            if not has_children and not any(f[k] for k in _KEYS[1:]):
                raise PlanRefused(
                    int(str(f["line"])),
                    f"nhiệm vụ {number} chỉ có nội dung, không có cơ quan chủ trì, thời gian "
                    "hay mục con a), b)…: phụ lục dừng giữa nhiệm vụ hoặc dòng bảng bị thiếu",
                )
        with_tasks = {str(self.raw[n]["area"]) for n in self.order}
        if self.sections and self.sections[-1][0] not in with_tasks:
            code, line = self.sections[-1]
            raise PlanRefused(
                line, f"mục {code} của phụ lục không có nhiệm vụ nào: phụ lục dừng ở đây"
            )
        for code, line in self.sections[:-1]:
            if code not in with_tasks:
                self.state.warn(
                    line, "empty_section", f"mục {code} của phụ lục không có nhiệm vụ nào"
                )
        missing = [a.code for a in areas if a.code not in with_tasks]
        if missing:
            raise PlanRefused(
                end,
                f"phụ lục dừng ở dòng {end}: lĩnh vực {', '.join(missing)} có điểm phấn đấu "
                "trong thân kế hoạch nhưng không có nhiệm vụ nào trong phụ lục",
            )


_KEYS = ("content", "lead_text", "coordinating_text", "timeframe", "product")


_LETTERS = "abcdđeghiklmnopqrstuvxy"  # the Vietnamese alphabet used to list sub-items


def _next_letter(previous: str | None) -> str:
    if previous is None:
        return "a"
    index = _LETTERS.find(previous)
    return _LETTERS[index + 1] if 0 <= index < len(_LETTERS) - 1 else "?"


def _fields(line: int, cells: list[str], area: str, parent: str | None) -> dict[str, object]:
    return {
        "line": line,
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
        number = f"{m.group(1)}/{m.group(2)}" if m.group(1) else None
        if number is None:
            state.warn(i + 1, "blank_document_number", f"số văn bản để trống: “{ref}”")
        day, month, year = m.group(3) or m.group(5), m.group(4) or m.group(6), int(m.group(7))
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
