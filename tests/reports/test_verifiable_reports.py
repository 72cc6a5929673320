"""Exported reports carry a seal: the ledger's checkpoint at the report's position and digests of
the tables as shown. Each kind of file verifies on its own and against the ledger, and a changed
byte of the facts fails, naming what."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from integrity.digests import key_path, load_or_create_key, public_hex
from integrity.notes import parse
from integrity.proofs import TreeHead
from ledger.application import ParLedger
from ledger.usecases.plan import SubmitReport
from reports.data import Report, build_report
from reports.formats import render
from reports.readback import ReportMismatch, verify_report
from tests.cat_hai import Seeded
from tests.conftest import ctx

PLAN = "cat-hai-2023"


@pytest.fixture
def report(cat_hai: tuple[ParLedger, Seeded]) -> Report:
    return build_report(cat_hai[0], PLAN, "Q2")


def trusted() -> str:
    return public_hex(load_or_create_key(key_path()))


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx", "docx"])
def test_every_format_verifies_alone_and_against_the_ledger(
    cat_hai: tuple[ParLedger, Seeded], report: Report, kind: str
) -> None:
    app, _ = cat_hai
    data, _ = render(report, kind)
    alone = verify_report(data, trusted_key=trusted())
    assert alone.kind == kind and alone.seal["content_sha256"] == report.sha256
    assert alone.seal["position"] == report.facts.position
    assert any("chưa đối chiếu với sổ cái" in u for u in alone.unchecked)
    if kind == "docx":
        assert any("lời văn và biểu đồ" in u for u in alone.unchecked)
    full = verify_report(data, trusted_key=trusted(), app=app)
    assert any("dựng lại từ sổ cái" in h for h in full.holds)


def test_the_content_hash_that_report_submit_records_is_unchanged(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, _ = cat_hai
    result = app.handle(ctx(), SubmitReport(plan=PLAN, period="Q2"))
    position = int(result.detail["position"])
    again = build_report(app, PLAN, "Q2", position=position)
    seal = json.loads(render(again, "json")[0])["seal"]
    assert seal["content_sha256"] == again.sha256 == result.detail["sha256"]
    assert seal["facts_sha256"] != seal["content_sha256"]  # the new digest, beside the old


def _flip_json(data: bytes) -> bytes:
    document = json.loads(data)
    row = document["tables"]["targets"]["rows"][0]
    row["value"] = str(row["value"]) + "1"
    return json.dumps(document, ensure_ascii=False).encode()


def test_a_changed_cell_is_named_offline_by_its_table(report: Report) -> None:
    data = _flip_json(render(report, "json")[0])
    with pytest.raises(ReportMismatch, match="bảng targets khác dữ liệu đã niêm phong"):
        verify_report(data, trusted_key=trusted())
    # Someone who also recomputes the digests in the file cannot re-sign the seal; and with
    # the ledger the cell itself is named.
    document = json.loads(data)
    del document["seal"]["signature"]
    with pytest.raises(ReportMismatch, match="chữ ký"):
        verify_report(json.dumps(document).encode(), trusted_key=trusted())


def test_with_the_ledger_the_first_changed_cell_is_named(
    cat_hai: tuple[ParLedger, Seeded], report: Report
) -> None:
    from reports import readback

    app, _ = cat_hai
    data = _flip_json(render(report, "json")[0])
    found = readback.read_back(data)
    verdict = readback.Verdict(found.kind, found.seal)
    with pytest.raises(ReportMismatch, match=r"targets, dòng 1, cột «Kết quả»"):
        readback._check_ledger(app, found, verdict)


def _every_byte_of_the_facts(data: bytes, start: int, stop: int) -> list[bytes]:
    changed = []
    for i in range(start, stop):
        flipped = bytes([data[i] ^ 0x01])
        if flipped.isascii() and flipped not in b'"\\,\r\n':
            changed.append(data[:i] + flipped + data[i + 1 :])
    return changed


def test_any_changed_byte_of_a_csv_report_fails(report: Report) -> None:
    data = render(report, "csv")[0]
    start = data.index(b"\r\n") + 2  # the facts: everything after the seal row
    failures = 0
    for changed in _every_byte_of_the_facts(data, start, len(data))[::7]:
        with pytest.raises(ReportMismatch) as error:
            verify_report(changed, trusted_key=trusted())
        assert any(w in str(error.value) for w in ("bảng", "CSV", "không đọc được tệp"))
        failures += 1
    assert failures > 100


def test_the_seal_and_checkpoint_cannot_be_altered(report: Report) -> None:
    document = json.loads(render(report, "json")[0])
    seal = document["seal"]
    for key, value in [
        ("position", seal["position"] + 1),
        ("root", "00" * 32),
        ("facts_sha256", "11" * 32),
        ("checkpoint", seal["checkpoint"].replace("\n\n", "\nextra\n\n", 1)),
    ]:
        altered = {**document, "seal": {**seal, key: value}}
        with pytest.raises(ReportMismatch, match="chữ ký"):
            verify_report(json.dumps(altered).encode(), trusted_key=trusted())
    with pytest.raises(ReportMismatch, match="khoá tin cậy"):
        verify_report(json.dumps(document).encode(), trusted_key="ab" * 32)


def test_excel_and_word_changes_are_caught(report: Report) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")[0]))
    book["Điểm lĩnh vực"]["C5"] = 5
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ReportMismatch, match="bảng scores"):
        verify_report(out.getvalue(), trusted_key=trusted())

    import docx

    document = docx.Document(io.BytesIO(render(report, "docx")[0]))
    cell = document.tables[1].rows[1].cells[1]
    cell.paragraphs[0].runs[0].text += "."
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(ReportMismatch, match="tài liệu Word"):
        verify_report(out.getvalue(), trusted_key=trusted())


def test_word_footer_shows_the_code_and_the_properties_hold_the_seal(report: Report) -> None:
    import docx

    data = render(report, "docx")[0]
    footer = docx.Document(io.BytesIO(data)).sections[0].footer
    text = "\n".join(p.text for p in footer.paragraphs)
    seal = verify_report(data).seal
    assert f"Mã xác thực: {seal['code']}" in text and f"Vị trí sổ cái {seal['position']}" in text
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"parledger-report-seal" in archive.read("docProps/custom.xml")


def test_a_held_checkpoint_is_compared(cat_hai: tuple[ParLedger, Seeded], report: Report) -> None:
    app, _ = cat_hai
    data = render(report, "json")[0]
    seal = verify_report(data).seal
    note = parse(seal["checkpoint"])
    same = TreeHead(note.size, note.root, "điểm kiểm đang giữ")
    assert any("nhất quán" in h for h in verify_report(data, held=same).holds)
    forked = TreeHead(note.size, bytes(32), "điểm kiểm đang giữ")
    with pytest.raises(ReportMismatch, match="rẽ nhánh"):
        verify_report(data, held=forked)
    older = TreeHead(3, bytes(32), "điểm kiểm cũ")
    assert any("bằng chứng nhất quán" in u for u in verify_report(data, held=older).unchecked)
    with pytest.raises(ReportMismatch, match="điểm kiểm cũ"):
        verify_report(data, held=older, app=app)


def test_single_table_csv_is_an_unsealed_extract(report: Report) -> None:
    one = render(report, "csv", "tasks")[0]
    assert next(csv.reader(io.StringIO(one.decode("utf-8-sig"))))[0] == "STT"
    with pytest.raises(ReportMismatch, match="trích xuất"):
        verify_report(one)


def test_a_published_cosigned_checkpoint_is_embedded(
    cat_hai: tuple[ParLedger, Seeded], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrity.checkpoints import publish
    from integrity.notes import origin_for

    app, _ = cat_hai
    key = load_or_create_key(key_path())
    _, target, _ = publish(app.ledger_recorder, key, origin_for(key), tmp_path)
    witness = load_or_create_key(tmp_path / "witness.pem")
    target.write_text(parse(target.read_text()).cosigned("w.example/1", witness, 1).text())
    monkeypatch.setenv("PARLEDGER_CHECKPOINTS", str(tmp_path))
    seal = verify_report(render(build_report(app, PLAN, "Q2"), "json")[0]).seal
    assert "— w.example/1 " in seal["checkpoint"]
