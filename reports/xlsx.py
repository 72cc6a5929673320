"""The report as an Excel workbook: a cover sheet, then one sheet per table (tasks, targets,
scores, inspections, apologies), with real dates and numbers, frozen headers and filters, and
last the sheet "Xác thực" with the report's seal (``reports.evidence``), its JSON in cell B2
and in the workbook's description."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projections.views import STATUS_VN
from reports.basis import basis_lines
from reports.data import Report
from reports.evidence import SEAL_LABEL, seal_of, seal_summary
from reports.stable import stable_package
from reports.tables import Table, tables
from reports.vn_dates import issuer, place_and_date, vn_date, vn_moment

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
STATUS_FILLS = {
    STATUS_VN[k]: PatternFill("solid", fgColor=colour)
    for k, colour in (
        ("overdue", "F8D7DA"),
        ("not_met", "F8D7DA"),
        ("completed_on_time", "D4EDDA"),
        ("met", "D4EDDA"),
        ("completed_late", "FFF3CD"),
        ("at_risk", "FFF3CD"),
    )
}
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIRST_DATA_ROW = 5


def _cover(sheet: Worksheet, report: Report) -> None:
    facts = report.facts
    sheet.title = "Thông tin"
    lines = [
        *((line, True) for line in issuer(facts.plan_doc).splitlines()),
        (f"BÁO CÁO {report.period.name.upper()}", True),
        (facts.title, False),
        (place_and_date(facts.unit, report.issued_on), False),
        ("", False),
        (f"Kỳ báo cáo: {report.period.name} ({report.period.code})", False),
        (
            f"Số liệu từ {vn_date(report.period.cutoff_from)} đến "
            f"{vn_date(report.period.cutoff_to)}",
            False,
        ),
        (f"Hạn gửi báo cáo: {vn_date(report.period.due)}", False),
        *((line, False) for line in basis_lines(report.period)),
        (
            "Theo hiểu biết của sổ cái lúc "
            + (vn_moment(report.known_at) if report.known_at else "lập báo cáo"),
            False,
        ),
        (f"Vị trí sổ cái: {facts.position}", False),
        (f"Mã SHA-256 nội dung: {report.sha256}", False),
    ]
    for n, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=n, column=1, value=text)
        cell.font = Font(bold=bold, size=13 if bold else 11)
    sheet.column_dimensions["A"].width = 100


def _sheet(sheet: Worksheet, table: Table, report: Report) -> None:
    sheet.title = table.title
    width = len(table.columns)
    sheet.cell(row=1, column=1, value=f"{table.title} — {report.period.name}").font = Font(
        bold=True, size=13
    )
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(
        row=2,
        column=1,
        value=f"{report.facts.unit} — số liệu đến {vn_date(report.period.cutoff_to)}",
    ).font = Font(italic=True)
    header_row = FIRST_DATA_ROW - 1
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=header_row, column=col, value=column.title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    for r, row in enumerate(table.rows, start=FIRST_DATA_ROW):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col, value=value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
            fill = STATUS_FILLS.get(value) if isinstance(value, str) else None
            if fill is not None:
                cell.fill = fill
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    last = max(header_row, header_row + len(table.rows))
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{last}"


def _seal_on_cover(sheet: Worksheet, seal: dict[str, Any]) -> None:
    """Below the cover's lines: the seal for a person to read, then its JSON for a program."""
    row = sheet.max_row + 2
    sheet.cell(row=row, column=1, value="XÁC THỰC VỚI SỔ CÁI").font = Font(bold=True)
    for n, (label, value) in enumerate(seal_summary(seal), start=row + 1):
        sheet.cell(row=n, column=1, value=f"{label}: {value}")
    row = sheet.max_row + 1
    note = "Kiểm tra: parledger verify-report <tệp> --trusted-key <khoá công khai của sổ cái>"
    sheet.cell(row=row, column=1, value=note).font = Font(italic=True)
    sheet.cell(row=row + 1, column=1, value=SEAL_LABEL)
    sheet.cell(row=row + 1, column=2, value=json.dumps(seal, ensure_ascii=False, sort_keys=True))


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    cover = book.active
    assert cover is not None
    _cover(cover, report)
    for table in tables(report.facts):
        _sheet(book.create_sheet(), table, report)
    seal = seal_of(report, "xlsx")
    if seal is not None:
        _seal_on_cover(cover, seal)
        book.properties.description = json.dumps(seal, ensure_ascii=False, sort_keys=True)
    book.properties.title = f"Báo cáo {report.period.name} — {report.facts.title}"
    book.properties.creator = "ParLedger"
    buffer = io.BytesIO()
    book.save(buffer)
    return stable_package(buffer.getvalue(), report.issued_on)
