"""``parledger calendar`` and ``parledger rules``: answers naming the calendar's version, a
correction recorded by the machine's administrator, exit codes naming the field."""

from __future__ import annotations

import json

import pytest

from cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_calendar_commands_and_a_recorded_correction(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert main(["init"]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, "calendar", "add-days", "24/01/2025", "1", "--format", "json")
    assert code == 0 and json.loads(out)["day"] == "2025-02-03"
    code, out, _ = _run(capsys, "calendar", "between", "2025-01-24", "2025-02-03")
    assert code == 0 and out.startswith("1 ngày làm việc")
    code, out, _ = _run(capsys, "calendar", "show", "--from", "2025-01-27", "--format", "json")
    assert code == 0 and json.loads(out)["days"][0]["why"] == "29 Tết"

    code, _, err = _run(capsys, "calendar", "add-days", "2025-01-24", "5000")
    assert code == 2 and "lỗi: số ngày làm việc: nhiều nhất 1000 ngày làm việc" in err
    code, _, err = _run(capsys, "calendar", "show", "--from", "1990-01-01")
    assert code == 2 and "lỗi: ngày đầu: ngày 01/01/1990 nằm ngoài" in err
    with pytest.raises(SystemExit) as usage:  # argparse: a required flag missing
        main(["calendar", "correct", "2026-03-07", "--status", "working", "--source", "TB 1"])
    assert usage.value.code == 2 and "--reason" in capsys.readouterr().err
    code, _, _ = _run(
        capsys, "calendar", "correct", "07/03/2026", "--status", "working",
        "--source", "Thông báo thử số 1", "--reason", "Làm bù",
    )  # fmt: skip
    assert code == 0
    code, out, _ = _run(capsys, "calendar", "show", "--from", "2026-03-07", "--format", "json")
    shown = json.loads(out)
    assert shown["days"][0]["working"] and shown["days"][0]["source"] == "Thông báo thử số 1"
    assert "+ledger@" in shown["calendar"]


def test_rules_list_needs_no_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "rules", "list", "--on", "2024-06-30", "--level", "district")
    assert code == 0 and "\nreporting-periods@2019.1-huyen: " in f"\n{out}"
    code, out, _ = _run(
        capsys, "rules", "list", "--rule", "reporting-periods", "--on", "2025-07-01",
        "--level", "district",
    )  # fmt: skip
    assert code == 0 and out.startswith("reporting-periods@2019.1: ")
    code, out, _ = _run(capsys, "rules", "list", "--format", "json")
    assert {v["ref"] for v in json.loads(out)} >= {"reporting-periods@2019.1"}
    code, _, err = _run(capsys, "rules", "list", "--rule", "khong-co")
    assert code == 2 and "lỗi: quy định: không có bộ quy định 'khong-co'" in err
    code, out, _ = _run(capsys, "rules", "list", "--on", "2010-01-01")
    assert code == 3 and "Không có quy định" in out
