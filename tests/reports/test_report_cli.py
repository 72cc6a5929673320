"""``parledger report PLAN PERIOD --format … --output FILE`` as a user runs it."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest


def test_q2_in_excel_and_word_with_one_command_each(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    xlsx, word = tmp_path / "q2.xlsx", tmp_path / "q2.docx"
    code, _, err = run("report", "cat-hai-2023", "Q2", "--format", "xlsx", "--output", str(xlsx))
    assert code == 0 and "Quý II năm 2023" in err
    book = openpyxl.load_workbook(xlsx)
    assert book["Chỉ tiêu"]["B5"].value == "1a"
    code, _, _ = run("report", "cat-hai-2023", "2023-Q2", "--format", "docx", "-o", str(word),
                     "--issued-on", "08/06/2023")  # fmt: skip
    assert code == 0
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.read_bytes())).paragraphs]
    assert "BÁO CÁO" in paragraphs


def test_csv_to_stdout_and_known_at(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("report", "cat-hai-2023", "Q2", "--format", "csv", "--table", "targets")
    assert code == 0 and out.startswith("Chỉ tiêu,Chỉ số,Nội dung")
    assert ",7b," in out and ",88," in out
    code, _, _ = run("report", "cat-hai-2023", "Q2", "--format", "csv", "--table", "targets",
                         "--known-at", "2000-01-01T00:00:00+07:00")  # fmt: skip
    assert code == 3  # the plan was not in the ledger then


@pytest.mark.parametrize(
    ("argv", "exit_code", "field"),
    [
        # the field (period) by its Vietnamese name: kỳ
        (["Q/2", "--format", "json"], 2, "lỗi: kỳ báo cáo 'Q/2' không hợp lệ"),
        (["Q7", "--format", "json"], 3, "lỗi: kỳ: kế hoạch cat-hai-2023 không có kỳ báo cáo"),
        (["2024-Q2", "--format", "csv"], 3, "lỗi: kỳ: kế hoạch cat-hai-2023 không có kỳ báo cáo"),
        (["Q2", "--format", "xlsx"], 2, "lỗi: --output:"),
    ],
)
def test_bad_input_exits_with_a_reason_naming_the_field(  # type: ignore[no-untyped-def]
    run, argv: list[str], exit_code: int, field: str
) -> None:
    code, _, err = run("report", "cat-hai-2023", *argv)
    assert code == exit_code and field in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "option"),
    [(["--format", "pdf"], "--format"), (["--known-at", "2023-02-30"], "--known-at")],
)
def test_malformed_options_are_usage_errors(  # type: ignore[no-untyped-def]
    run, argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        run("report", "cat-hai-2023", "Q2", *argv)
    assert raised.value.code == 2 and option in capsys.readouterr().err


def test_unknown_plan_exits_3(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("report", "khong-co", "Q2", "--format", "json")
    assert code == 3 and "lỗi: kế hoạch: không có kế hoạch khong-co" in err
