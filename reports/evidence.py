"""A report's facts as text, and its seal (``integrity.sealing``): what every exported file
embeds so that whoever receives it can check it without asking the ledger.

A cell's text is the one CSV writes: ISO dates, decimals without trailing zeros, integers in
decimal, nothing for an empty cell. JSON, CSV and Excel files read back to exactly these
texts; a Word document writes dates and numbers the Vietnamese way and fewer columns, so it
seals its own tables as written beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from integrity.sealing import facts_digest, shown_digest, table_digest
from reports.data import Report
from reports.tables import Cell, Table, tables

SEAL_LABEL = "parledger-report-seal"  # the first cell of a CSV's seal row


def cell_text(cell: Cell | float | datetime) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        cell = Decimal(repr(cell))
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f")
    return str(cell)


def text_rows(table: Table) -> list[list[str]]:
    return [[cell_text(c) for c in row] for row in table.rows]


def table_digests(report: Report) -> list[list[str]]:
    """``[name, digest]`` for each table, in the report's order (a list: JSON keeps it)."""
    return [
        [t.name, table_digest(t.title, [c.title for c in t.columns], text_rows(t))]
        for t in tables(report.facts)
    ]


def seal_of(
    report: Report, rendering: str, shown: Sequence[Sequence[Sequence[str]]] | None = None
) -> dict[str, Any] | None:
    """The signed seal a file of ``rendering`` embeds (``None`` for a report built without
    ledger evidence); ``shown``: the tables as a Word document writes them."""
    if report.evidence is None:
        return None
    digests = table_digests(report)
    body: dict[str, Any] = {
        "plan": report.plan,
        "period": report.period.code,
        "period_name": report.period.name,
        "rendering": rendering,
        "content_sha256": report.sha256,
        "facts_sha256": facts_digest(digests),
        "tables": digests,
    }
    if shown is not None:
        body["shown_sha256"] = shown_digest(shown)
    return report.evidence.seal(body)


def footer_lines(seal: dict[str, Any]) -> list[str]:
    """What a printed page carries at its foot: enough to find and check the report."""
    return [
        f"Mã xác thực: {seal['code']} · Vị trí sổ cái {seal['position']} · "
        f"Điểm kiểm {seal['size']} sự kiện, gốc {seal['root'][:16]}…",
        f"Mã băm dữ liệu (SHA-256): {seal['facts_sha256']}",
        "Kiểm tra: parledger verify-report <tệp> --trusted-key <khoá công khai của sổ cái>",
    ]


def seal_summary(seal: dict[str, Any]) -> list[tuple[str, str]]:
    """The seal's fields for a person to read (an Excel sheet, a CLI listing)."""
    return [
        ("Mã xác thực", str(seal["code"])),
        ("Kế hoạch", str(seal["plan"])),
        ("Kỳ báo cáo", str(seal["period"])),
        ("Vị trí sổ cái", str(seal["position"])),
        ("Số sự kiện của điểm kiểm", str(seal["size"])),
        ("Gốc Merkle", str(seal["root"])),
        ("Mã băm nội dung (đã nộp)", str(seal["content_sha256"])),
        ("Mã băm dữ liệu các bảng", str(seal["facts_sha256"])),
        ("Khoá công khai của sổ cái", str(seal["key"])),
    ]
