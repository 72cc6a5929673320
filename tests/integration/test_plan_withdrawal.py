"""A re-imported plan text that drops areas, targets or tasks withdraws them: events with the
reason, gone from the live views, kept in history and in as-of answers before the withdrawal;
a later text that has them again brings them back. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from domain import ids
from domain.errors import RuleViolation
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.importer import check_import, import_plan
from ledger.usecases.plan import RecordAreaScore
from ledger.usecases.target import RecordMeasurement
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from planfile.parser import parse_plan_text
from projections import live, views
from replay import replay
from tests.conftest import ctx

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"
LINES = SEED.read_text("utf-8").split("\n")
PLAN = "cat-hai-2023"
AREA_VII_TASKS = {t.number for t in parse_plan_text(SEED).tasks if t.area == "VII"}


def line_of(prefix: str) -> int:
    return next(i for i, line in enumerate(LINES, 1) if line.startswith(prefix))


def variant(
    tmp_path: Path,
    name: str,
    *,
    drop_area_vii: bool = False,
    drop_task: str | None = None,
    drop_target: int | None = None,
) -> Path:
    """The seed's text with area VII (its body section and its appendix rows), one task's row
    or one target's paragraph left out."""
    lines = list(LINES)
    if drop_area_vii:
        body = (
            line_of("7. Xây dựng và phát triển chính quyền"),
            line_of("Phần đầu năm 2023 đạt 14.5"),
        )
        appendix = line_of("VII. Hiện đại hóa") - 2  # the table's header row above it too
        lines = lines[: body[0] - 1] + lines[body[1] + 1 : appendix - 1]
    if drop_task is not None:
        lines = [line for line in lines if not line.startswith(f"{drop_task}\t")]
    if drop_target is not None:
        lines = [line for line in lines if not line.startswith(f"{drop_target}. 100% các cơ quan")]
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _numbers(answer: dict[str, Any]) -> dict[str, set[Any]]:
    return {
        "tasks": {r["number"] for r in answer["task_board"]["tasks"]},
        "targets": {r["target"] for r in answer["target_attainment"]["indicators"]},
        "areas": {r["area"] for r in answer["area_scores"]["areas"]},
    }


