"""Checking an exported report on its own (``parledger verify-report``): read its seal, check
the seal's and the checkpoint's signatures, re-derive the tables from the file and compare
their digests with the sealed ones, and, with the ledger at hand, build the report again at the
sealed position and compare cell by cell.

JSON, CSV and Excel files read back into the tables exactly (every cell as text); a Word
document is checked through the tables as it writes them (``shown_sha256``): its prose and
charts are not re-derivable from the file and are said to be unchecked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from integrity.proofs import ProofFailure, TreeHead, check_consistency, prove_consistency
from integrity.sealing import (
    SealError,
    check_seal,
    facts_digest,
    shown_digest,
    table_digest,
)
from ledger.application import ParLedger
from replay.reports import canonical
from reports.data import build_report
from reports.evidence import SEAL_LABEL, cell_text, text_rows
from reports.tables import tables

TextTables = dict[str, tuple[str, list[str], list[list[str]]]]  # name → (title, columns, rows)
FIRST_DATA_ROW = 5  # as reports.xlsx writes sheets


class ReportMismatch(Exception):
    """The file does not match its seal, or the ledger; the message names what."""


@dataclass
class ReadBack:
    kind: str  # json, csv, xlsx, docx
    seal: dict[str, Any]
    tables: TextTables = field(default_factory=dict)  # exactly re-derived (not docx)
    shown: list[list[list[str]]] | None = None  # a Word document's tables as written
    content: dict[str, Any] | None = None  # a JSON file's content, as report submit hashes it


def _seal_json(text: str, where: str) -> dict[str, Any]:
    try:
        seal = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportMismatch(f"dấu xác thực ({where}) không đọc được: {error}") from error
    if not isinstance(seal, dict):
        raise ReportMismatch(f"dấu xác thực ({where}) không phải đối tượng JSON")
    return seal


def _from_json(data: bytes) -> ReadBack:
    document = json.loads(data.decode("utf-8"))
    if "seal" not in document:
        raise ReportMismatch("tệp JSON không có trường seal (dấu xác thực)")
    found: TextTables = {}
    for name, t in document.get("tables", {}).items():
        keys = [c["key"] for c in t["columns"]]
        rows = [[_text(r.get(k)) for k in keys] for r in t["rows"]]
        found[name] = (str(t["title"]), [c["title"] for c in t["columns"]], rows)
    return ReadBack("json", document["seal"], found, content=document.get("content"))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _from_csv(data: bytes) -> ReadBack:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if not rows or rows[0][:1] != [SEAL_LABEL] or len(rows[0]) < 2:
        raise ReportMismatch(
            f"tệp CSV không có dòng đầu {SEAL_LABEL} (tệp một bảng là trích xuất, không có dấu)"
        )
    seal = _seal_json(rows[0][1], "dòng đầu")
    found: TextTables = {}
    names = [str(pair[0]) for pair in seal.get("tables", [])]
    sections, current = [], list[list[str]]()
    for row in rows[1:]:
        if not row:
            sections.append(current)
            current = []
        else:
            current.append(row)
    if current:
        sections.append(current)
    for name, section in zip(names, sections, strict=False):
        if len(section) < 2:
            raise ReportMismatch(f"bảng {name}: thiếu dòng tiêu đề cột")
        found[name] = (_csv_title(section[0], seal, name), section[1], section[2:])
    if len(sections) != len(names):
        raise ReportMismatch(f"tệp CSV có {len(sections)} bảng, dấu xác thực nói {len(names)}")
    return ReadBack("csv", seal, found)


def _csv_title(line: list[str], seal: dict[str, Any], name: str) -> str:
    """The table's title from its section's title line, the rest of which must be the
    period's name and the content hash the seal holds."""
    tail = f" — {seal.get('period_name')} — SHA-256 {seal.get('content_sha256')}"
    if len(line) != 1 or not line[0].endswith(tail):
        raise ReportMismatch(f"bảng {name}: dòng tiêu đề khác dấu xác thực")
    return line[0].removesuffix(tail)


