"""The ``parledger`` CLI as a user runs it: exit codes, one-line errors, JSON, history."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"


@pytest.fixture
def cli(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(small_plan().model_dump_json(by_alias=True), encoding="utf-8")

    def run(*argv: str, token: str | None = None) -> tuple[int, str, str]:
        if token:
            monkeypatch.setenv("PARLEDGER_TOKEN", token)
        else:
            monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run("plan", "import", str(plan_file))
    assert code == 0, err
    return run


def _token(run, name: str, role: str, agency: str | None = None) -> str:  # type: ignore[no-untyped-def]
    argv = ["users", "add", name, "--role", role, "--format", "json"]
    if agency:
        argv += ["--agency", agency]
    code, out, err = run(*argv)
    assert code == 0, err
    return str(json.loads(out)["token"])


def test_history_shows_who_when_what_and_why(cli) -> None:  # type: ignore[no-untyped-def]
    lan = _token(cli, "lan", "agency_officer", "phong-noi-vu")
    minh = _token(cli, "minh", "secretariat")
    assert (
        cli(
            "task",
            "progress",
            PLAN,
            "1",
            "--percent",
            "40",
            "--note",
            "Đã có dự thảo",
            "--effective",
            "2023-01-10",
            token=lan,
        )[0]
        == 0
    )
    assert (
        cli(
            "task",
            "deadline",
            PLAN,
            "1",
            "--due",
            "31/01/2023",
            "--reason",
            "Chờ ý kiến Sở Nội vụ",
            token=minh,
        )[0]
        == 0
    )
    assert cli("task", "complete", PLAN, "1", "--effective", "2023-01-30", token=lan)[0] == 0

    code, out, _ = cli("history", f"task:{PLAN}:1")
    assert code == 0
    assert out.count("\n#") == 4  # registration and three changes
    # DeadlineChanged, by the name users see
    assert "đổi hạn" in out and "lý do: Chờ ý kiến Sở Nội vụ" in out
    assert "hạn: 15/01/2023 → 31/01/2023" in out
    assert "user:lan" in out and "user:minh" in out
    assert "hiệu lực 30/01/2023" in out
    # The status as officials say it; the JSON keeps the stored value.
    assert "trạng thái: chưa thực hiện → đang thực hiện" in out
    assert "trạng thái: đang thực hiện → đã hoàn thành" in out

    code, out, _ = cli("history", f"task:{PLAN}:1", "--format", "json")
    events = json.loads(out)["events"]
    assert [e["actor_id"] for e in events[1:]] == ["user:lan", "user:minh", "user:lan"]
    assert events[3]["effective_at"].startswith("2023-01-30")
    assert events[2]["changes"] == [{"field": "due", "before": "2023-01-15", "after": "2023-01-31"}]
    assert {"field": "status", "before": "in_progress", "after": "completed"} in events[3][
        "changes"
    ]


def test_errors_are_one_line_with_a_fitting_exit_code(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("task", "complete", PLAN, "99")
    assert code == 3 and err.count("\n") == 1 and "không tìm thấy" in err
    code, _, err = cli("task", "reopen", PLAN, "1", "--reason", "x")
    assert code == 1 and "chưa hoàn thành" in err
    code, _, err = cli("task", "complete", PLAN, "1", "--effective", "2999-01-01")
    assert code == 2 and ": ngày hiệu lực 01/01/2999 00:00 ở tương lai\n" in err
    reader = _token(cli, "doc", "reader")
    code, _, err = cli("task", "complete", PLAN, "1", token=reader)
    assert code == 5 and "chủ trì" in err
    code, _, err = cli("task", "complete", PLAN, "1", token="plg.ghost.xxxx")
    assert code == 5 and "không hợp lệ" in err
    code, _, err = cli("history", "nonsense")
    assert code == 2 and "tham chiếu" in err


def test_revoked_token_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    token = _token(cli, "tam", "secretariat")
    assert cli("users", "revoke", "tam")[0] == 0
    code, _, err = cli("task", "complete", PLAN, "1", token=token)
    assert code == 5 and "thu hồi" in err


def test_idempotency_key_on_the_cli(cli) -> None:  # type: ignore[no-untyped-def]
    argv = ("task", "progress", PLAN, "2", "--note", "x", "--idempotency-key", "abc")
    assert cli(*argv)[0] == 0
    code, out, _ = cli(*argv)
    assert code == 0 and "khóa chống lặp" in out
    code, _, err = cli("task", "progress", PLAN, "2", "--note", "y", "--idempotency-key", "abc")
    assert code == 4 and "Idempotency-Key" in err


def test_plan_show_json(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("plan", "show", PLAN, "--format", "json")
    data = json.loads(out)
    assert code == 0 and [t["number"] for t in data["tasks"]] == ["1", "2"]
    assert (data["total_target"], data["total_max"]) == ("23.5", "24.5")


def test_every_subcommand_has_help() -> None:
    from cli.main import build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    names: list[list[str]] = []

    def walk(action, prefix: list[str]) -> None:  # type: ignore[no-untyped-def]
        for name, sub in action.choices.items():
            nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
            if nested:
                walk(nested[0], [*prefix, name])
            else:
                names.append([*prefix, name])

    walk(actions[0], [])
    assert len(names) > 25
    for words in names:
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", *words, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0 and "cách dùng: parledger" in result.stdout, words
        assert "usage" not in result.stdout and "show this help" not in result.stdout, words


SOURCE = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"


def test_init_loads_the_whole_cat_hai_plan_and_the_text_adds_nothing(  # type: ignore[no-untyped-def]
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert main(["init", "--format", "json"]) == 0
    registered = json.loads(capsys.readouterr().out)["registered"]
    assert sum(r.startswith("task:cat-hai-2023:") for r in registered) == 29
    assert sum(r.startswith("target:cat-hai-2023:") for r in registered) == 11
    assert "agency:xa-xuan-dam" in registered and "group:ubnd-cac-xa-thi-tran" in registered

    assert main(["plan", "show", "cat-hai-2023", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["tasks"]) == 29 and len(shown["targets"]) == 11 and len(shown["areas"]) == 7
    assert (shown["total_target"], shown["total_max"]) == ("62.0", "63.0")

    # The published text is the bundled plan's source: importing it again records nothing.
    assert main(["plan", "import", str(SOURCE), "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["registered"], again["amended"]) == ([], [])


def test_plan_check_lists_the_source_defects(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "import", str(SOURCE), "--check"]) == 0
    out = capsys.readouterr().out
    assert "29 nhiệm vụ" in out and "empty_product" in out and "dòng" in out


def test_plan_import_of_a_bad_text_exits_2_and_writes_nothing(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    bad = tmp_path / "plan.txt"
    bad.write_bytes(b"\xff\xfe")
    assert main(["plan", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UTF-8" in err
    assert main(["plan", "show", "plan", "--format", "json"]) == 3


def test_replay_as_known_earlier_differs_by_the_events_recorded_since(  # type: ignore[no-untyped-def]
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert main(["init"]) == 0
    assert main(["task", "progress", "cat-hai-2023", "3", "--percent", "30", "--note", "Khảo sát",
                 "--effective", "2023-05-10"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["projections", "status", "--format", "json"]) == 0
    mark = json.loads(capsys.readouterr().out)["head"]
    from ledger.application import ParLedger
    from persistence.settings import parse_database_url

    app = ParLedger(parse_database_url(db_url))
    known = app.recorder.select_index(gt=mark - 1, limit=1)[0][1].recorded_at  # type: ignore[attr-defined]
    app.close()
    # Recorded later, effective in June: the completion of 1.c and a late start of task 5.
    assert main(["task", "complete", "cat-hai-2023", "1.c", "--effective", "2023-06-02"]) == 0
    assert main(["task", "progress", "cat-hai-2023", "5", "--percent", "10", "--note", "Bắt đầu",
                 "--effective", "2023-06-15"]) == 0  # fmt: skip
    capsys.readouterr()
    base = ["replay", "cat-hai-2023", "--as-of", "2023-06-30", "--format", "json"]
    assert main(base) == 0
    now = json.loads(capsys.readouterr().out)
    assert main([*base, "--known-at", known.isoformat()]) == 0
    then = json.loads(capsys.readouterr().out)
    assert now["replay"]["events"] - then["replay"]["events"] == 2
    status_now = {r["number"]: r["status"] for r in now["task_board"]["tasks"]}
    status_then = {r["number"]: r["status"] for r in then["task_board"]["tasks"]}
    changed = {n for n in status_now if status_now[n] != status_then[n]}
    assert changed == {"1.c", "5"}  # heading 1 stays overdue: 1.b still is
    assert (status_then["1.c"], status_now["1.c"]) == ("overdue", "completed_late")
    assert (status_then["5"], status_now["5"]) == ("not_started", "in_progress")
    assert status_now["3"] == status_then["3"] == "in_progress"


def test_report_diff_shows_a_backdated_correction_with_who_and_why(  # type: ignore[no-untyped-def]
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert main(["init"]) == 0
    measure = ["--period-start", "2023-01-01", "--period-end", "2023-06-14",
               "--effective", "2023-06-14"]  # fmt: skip
    assert main(["target", "measure", "cat-hai-2023", "7", "--indicator", "7b", "--value", "85",
                 "--source", "Khảo sát", "--measurement-id", "m1", *measure]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["report", "cat-hai-2023", "Q2", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert main(["report", "submit", "cat-hai-2023", "Q2", "--format", "json"]) == 0
    submitted = json.loads(capsys.readouterr().out)
    assert submitted["sha256"] == shown["sha256"]
    assert main(["report", "diff", "cat-hai-2023", "Q2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == []
    assert main(["target", "correct", "cat-hai-2023", "7", "--replaces", "m1", "--value", "91",
                 "--source", "Khảo sát (sửa)", "--reason", "Nhập sai số phiếu",
                 "--measurement-id", "m2", *measure]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["report", "diff", "cat-hai-2023", "Q2", "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["reproduced"] is True
    [entry] = diff["entries"]
    assert (entry["kind"], entry["event"], entry["reason"]) == (
        "correction",
        "Target.MeasurementCorrected",
        "Nhập sai số phiếu",
    )
    assert entry["actor_role"] == "admin" and entry["effective_at"].startswith("2023-06-14")
    assert diff["changed_views"] == ["target_attainment"]
    assert main(["report", "diff", "cat-hai-2023", "Q3"]) == 3  # never submitted


def test_audit_and_timeline_commands(cli) -> None:  # type: ignore[no-untyped-def]
    lan = _token(cli, "lan", "agency_officer", "phong-noi-vu")
    for percent, day in (("30", "01/03/2023"), ("60", "2023-05-02")):
        code, _, err = cli(
            "task", "progress", PLAN, "2", "--percent", percent, "--note", "Kiểm tra",
            "--effective", day, token=lan,
        )  # fmt: skip
        assert code == 0, err
    code, out, err = cli("audit", "--agency", "phong-noi-vu", "--format", "json", "--limit", "1")
    assert code == 0, err
    page = json.loads(out)
    assert [r["entity"] for r in page["rows"]] == [f"task:{PLAN}:2"]
    assert page["rows"][0]["event"]["actor_id"] == "user:lan"
    code, out, _ = cli("audit", "--agency", "phong-noi-vu", "--cursor", str(page["next_cursor"]))
    assert code == 0 and "phần trăm: 30 → 60" not in out and "tiến độ: 30 → 60" in out
    assert "nhập muộn" in out  # recorded now, effective in 2023
    code, out, _ = cli("timeline", f"task:{PLAN}:2", "--as-of", "31/03/2023")
    assert code == 0
    assert "đến ngày 31/03/2023: 2 sự kiện" in out and "tiến độ: — → 30" in out
    assert cli("timeline", f"task:{PLAN}:9")[0] == 3  # nothing recorded for it
    code, _, err = cli("audit", "--kind", "nhiệm-vụ")
    assert code == 2 and "lỗi: loại thực thể 'nhiệm-vụ' không có" in err
    code, _, err = cli("audit", "--recorded-from", "2024-01-02", "--recorded-to", "2024-01-01")
    assert code == 2 and "lỗi: thời gian ghi: điểm đầu của khoảng sau điểm cuối\n" in err


@pytest.mark.parametrize(
    ("argv", "label"),
    [
        (["inspection", "conducted", "not-a-uuid"], "mã cuộc kiểm tra"),
        (["task", "progress", PLAN, "1", "--percent", "٤٠", "--note", "x"], "phần trăm"),
        (["task", "progress", PLAN, "1", "--percent", "true", "--note", "x"], "phần trăm"),
        (["target", "measure", PLAN, "1", "--indicator", "1a", "--value", "9,5",
          "--period-start", "2023-01-01", "--period-end", "2023-03-31",
          "--source", "x"], "giá trị"),
        (["users", "add", "../../x", "--role", "reader"], "tên"),
        (["inspection", "plan", PLAN, "--agency", "phong-noi-vu", "--kind", "thematic",
          "--scheduled-on", "2023-09-12", "--scope", "x"], None),
    ],
)  # fmt: skip
def test_a_users_mistake_is_an_input_error_naming_the_argument(  # type: ignore[no-untyped-def]
    cli, argv: list[str], label: str | None
) -> None:
    """Exit 2, one line naming what was wrong, nothing written; never "lỗi hệ thống"."""
    before = cli("audit", "--format", "json", "--limit", "500")[1]
    try:
        code, _, err = cli(*argv)
    except SystemExit as exit_:  # argparse refuses a value outside the choices itself
        code, err = int(str(exit_.code)), ""
    assert code == 2
    assert "lỗi hệ thống" not in err
    if label is not None:
        assert err.startswith("parledger: lỗi:") and f"{label}:" in err, err
        assert err.count("\n") == 1
    assert cli("audit", "--format", "json", "--limit", "500")[1] == before
