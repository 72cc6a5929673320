"""The Q2 report of Cát Hải as files, opened again and read: the tasks, figures and dates of
the plan must be in them, as the ledger holds them."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import docx
import openpyxl
import pytest

from domain.errors import InvalidValue, NotFound
from ledger.application import ParLedger
from ledger.usecases.plan import SubmitReport
from replay.reports import report_content
from reports.data import build_report
from reports.formats import render
from tests.cat_hai import PLAN, Seeded, agency, seed, task
from tests.conftest import ctx

ISSUED = date(2023, 6, 8)
SHEETS = ["Thông tin", "Nhiệm vụ", "Chỉ tiêu", "Điểm lĩnh vực", "Kiểm tra",
          "Hồ sơ trễ hạn và xin lỗi"]  # fmt: skip


def _rows(sheet: Any) -> dict[Any, tuple[Any, ...]]:
    """A sheet's data rows by their first cell (the header is on row 4)."""
    return {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}


def test_excel_has_a_sheet_per_table_with_the_plans_tasks_and_figures(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, seeded = cat_hai
    data, fmt = render(build_report(app, PLAN, "Q2", issued_on=ISSUED), "xlsx")
    assert fmt.media_type.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS
    tasks = _rows(book["Nhiệm vụ"])
    assert len(tasks) == len(seeded.plan.tasks) == 29
    content, due = task(seeded.plan, "1.b")
    _, text, area, lead, _, timeframe, due_cell, status, done, _ = tasks["1.b"]
    assert (text, area, timeframe) == (content, "I", "15/01/2023")
    assert lead == agency(seeded.plan, "phong-noi-vu-ldtbxh")
    assert due_cell == datetime.combine(due, datetime.min.time())  # a real date cell
    assert (status, done) == ("hoàn thành đúng hạn", datetime(2023, 1, 14))
    cells = next(r for r in book["Nhiệm vụ"].iter_rows(min_row=5) if r[0].value == "1.b")
    assert cells[6].number_format == "dd/mm/yyyy"
    assert tasks["3"][7:] == ("đang thực hiện", None, 40)
    assert tasks["1.c"][7] == "quá hạn"  # due 31/01/2023, not completed by the cut-off
    targets = {r[1]: r for r in book["Chỉ tiêu"].iter_rows(min_row=5, values_only=True)}
    assert len(targets) == sum(len(t.indicators) for t in seeded.plan.targets)
    assert targets["7b"][3:6] == (">= 90%", 88, "có nguy cơ không đạt")
    assert targets["2a"][6] == "tính từ sổ cái"
    scores = _rows(book["Điểm lĩnh vực"])
    assert scores["II"][2:5] == (4, 4, 3.5)
    assert scores["Tổng"][2:4] == (62, 63)  # the plan's 62/63 points
    inspection = book["Kiểm tra"]["A5":"J5"][0]
    assert [c.value for c in inspection][:2] == [agency(seeded.plan, "xa-dong-bai"), "định kỳ"]
    assert inspection[7].value == "Chưa niêm yết đủ thủ tục hành chính"
    assert inspection[9].value == datetime(2023, 5, 31)
    dossier = _rows(book["Hồ sơ trễ hạn và xin lỗi"])["HS-2023-001"]
    assert dossier[2] == agency(seeded.plan, "phong-kinh-te-ha-tang") and dossier[6] == "có"
    cover = [row[0] for row in book["Thông tin"].iter_rows(values_only=True)]
    assert cover[:2] == ["UBND HUYỆN CÁT HẢI", "BÁO CÁO QUÝ II NĂM 2023"]
    assert "Cát Hải, ngày 08 tháng 6 năm 2023" in cover


def test_word_report_has_the_administrative_layout_tables_and_charts(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, seeded = cat_hai
    data, _ = render(build_report(app, PLAN, "2023-Q2", issued_on=ISSUED), "docx")
    document = docx.Document(io.BytesIO(data))
    header = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert header[0] == ["UBND HUYỆN CÁT HẢI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert header[1][1].startswith("Độc lập - Tự do - Hạnh phúc")
    assert header[2] == ["Số: …/BC-UBND", "Cát Hải, ngày 08 tháng 6 năm 2023"]
    text = [p.text for p in document.paragraphs]
    assert text[:2] == ["BÁO CÁO", "Kết quả thực hiện công tác cải cách hành chính Quý II năm 2023"]
    headings = [t for t in text if t[:4].rstrip(".").strip() in ("I", "II", "III", "IV", "V", "VI")
                or t.split(".")[0] in ("I", "II", "III", "IV", "V", "VI")]  # fmt: skip
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]
    assert headings[0] == "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ"
    assert any("từ ngày 15 tháng 3 năm 2023 đến ngày 14 tháng 6 năm 2023" in t for t in text)
    tasks = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[1].rows}
    content, _ = task(seeded.plan, "1.b")
    assert tasks["1.b"][1] == content
    assert tasks["1.b"][3:] == ["ngày 15 tháng 01 năm 2023", "hoàn thành đúng hạn",
                                "ngày 14 tháng 01 năm 2023"]  # fmt: skip
    targets = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[2].rows}
    assert targets["7b"][2:] == [">= 90%", "88", "có nguy cơ không đạt"]
    scores = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[3].rows}
    assert scores["Tổng"][2:5] == ["62", "63", "3,5"]
    assert len(document.inline_shapes) == 4  # the four charts
    signature = document.tables[-1].rows[0].cells[1].text
    assert "TM. ỦY BAN NHÂN DÂN" in signature and seeded.plan.signer.name in signature