def test_a_reimport_withdraws_what_the_text_dropped(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    today = datetime.now(VN_TZ).date()
    whole = _numbers(replay(app, PLAN, today, use_checkpoints=False))
    known = datetime.now(VN_TZ)
    text = variant(tmp_path, "b.txt", drop_area_vii=True, drop_task="14", drop_target=11)

    report = import_plan(app, parse_plan_text(text), ctx())

    tasks = {f"task:{PLAN}:{n}" for n in {"14", *AREA_VII_TASKS}}
    assert set(report.withdrawn) == {f"area:{PLAN}:VII", f"target:{PLAN}:11", *tasks}
    assert not report.registered
    gone = {c.ref: c.line for c in report.changes if c.change == "withdrawn"}
    assert gone[f"task:{PLAN}:14"] == line_of("14\t")  # the line in the text that had it
    assert gone[f"area:{PLAN}:VII"] is not None

    # Gone from the live views (caught up from the events, as the API reads them) ...
    live.catch_up(app)
    state = live.stored_state(app)
    board = views.task_board(state, PLAN, today)
    assert {r["number"] for r in board["tasks"]} == whole["tasks"] - {"14", *AREA_VII_TASKS}
    scores = views.area_scores(state, PLAN, today)
    assert [a["area"] for a in scores["areas"]] == ["I", "II", "III", "IV", "V", "VI"]
    assert scores["total"]["target"] == "47.5"  # 62 without VII's 14.5
    attainment = views.target_attainment(state, PLAN, today)
    assert {r["target"] for r in attainment["indicators"]} == whole["targets"] - {11}
    # ... and from a replay as of today, but not from what was known before, nor as of a day
    # before the withdrawal took effect.
    seen_live = {"task_board": board, "target_attainment": attainment, "area_scores": scores}
    assert _numbers(replay(app, PLAN, today, use_checkpoints=False)) == _numbers(seen_live)
    assert _numbers(replay(app, PLAN, today, known, use_checkpoints=False)) == whole
    assert _numbers(replay(app, PLAN, today - timedelta(days=1), use_checkpoints=False)) == whole

    # History keeps the task, its withdrawal and why.
    last = list(app.events.get(ids.task_id(PLAN, "14")))[-1]
    assert type(last).__qualname__ == "Task.Withdrawn" and "b.txt" in str(last.meta.reason)
    # Nothing more is recorded against what left the plan.
    with pytest.raises(RuleViolation, match="rút khỏi kế hoạch"):
        app.handle(ctx(), ReportTaskProgress(plan=PLAN, number="14", percent=10, note="x"))
    with pytest.raises(RuleViolation, match="rút khỏi kế hoạch"):
        app.handle(
            ctx(),
            RecordMeasurement(
                plan=PLAN,
                target=11,
                indicator="11a",
                value="100",
                period_start=date(2023, 1, 1),
                period_end=date(2023, 6, 30),
                source="Báo cáo",
            ),
        )
    with pytest.raises(Exception, match="VII"):
        app.handle(ctx(), RecordAreaScore(plan=PLAN, area="VII", kind="self_assessed", score="1"))

    # The same text under another name records nothing; the whole text brings all back.
    assert not import_plan(app, parse_plan_text(text.rename(tmp_path / "c.txt")), ctx()).changed
    back = import_plan(app, parse_plan_text(SEED), ctx())
    assert set(back.reinstated) == set(report.withdrawn)
    assert _numbers(replay(app, PLAN, today, use_checkpoints=False)) == whole


def test_check_lists_every_change_and_writes_nothing(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    text = variant(tmp_path, "b.txt", drop_task="14")
    changed = text.read_text("utf-8").replace("Kiểm tra cải cách hành chính", "Kiểm tra CCHC")
    text.write_text(changed, encoding="utf-8")
    size = app.recorder.max_notification_id()

    checked = check_import(app, parse_plan_text(text), ctx())

    assert app.recorder.max_notification_id() == size
    assert [(c.change, c.ref, c.line) for c in checked.changes if c.ref.startswith("task:")] == [
        ("changed", f"task:{PLAN}:4", line_of("4\tKiểm tra")),
        ("withdrawn", f"task:{PLAN}:14", line_of("14\t")),
    ]
    # Importing does exactly what the check listed.
    done = import_plan(app, parse_plan_text(text), ctx())
    assert done.changes == checked.changes


def test_the_cli_check_lists_the_changes_against_the_ledger(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert main(["plan", "import", str(SEED), "--format", "json"]) == 0
    capsys.readouterr()
    text = variant(tmp_path, "b.txt", drop_area_vii=True, drop_target=11)
    app = ParLedger(parse_database_url(db_url))
    size = app.recorder.max_notification_id()

    assert main(["plan", "import", str(text), "--check", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["changes"]
    assert main(["plan", "import", str(text), "--check"]) == 0
    shown = capsys.readouterr().out

    assert app.recorder.max_notification_id() == size  # nothing written
    app.close()
    withdrawn = {c["ref"]: c["line"] for c in listed if c["change"] == "withdrawn"}
    assert withdrawn[f"target:{PLAN}:11"] == line_of("11. 100% các cơ quan")
    assert f"area:{PLAN}:VII" in withdrawn
    assert {"change": "changed", "ref": f"plan:{PLAN}", "line": None, "detail": []} == {
        k: v
        for k, v in next(c for c in listed if c["ref"] == f"plan:{PLAN}").items()
        if k != "fields"
    }
    assert f"dòng {line_of('11. 100% các cơ quan'):>4} rút khỏi kế hoạch" in shown
    assert main(["plan", "import", str(text), "--format", "json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["changes"] == listed


def test_a_check_without_a_store_lists_everything_as_added_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "none.sqlite3"
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", f"sqlite:///{store}")
    assert main(["plan", "import", str(SEED), "--check", "--format", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert not store.exists()
    assert {c["change"] for c in changes} == {"added"}
    assert sum(c["ref"].startswith(f"task:{PLAN}:") for c in changes) == 29
    assert sum(c["ref"].startswith(f"area:{PLAN}:") for c in changes) == 7