def _from_xlsx(data: bytes) -> ReadBack:
    import openpyxl  # a second's import, only for Excel files

    book = openpyxl.load_workbook(io.BytesIO(data))
    cover = book.worksheets[0]
    seal_cell = next(
        (r[1] for r in cover.iter_rows(values_only=True) if r[0] == SEAL_LABEL and len(r) > 1),
        None,
    )
    if not isinstance(seal_cell, str):
        raise ReportMismatch(f"tệp Excel không có dòng {SEAL_LABEL} ở trang bìa")
    seal = _seal_json(seal_cell, "trang bìa")
    found: TextTables = {}
    names = [str(pair[0]) for pair in seal.get("tables", [])]
    for name, sheet in zip(names, book.worksheets[1:], strict=False):
        titles = [
            _xlsx_text(c) for c in next(sheet.iter_rows(min_row=4, max_row=4, values_only=True))
        ]
        rows = [
            [_xlsx_text(c) for c in r]
            for r in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
        ]
        head = f" — {seal.get('period_name')}"
        first = sheet.cell(row=1, column=1).value
        if not isinstance(first, str) or not first.endswith(head) or sheet.title not in first:
            raise ReportMismatch(f"bảng {name}: dòng tiêu đề của trang khác dấu xác thực")
        found[name] = (first.removesuffix(head), titles, rows)
    return ReadBack("xlsx", seal, found)


def _xlsx_text(value: Any) -> str:
    return cell_text(value)


CUSTOM_PROPERTY = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"
)


def _from_docx(data: bytes) -> ReadBack:
    import docx  # python-docx, only for Word files

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            custom = ET.fromstring(archive.read("docProps/custom.xml"))
        except KeyError:
            raise ReportMismatch("tệp Word không có thuộc tính tuỳ chỉnh (dấu xác thực)") from None
    text = next(
        (
            "".join(p.itertext())
            for p in custom.iter(CUSTOM_PROPERTY)
            if p.get("name") == SEAL_LABEL
        ),
        None,
    )
    if text is None:
        raise ReportMismatch(f"tệp Word không có thuộc tính {SEAL_LABEL}")
    document = docx.Document(io.BytesIO(data))
    shown = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables[1:-1]]
    return ReadBack("docx", _seal_json(text, "thuộc tính tài liệu"), shown=shown)


def read_back(data: bytes) -> ReadBack:
    """The seal and the tables of a report file, whatever its kind."""
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
            return _from_docx(data) if "word/document.xml" in names else _from_xlsx(data)
        if data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{":
            return _from_json(data)
        return _from_csv(data)
    except ReportMismatch:
        raise
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile, csv.Error) as error:
        raise ReportMismatch(f"không đọc được tệp báo cáo: {error}") from error


@dataclass
class Verdict:
    kind: str
    seal: dict[str, Any]
    holds: list[str] = field(default_factory=list)  # what was checked and holds
    unchecked: list[str] = field(default_factory=list)  # what could not be, and why


def verify_report(
    data: bytes,
    trusted_key: str | None = None,
    held: TreeHead | None = None,
    app: ParLedger | None = None,
) -> Verdict:
    """Check a report file: ``ReportMismatch`` names the first thing that does not hold."""
    found = read_back(data)
    try:
        checked = check_seal(found.seal, trusted_key)
    except SealError as error:
        raise ReportMismatch(str(error)) from error
    seal = found.seal
    verdict = Verdict(found.kind, seal)
    whose = "khoá tin cậy" if checked.key_trusted else "khoá ghi trong tệp (chưa đối chiếu)"
    verdict.holds.append(
        f"chữ ký của dấu xác thực và của điểm kiểm ({checked.checkpoint.size} sự kiện) hợp lệ "
        f"theo {whose}"
    )
    _check_content(found, verdict)
    if held is not None:
        _check_held(seal, held, app, verdict)
    if app is None:
        verdict.unchecked.append("chưa đối chiếu với sổ cái (không có quyền truy cập sổ cái)")
    else:
        _check_ledger(app, found, verdict)
    return verdict


