"""A newcomer from a unit after the July-2025 reorganisation (a ward of Đà Nẵng, a department
of Lâm Đồng) through the CLI on a fresh store, both backends: the plan text imports with its
warnings, nothing falls back to Cát Hải's defaults, and every refusal is Vietnamese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

PLANS = Path(__file__).resolve().parents[1] / "plans"
WARD = PLANS / "phuong-hai-chau-da-nang-2026.txt"
DEPARTMENT = PLANS / "so-tu-phap-lam-dong-2026.txt"


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)

    def call(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as stop:  # argparse's own refusals
            code = int(stop.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.mark.parametrize(
    ("text", "plan", "warnings"),
    [
        (
            WARD,
            "da-nang-hai-chau-2026",
            # the ward's own offices ("Phòng Kinh tế, Hạ tầng và Đô thị phường", "Công an
            # phường") are in its directory: no unknown agency
            {"reporting_due_before_cutoff": 1, "catch_all_group": 2},
        ),
        (
            DEPARTMENT,
            "lam-dong-so-tu-phap-2026",
            {
                "reporting_due_before_cutoff": 1,
                "prose_tasks": 1,
                "catch_all_group": 1,
                "unknown_agency": 3,
                "conditional_timeframe": 1,
            },
        ),
    ],
)
def test_each_new_plan_text_imports_on_a_fresh_store_with_its_warnings(  # type: ignore[no-untyped-def]
    run, text: Path, plan: str, warnings: dict[str, int]
) -> None:
    code, out, err = run("plan", "import", str(text), "--check", "--format", "json")
    assert code == 0, err
    checked = json.loads(out)
    found: dict[str, int] = {}
    for w in checked["warnings"]:
        found[w["code"]] = found.get(w["code"], 0) + 1
    assert found == warnings
    code, out, err = run("plan", "import", str(text))
    assert code == 0 and plan in out, err
    code, out, err = run("plan", "show")  # the only plan: no Cát Hải default
    assert code == 0 and out.splitlines()[0].startswith("Kế hoạch cải cách hành chính"), err


def test_a_ward_of_da_nang_through_the_cli(run) -> None:  # type: ignore[no-untyped-def]
    plan = "da-nang-hai-chau-2026"
    assert run("plan", "import", str(WARD))[0] == 0
    code, out, err = run(
        "task", "progress", plan, "3", "--percent", "40", "--note", "Đã khảo sát",
        "--effective", "2026-06-10",
    )  # fmt: skip
    assert code == 0 and out.startswith("nhiệm vụ ") and "phiên bản 2" in out, err
    code, _, err = run("task", "progress", plan, "3", "--percent", "140", "--note", "x")
    assert code == 2 and "phần trăm: phải nhỏ hơn hoặc bằng 100" in err
    assert "percent" not in err
    # no PAR-index rule set for Đà Nẵng's communes: said, with the sets there are
    code, out, err = run("score", "show", plan, "--as-of", "31/12/2026")
    assert code == 3 and out == ""
    assert "không có bộ chỉ số CCHC nào áp dụng cho cấp xã" in err and "da-nang" in err
    # the province by the name the ledger records for it, its code beside
    assert "cho cấp xã của thành phố Đà Nẵng (da-nang) năm 2026" in err
    assert err.startswith("parledger: lỗi: bộ quy định: không có bộ chỉ số")
    assert "par-index.commune.hai-phong@1" in err and len(err.strip().splitlines()) == 1
    code, out, err = run("obligations", "list", "--plan", plan, "--as-of", "30/06/2026")
    assert code == 0 and "Báo cáo Quý I năm 2026" in out, err
    code, _, err = run("obligations", "list", "--unit", "hai-chau", "--as-of", "30/06/2026")
    assert code == 3 and "không có đơn vị hành chính mã “hai-chau”" in err
    code, out, err = run("obligations", "list", "--unit", "da-nang-hai-chau")
    assert code == 0, err
    # agency codes are qualified by the unit: a bare one is answered with what it could mean
    code, _, err = run(
        "users", "add", "lan", "--role", "agency_officer", "--agency", "van-phong-hdnd-ubnd"
    )
    assert code == 3 and "có phải: da-nang-hai-chau.van-phong-hdnd-ubnd" in err
    code, _, err = run("audit", "--plan", "hai-chau-2026")
    assert code == 3 and "không tìm thấy kế hoạch hai-chau-2026" in err
    code, _, err = run("report", plan, "Q5")
    assert code == 3 and "có: Q1, Q2, H1, Q3, Q4, Y" in err
    code, out, err = run("report", plan, "Q2")
    assert code == 0 and "Báo cáo Quý II năm 2026" in out, err
    # a second plan: which one to show must be said, and the ledger names them
    assert run("plan", "import", str(DEPARTMENT))[0] == 0
    code, _, err = run("plan", "show")
    assert code == 2 and "da-nang-hai-chau-2026, lam-dong-so-tu-phap-2026" in err
    assert "cat-hai" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("khong-co",), "lỗi: đối số COMMAND: lựa chọn không hợp lệ 'khong-co'"),
        (("task", "progress", "p-2026", "3"), "lỗi: thiếu đối số bắt buộc: --note"),
        (("plan", "show", "--khong-co"), "lỗi: đối số không nhận ra: --khong-co"),
        (("serve", "--port", "abc"), "không phải số nguyên"),
        (("calendar", "show", "--from"), "đối số --from: cần một giá trị"),
    ],
)
def test_the_parsers_own_refusals_are_vietnamese(  # type: ignore[no-untyped-def]
    run, argv: tuple[str, ...], words: str
) -> None:
    code, _, err = run(*argv)
    assert code == 2 and words in err, err
    assert "cách dùng: parledger" in err
    for english in ("usage:", "error:", "invalid choice", "required", "unrecognized"):
        assert english not in err, err
