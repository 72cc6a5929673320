"""CSV and JSON renderings of a report: the same tables as the spreadsheet, as data.

CSV is UTF-8 with a byte-order mark (so spreadsheet programs read the diacritics) and ISO
dates; without ``table`` it is the report: a first row ``parledger-report-seal,SEAL-JSON``
(``reports.evidence``), then every table as a section (a title line, the header, the rows, a
blank line); with ``table`` it is a data extract of exactly one table, unsealed. JSON holds the
content exactly as its SHA-256 was computed, plus the tables with names resolved and the seal.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import InvalidValue
from reports.basis import basis
from reports.data import Report
from reports.evidence import SEAL_LABEL, seal_of
from reports.tables import Cell, Table, tables

TABLE_NAMES = ("tasks", "targets", "scores", "inspections", "apologies")


def plain(cell: Cell) -> Any:
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f")
    return cell


def pick(report: Report, table: str | None) -> list[Table]:
    found = tables(report.facts)
    if table is None:
        return found
    chosen = [t for t in found if t.name == table]
    if not chosen:
        raise InvalidValue(f"không có bảng {table!r}; có: {', '.join(TABLE_NAMES)}", field="table")
    return chosen


def meta(report: Report) -> dict[str, Any]:
    return {
        "plan": report.plan,
        "unit": report.facts.unit,
        "period": {
            "code": report.period.code,
            "name": report.period.name,
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
            "data_from": report.period.cutoff_from.isoformat(),
            "data_to": report.period.cutoff_to.isoformat(),
            "due": report.period.due.isoformat(),
        },
        "basis": basis(report.period),
        "known_at": report.known_at.isoformat() if report.known_at else None,
        "issued_on": report.issued_on.isoformat(),
        "position": report.facts.position,
        "sha256": report.sha256,
    }


def to_csv(report: Report, table: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    chosen = pick(report, table)
    seal = seal_of(report, "csv") if table is None else None
    if seal is not None:
        writer.writerow([SEAL_LABEL, json.dumps(seal, ensure_ascii=False, sort_keys=True)])
    for t in chosen:
        if table is None:
            writer.writerow([f"{t.title} — {report.period.name} — SHA-256 {report.sha256}"])
        writer.writerow([c.title for c in t.columns])
        writer.writerows([plain(c) for c in row] for row in t.rows)
        if table is None:
            writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json(report: Report) -> bytes:
    document = {
        **meta(report),
        "content": report.content,
        "tables": {
            t.name: {
                "title": t.title,
                "columns": [{"key": c.key, "title": c.title} for c in t.columns],
                "rows": [
                    {c.key: plain(v) for c, v in zip(t.columns, row, strict=True)} for row in t.rows
                ],
            }
            for t in tables(report.facts)
        },
    }
    seal = seal_of(report, "json")
    if seal is not None:
        document["seal"] = seal
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
