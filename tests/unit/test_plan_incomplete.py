"""Incomplete plan files are refused with the line where they stop, before anything is written
(issue 12, item 4): copies of the seed cut at chosen places, on the parser, the CLI's --check and
the import on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.main import main as parledger
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from planfile.parser import parse_plan, parse_plan_text
from planfile.reading import PlanRefused
from planfile.schema import PlanFile, Task

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"
LINES = SEED.read_text("utf-8").split("\n")
APPENDIX = LINES.index("DANH MỤC") + 1  # 1-based line of "DANH MỤC"


def _line_of(fragment: str) -> int:
    return next(i for i, s in enumerate(LINES, start=1) if s.startswith(fragment))


def _cut(line: int, keep: int | None = None) -> str:
    """The seed up to ``line`` (1-based), that line kept to ``keep`` characters."""
    last = LINES[line - 1] if keep is None else LINES[line - 1][:keep]
    return "\n".join([*LINES[: line - 1], last])


def _parse(text: str) -> PlanFile:
    return parse_plan(text, file_name="cut.txt", sha256="0" * 64)


SEED_PLAN = parse_plan_text(SEED)
SEED_TASKS = {t.number: t for t in SEED_PLAN.tasks}


def test_the_row_cut_of_issue_12_is_refused_with_its_line() -> None:
    line = _line_of("13\t")
    keep = LINES[line - 1].index("Văn phòng HĐND") + len("Văn ph")
    with pytest.raises(PlanRefused) as caught:
        _parse(_cut(line, keep))
    assert caught.value.line == line
    assert f"dòng {line}: dòng bảng bị cắt ngắn: có 3 ô" in str(caught.value)


@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        ("4\tKiểm tra cải cách hành chính", "nhiệm vụ 4 chỉ có nội dung"),  # before its a), b)
        ("VII. Hiện đại hóa", "mục VII của phụ lục không có nhiệm vụ nào"),
        ("6\tHội nghị chuyên đề", "lĩnh vực II, III, IV, V, VI, VII có điểm phấn đấu"),
        ("TT\tNội dung công việc", "không có nhiệm vụ nào"),
        ("Nhiệm vụ, công việc cụ thể", "tiêu đề bảng"),
        ("Bùi Tuấn Mạnh", "DANH MỤC"),
    ],
)
def test_an_appendix_that_stops_short_is_refused(fragment: str, reason: str) -> None:
    line = _line_of(fragment)
    with pytest.raises(PlanRefused) as caught:
        _parse(_cut(line))
    assert reason in str(caught.value)
    assert 1 <= caught.value.line <= line


def test_a_plan_without_its_signature_block_is_refused() -> None:
    at = _line_of("**TM. ỦY BAN NHÂN DÂN")
    text = "\n".join(LINES[: at - 1] + LINES[at + 3 :])
    with pytest.raises(PlanRefused, match="không tìm thấy phần ký"):
        _parse(text)
    unsigned = "\n".join([*LINES[: at + 1], *LINES[at + 3 :]])  # the signer's name removed
    with pytest.raises(PlanRefused, match="thiếu chức danh hoặc họ tên"):
        _parse(unsigned)


def _prefix_of(task: Task, whole: Task) -> bool:
    """``task`` is ``whole`` read from a file cut inside its last cell."""
    fields = ("content", "lead_text", "coordinating_text", "product")
    return task.number == whole.number and all(
        whole.model_dump()[f].startswith(task.model_dump()[f]) for f in fields
    )


@given(line=st.integers(1, len(LINES)), keep=st.integers(0, 400))
def test_a_cut_anywhere_is_refused_or_keeps_every_row_it_reads_intact(line: int, keep: int) -> None:
    """Wherever the file stops, either it is refused naming a line no later than the cut, or
    every task read is the seed's own (the last one at most cut inside its last cell); no task
    is ever read with fields shifted or cleared, as in issue 12."""
    try:
        plan = _parse(_cut(line, keep))
    except PlanRefused as refused:
        assert 1 <= refused.line <= line and refused.message.startswith("dòng ")
        return
    *whole, last = plan.tasks
    assert [t.model_dump() for t in whole] == [SEED_TASKS[t.number].model_dump() for t in whole]
    assert last == SEED_TASKS[last.number] or _prefix_of(last, SEED_TASKS[last.number])
    assert line >= _line_of("24\t")  # only a cut inside the last area's last rows gets here


@pytest.mark.parametrize("fragment", ["13\t", "4\tKiểm tra", "VII. Hiện đại hóa"])
def test_check_exits_non_zero_and_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fragment: str
) -> None:
    line = _line_of(fragment)
    path = tmp_path / "cat-hai-2023.txt"
    path.write_text(_cut(line, len(LINES[line - 1]) // 2), encoding="utf-8")
    assert parledger(["plan", "import", str(path), "--check"]) == 2
    err = capsys.readouterr().err
    assert "dòng " in err and "lỗi hệ thống" not in err


@pytest.mark.parametrize("fragment", ["13\t", "4\tKiểm tra", "25\t"])
def test_a_cut_file_is_refused_by_the_import_and_writes_nothing(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fragment: str,
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert parledger(["init"]) == 0
    app = ParLedger(parse_database_url(db_url))
    try:
        before = int(app.recorder.max_notification_id() or 0)
        line = _line_of(fragment)
        path = tmp_path / "ke-hoach.txt"
        path.write_text(_cut(line, len(LINES[line - 1]) // 3), encoding="utf-8")
        capsys.readouterr()
        assert parledger(["plan", "import", str(path)]) == 2
        assert f"dòng {line}:" in capsys.readouterr().err
        assert int(app.recorder.max_notification_id() or 0) == before
        task = app.get_task("cat-hai-2023", fragment.split("\t")[0])
        assert task.lead == tuple(SEED_TASKS[task.number].lead)
    finally:
        app.close()
