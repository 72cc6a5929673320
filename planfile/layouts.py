"""The layouts an appendix's task table is published in, each read into the same rows.

- **tabbed**: one row per line, cells separated by tabs (the seed);
- **flattened**: one cell per line, as a table copied out of a word processor gives it; an
  empty cell is an empty line, and an empty line follows each row;
- **prose**: each task a numbered line followed by "- Cơ quan chủ trì: …", "- Thời gian: …"
  lines.

Columns are found by their header words, not their position, so a table without "Sản phẩm"
or with extra columns ("Ghi chú", "Kinh phí") is read by name; a missing column the reader
needs, a row with fewer cells than the header, or a line no rule reads is refused with its line
number: a file cut short looks exactly like that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from planfile.reading import SECTION, ParseState, PlanRefused

FIELDS = ("number", "content", "lead", "coordinating", "timeframe", "product")
_LABELS = {
    "number": "TT",
    "content": "Nội dung công việc",
    "lead": "Cơ quan chủ trì",
    "coordinating": "Cơ quan phối hợp",
    "timeframe": "Thời gian thực hiện",
    "product": "Sản phẩm",
}
# Header words per field, most specific first ("Cơ quan chủ trì" before "Nội dung").
_COLUMN_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("number", ("tt", "stt", "số tt", "số thứ tự")),
    ("lead", ("chủ trì",)),
    ("coordinating", ("phối hợp",)),
    ("timeframe", ("thời gian", "thời hạn", "tiến độ")),
    ("product", ("sản phẩm", "kết quả")),
    ("content", ("nội dung", "nhiệm vụ", "công việc")),
]
_REQUIRED = ("number", "content", "lead")
_HEADER_FIRST = ("tt", "stt")
_SUBITEM = re.compile(r"^([a-zđ])\)\s*(.+)$")
_PROSE_TASK = re.compile(r"^(\d+)[.)]\s+(.+)$")
_PROSE_FIELD = re.compile(r"^[-–•+]\s*([^:]{2,40}):\s*(.*)$")
_PROSE_LABELS: dict[str, tuple[str, ...]] = {
    "lead": ("cơ quan chủ trì", "đơn vị chủ trì", "chủ trì"),
    "coordinating": ("cơ quan phối hợp", "đơn vị phối hợp", "phối hợp"),
    "timeframe": ("thời gian", "thời gian thực hiện", "thời gian hoàn thành", "thời hạn"),
    "product": ("sản phẩm", "kết quả", "sản phẩm đầu ra"),
}

Kind = Literal["header", "section", "data"]


@dataclass
class TableRow:
    line: int
    kind: Kind
    cells: list[str]  # data: the six FIELDS in order; section: [numeral, name]


@dataclass
class Columns:
    line: int
    names: list[str]
    index: dict[str, int]  # field -> column

    def canonical(self, cells: list[str]) -> list[str]:
        return [cells[self.index[f]] if f in self.index else "" for f in FIELDS]


def is_header_start(cell: str) -> bool:
    return cell.strip().casefold() in _HEADER_FIRST


def columns_of(state: ParseState, line: int, names: list[str]) -> Columns:
    """Which column holds which field; the columns the reader needs must be there."""
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        key = " ".join(name.casefold().split())
        field = next(
            (f for f, words in _COLUMN_WORDS if f not in index and any(w in key for w in words)),
            None,
        )
        if position == 0 and key in _HEADER_FIRST:
            field = "number"
        if field is None:
            if name:
                state.warn(
                    line, "extra_column", f"cột “{name}” không được đọc; nội dung của cột bị bỏ qua"
                )
            continue
        index[field] = position
    for field in _REQUIRED:
        if field not in index:
            raise PlanRefused(line, f"bảng nhiệm vụ thiếu cột “{_LABELS[field]}”")
    for field in ("coordinating", "timeframe", "product"):
        if field not in index:
            state.absent.add(field)
            state.warn(
                line,
                "missing_column",
                f"bảng nhiệm vụ không có cột “{_LABELS[field]}”; các nhiệm vụ để trống mục này",
            )
    return Columns(line=line, names=names, index=index)


def layout_of(lines: list[str], start: int) -> Literal["tabbed", "flattened", "prose"]:
    """The layout of the table in ``lines[start:]``: the first sign that decides it."""
    for raw in lines[start:]:
        text = raw.strip()
        if "\t" in raw and is_header_start(raw.split("\t", 1)[0]):
            return "tabbed"
        if is_header_start(text):
            return "flattened"
        m = _PROSE_FIELD.match(text)
        if m and _prose_field(m.group(1)) is not None:
            return "prose"
    return "tabbed"  # no table at all: the tabbed reader says so


def _prose_field(label: str) -> str | None:
    key = " ".join(label.casefold().split())
    return next((f for f, names in _PROSE_LABELS.items() if key in names), None)


# --- tabbed ----------------------------------------------------------------------------------


def tabbed_rows(state: ParseState, lines: list[str], start: int) -> list[TableRow]:
    rows: list[TableRow] = []
    columns: Columns | None = None
    for i in range(start, len(lines)):
        raw, number = lines[i], i + 1
        text = raw.strip()
        cells = [c.strip() for c in raw.split("\t")]
        if "\t" in raw and is_header_start(cells[0]):
            if columns is None:
                columns = columns_of(state, number, cells)
            elif len(cells) < len(columns.names):
                raise PlanRefused(number, _cut(len(cells), columns))
            elif cells != columns.names:
                state.warn(number, "header_changed", "dòng tiêu đề bảng lặp lại khác lần đầu")
            rows.append(TableRow(number, "header", cells))
            continue
        if columns is None or not text:
            continue  # the appendix's title lines, blank lines
        section = SECTION.match(cells[0])
        if section and not any(cells[1:]):
            # A section row may lose its empty cells (and so its tabs).
            rows.append(TableRow(number, "section", [section.group(1), section.group(2)]))
            continue
        if "\t" not in raw:
            raise PlanRefused(
                number, f"dòng “{_short(text)}” không thuộc bảng nhiệm vụ (không có dấu tab)"
            )
        if len(cells) < len(columns.names):
            raise PlanRefused(number, _cut(len(cells), columns))
        if len(cells) > len(columns.names) and any(cells[len(columns.names) :]):
            state.warn(
                number,
                "extra_columns",
                f"dòng có nhiều hơn {len(columns.names)} cột; phần thừa bị bỏ qua",
            )
        rows.append(TableRow(number, "data", columns.canonical(cells)))
    return rows


def _cut(found: int, columns: Columns) -> str:
    return (
        f"dòng bảng bị cắt ngắn: có {found} ô, dòng tiêu đề bảng (dòng {columns.line}) có "
        f"{len(columns.names)} ô; tệp có thể bị cắt giữa chừng hoặc mất dấu tab"
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- flattened: one cell per line -----------------------------------------------------------


def flattened_rows(state: ParseState, lines: list[str], start: int) -> list[TableRow]:
    at = next(i for i in range(start, len(lines)) if is_header_start(lines[i]))
    names = [lines[at].strip()]
    i = at + 1
    while i < len(lines) and lines[i].strip() and not _row_start(lines[i].strip()):
        names.append(lines[i].strip())
        i += 1
    columns = columns_of(state, at + 1, names)
    state.warn(
        at + 1, "flattened_table", f"bảng được viết mỗi ô một dòng; đọc theo {len(names)} cột"
    )
    rows = [TableRow(at + 1, "header", names)]
    while i < len(lines):
        text, number = lines[i].strip(), i + 1
        if not text:
            i += 1
        elif is_header_start(text):  # the header repeated after a page break
            i += len(names)
        elif section := SECTION.match(text):
            rows.append(TableRow(number, "section", [section.group(1), section.group(2)]))
            i += 1
        elif text.isdigit() or _SUBITEM.match(text):
            first = [text] if text.isdigit() else ["", text]
            cells = _take_cells(lines, i + 1, len(names) - len(first), number)
            rows.append(TableRow(number, "data", columns.canonical(first + cells)))
            i += 1 + len(cells)
            if i < len(lines) and lines[i].strip():
                # An empty cell is an empty line, and rows are kept apart by one: a row that
                # runs on lost a cell somewhere, and which one cannot be told.
                raise PlanRefused(
                    i + 1,
                    f"hàng bắt đầu ở dòng {number} không khớp {len(names)} cột: sau ô cuối phải "
                    "là một dòng trống ngăn cách các hàng",
                )
        else:
            raise PlanRefused(
                number, f"dòng “{_short(text)}” không phải đầu một hàng của bảng (số thứ tự, mục)"
            )
    return rows


def _row_start(text: str) -> bool:
    return text.isdigit() or SECTION.match(text) is not None or _SUBITEM.match(text) is not None


def _take_cells(lines: list[str], start: int, count: int, row_line: int) -> list[str]:
    if start + count > len(lines):
        raise PlanRefused(
            len(lines),
            f"hàng bắt đầu ở dòng {row_line} thiếu ô: tệp dừng sau "
            f"{len(lines) - start} trong {count} ô còn lại",
        )
    cells = [lines[j].strip() for j in range(start, start + count)]
    for offset, cell in enumerate(cells):
        if cell.isdigit() or SECTION.match(cell) or is_header_start(cell):
            raise PlanRefused(
                start + offset + 1,
                f"hàng bắt đầu ở dòng {row_line} thiếu ô: dòng này đã là hàng tiếp theo",
            )
    return cells


# --- prose: "- Cơ quan chủ trì: …" lines -----------------------------------------------------


def prose_rows(state: ParseState, lines: list[str], start: int) -> list[TableRow]:
    state.warn(start + 1, "prose_tasks", "nhiệm vụ được viết thành đoạn văn; đọc theo từng mục")
    rows: list[TableRow] = [TableRow(start + 1, "header", list(FIELDS))]
    current: dict[str, str] | None = None
    started = False  # the appendix's title lines come before the first section
    last_field = "content"
    for i in range(start, len(lines)):
        text, number = lines[i].strip(), i + 1
        if not text or not (started or SECTION.match(text)):
            continue
        if section := SECTION.match(text):
            rows.append(TableRow(number, "section", [section.group(1), section.group(2)]))
            current, started = None, True
        elif task := _PROSE_TASK.match(text) or _SUBITEM.match(text):
            is_sub = _SUBITEM.match(text) is not None
            current = dict.fromkeys(FIELDS, "")
            current["number"] = "" if is_sub else task.group(1)
            current["content"] = text if is_sub else task.group(2)
            last_field = "content"
            rows.append(TableRow(number, "data", [current[f] for f in FIELDS]))
        elif current is not None and (m := _PROSE_FIELD.match(text)):
            field = _prose_field(m.group(1))
            if field is None:
                state.warn(number, "unknown_field", f"mục “{m.group(1)}” không được đọc")
                continue
            if current[field]:
                raise PlanRefused(number, f"mục “{m.group(1)}” được ghi hai lần cho một nhiệm vụ")
            current[field], last_field = m.group(2).strip(), field
            rows[-1].cells = [current[f] for f in FIELDS]
        elif current is not None and not text.startswith(("-", "–", "•", "+")):
            # A wrapped line: it continues the item last written.
            current[last_field] = f"{current[last_field]} {text}".strip()
            rows[-1].cells = [current[f] for f in FIELDS]
        else:
            raise PlanRefused(number, f"không đọc được dòng “{_short(text)}” của danh mục")
    return rows
