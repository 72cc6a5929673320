"""The report as a Word document in the usual layout of a Vietnamese administrative report
(Decree 30/2020/NĐ-CP): the issuing body and the number on the left, the national motto and
the place and date on the right, the title, sections numbered I., II., III., the charts and
tables, then the recipients and the signature block; at the foot of every page the report's
seal (``reports.evidence``): its verification code, ledger position and checkpoint, with the
whole seal as JSON in the custom document property ``parledger-report-seal``."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.shared import Cm, Pt
from docx.table import _Cell

from projections.views import STATUS_VN
from reports import charts
from reports.basis import basis_lines
from reports.data import Report
from reports.evidence import SEAL_LABEL, footer_lines, seal_of
from reports.stable import stable_package
from reports.tables import Cell, Table, status_counts, tables
from reports.vn_dates import (
    issuer,
    place_and_date,
    report_number,
    reporter,
    roman,
    vn_date,
    vn_moment,
    vn_number,
)

FONT = "Times New Roman"
CUSTOM_PART = "/docProps/custom.xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the fmtid of user-defined properties
ET.register_namespace("", CUSTOM_NS)
ET.register_namespace("vt", VT_NS)


def text_of(cell: Cell) -> str:
    """A cell as the document writes it: dates in full, decimals with a comma."""
    if isinstance(cell, date):
        return vn_date(cell)
    if isinstance(cell, Decimal):
        return vn_number(cell)
    if cell is None:
        return "—"
    return str(cell)


def _write(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 13,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> None:
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for n, line in enumerate(lines):
        if n:
            paragraph = cell.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run(line)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def _header(doc: DocumentObject, report: Report) -> None:
    grid = doc.add_table(rows=3, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _write(grid.cell(0, 0), issuer(report.facts.plan_doc), bold=True)
    _write(grid.cell(0, 1), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _write(grid.cell(1, 0), "―――――")
    _write(grid.cell(1, 1), "Độc lập - Tự do - Hạnh phúc\n―――――――――――――", bold=True)
    _write(grid.cell(2, 0), report_number(report.facts.plan_doc))
    _write(grid.cell(2, 1), place_and_date(report.facts.unit, report.issued_on), italic=True)
    for row in grid.rows:
        row.cells[0].width, row.cells[1].width = Cm(6.5), Cm(9.5)


def _paragraph(
    doc: DocumentObject,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = (
        Cm(1) if align == WD_ALIGN_PARAGRAPH.JUSTIFY else None
    )
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic


def _heading(doc: DocumentObject, number: int, text: str) -> None:
    _paragraph(doc, f"{roman(number)}. {text.upper()}", bold=True)


def _table(doc: DocumentObject, table: Table, keys: Sequence[str]) -> None:
    columns = [c for c in table.columns if c.key in keys]
    indices = [table.columns.index(c) for c in columns]
    grid = doc.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    for cell, column in zip(grid.rows[0].cells, columns, strict=True):
        _write(cell, column.title, bold=True, size=11)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, index in zip(cells, indices, strict=True):
            value = row[index]
            long_text = isinstance(value, str) and len(value) > 12
            align = WD_ALIGN_PARAGRAPH.LEFT if long_text else WD_ALIGN_PARAGRAPH.CENTER
            _write(cell, text_of(value), size=11, align=align)


def _chart(doc: DocumentObject, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(16))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _tasks(doc: DocumentObject, report: Report, table: Table) -> None:
    counts = status_counts(report.facts)
    total = sum(counts.values())
    parts = ", ".join(f"{n} nhiệm vụ {STATUS_VN[s]}" for s, n in counts.items() if n)
    _paragraph(
        doc,
        f"Kế hoạch có {total} nhiệm vụ cần thực hiện (tính theo từng nội dung con). "
        f"Đến {vn_date(report.facts.as_of)}: {parts or 'chưa có nhiệm vụ nào'}.",
    )
    _chart(doc, charts.task_status_by_agency(report.facts))
    _table(doc, table, ("number", "content", "lead", "due", "status", "completed_on"))


def _targets(doc: DocumentObject, report: Report, table: Table) -> None:
    rows = report.facts.views["target_attainment"]["indicators"]
    met = sum(r["status"] == "met" for r in rows)
    _paragraph(doc, f"Có {met}/{len(rows)} chỉ số đạt yêu cầu của kế hoạch.")
    _chart(doc, charts.target_attainment(report.facts))
    _table(doc, table, ("indicator", "label", "threshold", "value", "status"))


def _scores(doc: DocumentObject, report: Report, table: Table) -> None:
    scores = report.facts.views["area_scores"]
    total = scores["total"]

    def recorded(kind: str) -> str:
        if all(a[kind] is None for a in scores["areas"]):
            return "chưa có"
        return f"{vn_number(total[kind])} điểm"

    _paragraph(
        doc,
        f"Phấn đấu đạt {vn_number(total['target'])}/{vn_number(total['max'])} điểm; "
        f"điểm tự chấm đã ghi nhận: {recorded('self_assessed')}; điểm thẩm định: "
        f"{recorded('appraised')}.",
    )
    _chart(doc, charts.area_scores(report.facts))
    keys = ("area", "name", "target_score", "max_score", "self_assessed", "appraised")
    _table(doc, table, keys)


def _inspections(doc: DocumentObject, report: Report, table: Table) -> None:
    found = report.facts.views["inspection_history"]
    coverage = found["coverage"]
    _paragraph(
        doc,
        f"Cơ quan chuyên môn: {coverage['specialised_offices']['basis']}; xã, thị trấn: "
        f"{coverage['communes']['basis']}. Còn {len(found['open_findings'])} kết luận chưa "
        f"khắc phục xong, trong đó {len(found['overdue_findings'])} quá hạn.",
    )
    if table.rows:
        keys = ("agency", "conducted_on", "status", "finding", "deadline", "remediation_status")
        _table(doc, table, keys)
    else:
        _paragraph(doc, "Chưa ghi nhận cuộc kiểm tra nào.", italic=True)


def _apologies(doc: DocumentObject, report: Report, table: Table) -> None:
    c = report.facts.views["apology_register"]["compliance"]
    _paragraph(
        doc,
        f"Trong kỳ có {c['late_dossiers']} hồ sơ thủ tục hành chính giải quyết trễ hạn; "
        f"{c['apologies_in_time']} hồ sơ có phiếu xin lỗi và hẹn lại ngày trả kết quả gửi đúng "
        f"hạn, {c['apologies_missing_or_late']} hồ sơ chưa có hoặc gửi muộn; "
        f"{c['appointments_missed']} hồ sơ không đúng hẹn lại.",
    )
    _chart(doc, charts.dossiers_by_month(report.facts))
    if table.rows:
        _table(doc, table, ("dossier", "procedure", "agency", "due_on", "apology_on", "in_time"))


def _source(doc: DocumentObject, report: Report) -> None:
    known = vn_moment(report.known_at) if report.known_at else "lúc lập báo cáo"
    _paragraph(
        doc,
        f"Số liệu lấy từ sổ cái ParLedger theo hiểu biết {known} (vị trí sổ cái "
        f"{report.facts.position}), tính đến {vn_date(report.period.cutoff_to)}. Mã SHA-256 "
        f"của nội dung: {report.sha256}.",
    )
    for line in basis_lines(report.period):
        _paragraph(doc, line)


def _signature(doc: DocumentObject, report: Report) -> None:
    grid = doc.add_table(rows=1, cols=2)
    left = WD_ALIGN_PARAGRAPH.LEFT
    _write(grid.cell(0, 0), "Nơi nhận:", bold=True, italic=True, size=12, align=left)
    for line in ("- Sở Nội vụ (để báo cáo);", "- Lưu: VT, NV."):
        paragraph = grid.cell(0, 0).add_paragraph()
        paragraph.add_run(line).font.size = Pt(11)
    signer = report.facts.plan_doc.get("signer") or {}
    title = str(signer.get("title") or "Chủ tịch").upper()
    name = signer.get("name", "")
    _write(grid.cell(0, 1), f"TM. ỦY BAN NHÂN DÂN\n{title}\n\n\n\n{name}", bold=True)


def shown_tables(doc: DocumentObject) -> list[list[list[str]]]:
    """The report's data tables as written (every cell's text): the tables between the
    header grid and the signature block."""
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables[1:-1]]


def _seal(doc: DocumentObject, report: Report) -> None:
    seal = seal_of(report, "docx", shown_tables(doc))
    if seal is None:
        return
    footer = doc.sections[0].footer
    for n, line in enumerate(footer_lines(seal)):
        paragraph = footer.paragraphs[0] if n == 0 else footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        run = paragraph.add_run(line)
        run.font.size = Pt(8)
    _custom_property(doc, SEAL_LABEL, json.dumps(seal, ensure_ascii=False, sort_keys=True))


def _custom_property(doc: DocumentObject, name: str, value: str) -> None:
    """A custom document property (File › Properties › Custom in Word): the core ones hold at
    most 255 characters, python-docx writes no others, so the part is added here."""
    root = ET.Element(f"{{{CUSTOM_NS}}}Properties")
    prop = ET.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=CUSTOM_FMTID, pid="2", name=name)
    ET.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    blob = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    part = Part(PackURI(CUSTOM_PART), CT.OFC_CUSTOM_PROPERTIES, blob, doc.part.package)
    doc.part.package.relate_to(part, RT.CUSTOM_PROPERTIES)


def to_docx(report: Report) -> bytes:
    buffer = io.BytesIO()
    _document(report).save(buffer)
    return stable_package(buffer.getvalue(), report.issued_on)


def shown_of(report: Report) -> list[list[list[str]]]:
    """The data tables a Word document of ``report`` writes, cell by cell."""
    return shown_tables(_document(report))


def _document(report: Report) -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _header(doc, report)
    _paragraph(doc, "BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(
        doc,
        f"Kết quả thực hiện công tác cải cách hành chính {report.period.name}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _paragraph(
        doc,
        f"Thực hiện {report.facts.title}, {reporter(report.facts.plan_doc)} "
        f"báo cáo kết quả thực hiện {report.period.name} "
        f"(số liệu từ {vn_date(report.period.cutoff_from)} đến "
        f"{vn_date(report.period.cutoff_to)}) như sau:",
    )
    sections = [
        ("Kết quả thực hiện nhiệm vụ", _tasks),
        ("Kết quả thực hiện các chỉ tiêu", _targets),
        ("Điểm các lĩnh vực cải cách hành chính", _scores),
        ("Công tác kiểm tra cải cách hành chính", _inspections),
        ("Hồ sơ thủ tục hành chính trễ hạn và việc xin lỗi", _apologies),
    ]
    for number, ((title, write), table) in enumerate(
        zip(sections, tables(report.facts), strict=True), start=1
    ):
        _heading(doc, number, title)
        write(doc, report, table)
    _heading(doc, len(sections) + 1, "Nguồn số liệu")
    _source(doc, report)
    _signature(doc, report)
    doc.core_properties.title = f"Báo cáo {report.period.name}"
    doc.core_properties.author = "ParLedger"
    _seal(doc, report)
    return doc