def _check_content(found: ReadBack, verdict: Verdict) -> None:
    seal = verdict.seal
    sealed: dict[str, str] = {str(n): str(d) for n, d in seal.get("tables", [])}
    if found.shown is not None:
        if shown_digest(found.shown) != seal.get("shown_sha256"):
            raise ReportMismatch("các bảng trong tài liệu Word khác các bảng đã niêm phong")
        verdict.holds.append("các bảng số liệu trong tài liệu Word khớp dấu xác thực")
        verdict.unchecked.append(
            "phần lời văn và biểu đồ của tài liệu Word không tái dựng được từ tệp, không kiểm"
        )
        return
    for name, (title, columns, rows) in found.tables.items():
        if name not in sealed:
            raise ReportMismatch(f"bảng {name} không có trong dấu xác thực")
        if table_digest(title, columns, rows) != sealed[name]:
            raise ReportMismatch(f"bảng {name} khác dữ liệu đã niêm phong (mã băm không khớp)")
    if set(found.tables) != set(sealed):
        raise ReportMismatch(
            f"tệp thiếu bảng: {', '.join(sorted(set(sealed) - set(found.tables)))}"
        )
    if facts_digest(list(sealed.items())) != seal.get("facts_sha256"):
        raise ReportMismatch("mã băm dữ liệu các bảng không khớp dấu xác thực")
    verdict.holds.append(f"{len(sealed)} bảng đọc lại từ tệp khớp mã băm dữ liệu {seal['code']}")
    if found.content is not None:
        if hashlib.sha256(canonical(found.content)).hexdigest() != seal.get("content_sha256"):
            raise ReportMismatch("nội dung (content) khác mã băm nội dung đã niêm phong")
        verdict.holds.append("nội dung (content) khớp mã SHA-256 nội dung đã niêm phong")


def _check_held(seal: dict[str, Any], held: TreeHead, app: ParLedger | None, v: Verdict) -> None:
    own = TreeHead(int(seal["size"]), bytes.fromhex(str(seal["root"])), "điểm kiểm của báo cáo")
    if held.size != own.size and app is None:
        v.unchecked.append(
            f"{held.label} có {held.size} sự kiện, báo cáo {own.size}: cần bằng chứng nhất quán "
            "(parledger verify-consistency) hoặc quyền truy cập sổ cái"
        )
        return
    old, new = (own, held) if own.size <= held.size else (held, own)
    try:
        path = None
        if old.size != new.size:
            assert app is not None
            proof = prove_consistency(app.ledger_recorder, old, new)
            path = [bytes.fromhex(p) for p in proof["path"]]
        check_consistency(old, new, path)
    except ProofFailure as failure:
        raise ReportMismatch(f"điểm kiểm của báo cáo và {held.label}: {failure}") from failure
    v.holds.append(f"điểm kiểm của báo cáo nhất quán với {held.label} ({held.size} sự kiện)")


def _check_ledger(app: ParLedger, found: ReadBack, v: Verdict) -> None:
    seal = v.seal
    again = build_report(
        app, str(seal["plan"]), str(seal["period"]), position=int(seal["position"])
    )
    assert again.evidence is not None
    if again.evidence.checkpoint.root.hex() != seal["root"]:
        raise ReportMismatch(
            f"sổ cái hôm nay có gốc Merkle khác ở {seal['size']} sự kiện: lịch sử đã bị viết lại"
        )
    if again.sha256 != seal["content_sha256"]:
        raise ReportMismatch("dựng lại báo cáo ở cùng vị trí cho nội dung khác mã đã niêm phong")
    if found.shown is not None:
        from reports.docx import shown_of  # python-docx and matplotlib: only for Word files

        _first_difference(
            {f"bảng {n + 1}": t for n, t in enumerate(shown_of(again))},
            {f"bảng {n + 1}": t for n, t in enumerate(found.shown)},
        )
    else:
        expected = {
            t.name: [[c.title for c in t.columns], *text_rows(t)] for t in tables(again.facts)
        }
        shown = {n: [columns, *rows] for n, (_, columns, rows) in found.tables.items()}
        _first_difference(expected, shown)
    v.holds.append(
        f"dựng lại từ sổ cái ở vị trí {seal['position']}: cùng nội dung, cùng từng ô của các bảng"
    )


def _first_difference(
    expected: Mapping[str, Sequence[Sequence[str]]], found: Mapping[str, Sequence[Sequence[str]]]
) -> None:
    for name, rows in found.items():
        want = expected.get(name, [])
        for r, (a, b) in enumerate(zip(rows, want, strict=False)):
            for c, (x, y) in enumerate(zip(a, b, strict=False)):
                if x != y:
                    column = want[0][c] if want and c < len(want[0]) else str(c + 1)
                    raise ReportMismatch(
                        f"{name}, dòng {r}, cột «{column}»: tệp ghi {x!r}, sổ cái cho {y!r}"
                    )
            if len(a) != len(b):
                raise ReportMismatch(f"{name}, dòng {r}: số cột khác sổ cái")
        if len(rows) != len(want):
            raise ReportMismatch(f"{name}: tệp có {len(rows) - 1} dòng, sổ cái cho {len(want) - 1}")
