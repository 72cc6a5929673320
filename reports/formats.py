"""The formats a report can be had in: their media types, file names and renderers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import InvalidValue
from reports.data import Report
from reports.tabular import to_csv, to_json


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    render: Callable[[Report, str | None], bytes]  # (report, table) → file content


# Word and Excel pull in python-docx, openpyxl and matplotlib (about a second to import):
# they are imported when a file of that kind is asked for, not when the CLI starts.


def _xlsx(report: Report, _: str | None) -> bytes:
    from reports.xlsx import to_xlsx

    return to_xlsx(report)


def _docx(report: Report, _: str | None) -> bytes:
    from reports.docx import to_docx

    return to_docx(report)


def _csv(report: Report, table: str | None) -> bytes:
    return to_csv(report, table)


def _json(report: Report, _: str | None) -> bytes:
    return to_json(report)


FORMATS = {
    f.name: f
    for f in (
        Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
        Format(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _docx,
        ),
        Format("csv", "text/csv; charset=utf-8", _csv),
        Format("json", "application/json", _json),
    )
}


def get_format(name: str) -> Format:
    found = FORMATS.get(name.lower())
    if found is None:
        raise InvalidValue(
            f"định dạng {name!r} không được hỗ trợ; chọn một trong: {', '.join(FORMATS)}",
            field="format",
        )
    return found


def file_name(report: Report, fmt: Format) -> str:
    """``bao-cao-cat-hai-2023-2023-Q2.xlsx``: ASCII, safe in any Content-Disposition."""
    return f"bao-cao-{report.plan}-{report.period.end.year}-{report.period.code}.{fmt.name}"


def render(report: Report, name: str, table: str | None = None) -> tuple[bytes, Format]:
    fmt = get_format(name)
    return fmt.render(report, table), fmt
