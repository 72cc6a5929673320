"""A re-imported text that removes a task's deadline, lists a task under another area or
names no lead for it records each change as the task's own event, with the file in its reason;
``--check`` lists each with its line and what changed, in Vietnamese, before anything is
written; the plan then equals a fresh import of the same text, and the text before brings all
back. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from domain import ids
from domain.errors import RuleViolation
from domain.task import Task
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.importer import check_import, import_plan
from ledger.usecases.task import CancelTask
from persistence.settings import parse_database_url
from planfile.parser import parse_plan_text
from replay import replay
from tests.conftest import ctx

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"
LINES = SEED.read_text("utf-8").split("\n")
PLAN = "cat-hai-2023"
ROW_10 = "10\t"


def cells(number: str, **changes: str) -> str:
    """Task ``number``'s row of the seed's appendix with some of its cells replaced."""
    row = next(line for line in LINES if line.startswith(f"{number}\t")).split("\t")
    at = {"lead": 2, "timeframe": 4}
    for name, value in changes.items():
        row[at[name]] = value
    return "\t".join(row)


def changed_text(tmp_path: Path, name: str = "b.txt") -> Path:
    """The seed with task 7's time frame left blank, task 10's lead cell emptied, and task 18
    listed at the end of area III instead of the start of area IV."""
    lines = []
    for line in LINES:
        if line.startswith("18\t"):
            continue
        if line.startswith("IV. Cải cách tổ chức"):
            lines.append(LINES[line_of("18\t") - 1])
        lines.append(
            cells("7", timeframe="")
            if line.startswith("7\t")
            else cells("10", lead="")
            if line.startswith("10\t")
            else line
        )
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def line_of(prefix: str, lines: list[str] = LINES) -> int:
    return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))


def task_state(app: ParLedger, number: str) -> tuple[Any, ...]:
    task = app.load(Task, ids.task_id(PLAN, number), "task")
    return task.area, task.parent, task.start, task.due, task.lead


def rows(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["number"]: r for r in answer["task_board"]["tasks"]}


def test_removals_and_moves_are_recorded_and_listed(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    before = {n: task_state(app, n) for n in ("7", "10", "18")}
    assert before["7"][3] is not None and before["10"][4] and before["18"][0] == "IV"
    known = datetime.now(VN_TZ)
    text = changed_text(tmp_path)
    new_lines = text.read_text("utf-8").split("\n")
    size = app.recorder.max_notification_id()

    checked = check_import(app, parse_plan_text(text), ctx())

    assert app.recorder.max_notification_id() == size  # nothing written
    tasks = {c.ref: c for c in checked.changes if c.ref.startswith("task:")}
    assert set(tasks) == {f"task:{PLAN}:{n}" for n in ("7", "10", "18")}
    deadline, lead, moved = (tasks[f"task:{PLAN}:{n}"] for n in ("7", "10", "18"))
    assert (deadline.line, deadline.fields) == (line_of("7\t"), ("timeframe_text", "due"))
    assert deadline.detail == ("thời hạn: 01/01/2023–31/12/2023 → không có hạn",)
    assert (lead.line, lead.fields) == (line_of("10\t"), ("lead_text", "lead"))
    assert lead.detail == ("cơ quan chủ trì: phong-tu-phap → không có",)
    assert (moved.line, moved.fields) == (line_of("18\t", new_lines), ("area",))
    assert moved.detail == ("lĩnh vực: IV → III",)

    done = import_plan(app, parse_plan_text(text), ctx())

    assert done.changes == checked.changes  # importing does exactly what the check listed
    assert task_state(app, "7")[2:4] == (None, None)
    assert task_state(app, "10")[4] == ()
    assert task_state(app, "18")[:2] == ("III", None)
    # Each change is the task's own event, saying which file made it.
    for number, kind in (("7", "DeadlineChanged"), ("10", "Reassigned"), ("18", "Moved")):
        last = list(app.events.get(ids.task_id(PLAN, number)))[-1]
        assert type(last).__qualname__ == f"Task.{kind}"
        assert "b.txt" in str(last.meta.reason)

    # The views follow; what was known before the re-import still answers as it did.
    today = datetime.now(VN_TZ).date()
    now = rows(replay(app, PLAN, today, use_checkpoints=False))
    assert now["18"]["area"] == "III" and now["7"]["due"] is None and now["10"]["lead"] == []
    then = rows(replay(app, PLAN, today, known, use_checkpoints=False))
    assert then["18"]["area"] == "IV" and then["7"]["due"] == "2023-12-31"
    assert then["10"]["lead"] == ["phong-tu-phap"]

    # The same text under another name records nothing; the seed brings everything back.
    again = parse_plan_text(text.rename(tmp_path / "c.txt"))
    assert not import_plan(app, again, ctx()).changed
    back = import_plan(app, parse_plan_text(SEED), ctx())
    assert {c.ref for c in back.changes if c.ref.startswith("task:")} == set(tasks)
    assert {n: task_state(app, n) for n in before} == before


def test_the_cli_check_shows_what_changed_in_vietnamese(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = ParLedger(parse_database_url(db_url))
    import_plan(app, parse_plan_text(SEED), ctx())
    size = app.recorder.max_notification_id()
    text = changed_text(tmp_path)
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)

    assert main(["plan", "import", str(text), "--check"]) == 0
    shown = capsys.readouterr().out.split("\n")
    assert main(["plan", "import", str(text), "--check", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["changes"]

    assert app.recorder.max_notification_id() == size
    app.close()
    fields = "(thời gian như văn bản viết, hạn)"  # timeframe_text, due
    at = next(i for i, s in enumerate(shown) if s.endswith(f"task:{PLAN}:7 {fields}"))
    assert shown[at].split()[:4] == ["dòng", str(line_of("7\t")), "thay", "đổi"]
    stripped = [s.strip() for s in shown]
    assert stripped[at + 1] == "thời hạn: 01/01/2023–31/12/2023 → không có hạn"
    assert "lĩnh vực: IV → III" in stripped
    assert "cơ quan chủ trì: phong-tu-phap → không có" in stripped
    assert {c["ref"]: c["detail"] for c in listed}[f"task:{PLAN}:18"] == ["lĩnh vực: IV → III"]


def test_a_change_the_task_refuses_is_refused_with_its_line(app: ParLedger, tmp_path: Path) -> None:
    """A cancelled task takes no new lead: the import (and its check) stops at the row that
    asks for one, and writes nothing."""
    import_plan(app, parse_plan_text(SEED), ctx())
    app.handle(ctx(reason="Không còn phù hợp"), CancelTask(plan=PLAN, number="10"))
    size = app.recorder.max_notification_id()
    text = parse_plan_text(changed_text(tmp_path))
    expected = f"dòng {line_of(ROW_10)}, nhiệm vụ 10: nhiệm vụ 10 đã bị hủy"
    with pytest.raises(RuleViolation, match=expected):
        check_import(app, text, ctx())
    with pytest.raises(RuleViolation, match=expected):
        import_plan(app, text, ctx())
    assert app.recorder.max_notification_id() == size