def test_csv_and_json_carry_the_content_and_its_hash(cat_hai: tuple[ParLedger, Seeded]) -> None:
    app, _ = cat_hai
    report = build_report(app, PLAN, "Q2")
    assert report.sha256 == report_content(app, PLAN, "Q2")["sha256"]
    document = json.loads(render(report, "json")[0])
    assert document["sha256"] == report.sha256 and document["content"] == report.content
    assert document["period"]["data_to"] == "2023-06-14"
    rows = {r["indicator"]: r for r in document["tables"]["targets"]["rows"]}
    assert rows["7b"]["value"] == "88"
    one = render(report, "csv", "scores")[0].decode("utf-8")
    assert one.startswith("\ufeffLĩnh vực,Tên lĩnh vực,Điểm phấn đấu")
    parsed = list(csv.reader(io.StringIO(one.lstrip("\ufeff"))))
    assert parsed[-1][:4] == ["Tổng", "", "62", "63"]
    every = render(report, "csv")[0].decode("utf-8")
    assert every.count("SHA-256 " + report.sha256) == 5
    with pytest.raises(InvalidValue) as error:
        render(report, "csv", "people")
    assert error.value.field == "table"
    with pytest.raises(InvalidValue) as error:
        render(report, "pdf")
    assert error.value.field == "format"


def test_known_at_gives_the_report_as_the_ledger_stood(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, seeded = cat_hai
    then = build_report(app, PLAN, "Q2", seeded.before_measurement)
    now = build_report(app, PLAN, "Q2")
    value = {
        r["indicator"]: r["value"] for r in then.facts.views["target_attainment"]["indicators"]
    }
    assert value["7b"] is None
    assert now.facts.position > then.facts.position and now.sha256 != then.sha256
    again = build_report(app, PLAN, "Q2", seeded.before_measurement)
    assert again.sha256 == then.sha256  # past answers never change


def test_a_submitted_report_is_reproduced_from_its_position(
    cat_hai: tuple[ParLedger, Seeded],
) -> None:
    app, _ = cat_hai
    result = app.handle(ctx(), SubmitReport(plan=PLAN, period="Q2"))
    position = int(result.detail["position"])
    assert build_report(app, PLAN, "Q2", position=position).sha256 == result.detail["sha256"]
    assert result.positions


@pytest.mark.parametrize(
    ("plan", "period", "error", "field"),
    [
        (PLAN, "Q7", NotFound, "period"),
        (PLAN, "2024-Q2", NotFound, "period"),
        (PLAN, "Q/2", InvalidValue, "period"),
        ("khong-co", "Q2", NotFound, "plan"),
    ],
)
def test_bad_plan_or_period_names_the_field(
    cat_hai: tuple[ParLedger, Seeded], plan: str, period: str, error: type[Exception], field: str
) -> None:
    app, _ = cat_hai
    with pytest.raises(error) as raised:
        build_report(app, plan, period)
    assert getattr(raised.value, "field", None) == field


def test_both_backends_give_the_same_report(app: ParLedger) -> None:
    seed(app)
    report = build_report(app, PLAN, "Q2", issued_on=ISSUED)
    scores = {a["area"]: a for a in report.facts.views["area_scores"]["areas"]}
    assert Decimal(scores["II"]["self_assessed"]) == Decimal("3.5")
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")[0]))
    assert _rows(book["Nhiệm vụ"])["1.b"][7] == "hoàn thành đúng hạn"
