"""The plan text parser on the published Cát Hải 2023 plan and on hostile variations of it."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue, NotFound
from planfile.__main__ import main as planfile_main
from planfile.bundled import bundled_plan
from planfile.directory import cat_hai_directory
from planfile.parser import parse_plan, parse_plan_text
from planfile.schema import PlanFile
from planfile.timeframes import parse_timeframe

SOURCE = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"


@pytest.fixture(scope="module")
def plan() -> PlanFile:
    return parse_plan_text(SOURCE)


def _warnings(plan: PlanFile) -> set[tuple[int, str]]:
    return {(w.line, w.code) for w in plan.warnings}


def test_heading_document_and_signer(plan: PlanFile) -> None:
    assert (plan.id, plan.unit, plan.year) == ("cat-hai-2023", "Huyện Cát Hải", 2023)
    assert plan.title == "Kế hoạch cải cách hành chính huyện Cát Hải năm 2023"
    assert (plan.signer.name, plan.signer.title) == ("Bùi Tuấn Mạnh", "Chủ tịch")
    # The appendix cites the plan with its number and day left blank: kept, and reported.
    assert plan.document.number is None and plan.document.date is None
    assert "Kế hoạch số /KH-UBND ngày tháng 01 năm 2023" in plan.document.text
    assert {"blank_document_number", "blank_document_date"} <= {w.code for w in plan.warnings}


def test_every_appendix_row_and_sub_item_in_order(plan: PlanFile) -> None:
    numbers = [t.number for t in plan.tasks]
    assert numbers[:8] == ["1", "1.b", "1.c", "2", "3", "4", "4.a", "4.b"]
    assert [n for n in numbers if "." not in n] == [str(i) for i in range(1, 26)]
    assert len(plan.tasks) == 29
    by_number = {t.number: t for t in plan.tasks}
    assert by_number["1.b"].parent == "1" and by_number["4.a"].parent == "4"
    areas = {t.number: t.area for t in plan.tasks}
    assert [areas[n] for n in ("1", "6", "7", "10", "11", "17", "18", "19", "20", "22", "25")] == [
        "I", "I", "II", "II", "III", "III", "IV", "IV", "V", "VI", "VII",
    ]  # fmt: skip


def test_row_continued_after_page_break_joins_its_row(plan: PlanFile) -> None:
    row = next(t for t in plan.tasks if t.number == "19")
    assert row.content.endswith(
        "Nghị định số 106/2020/NĐ-CP của Chính phủ theo hướng dẫn của thành phố."
    )
    assert (row.lead, row.coordinating) == (
        ["phong-noi-vu-ldtbxh"],
        ["cac-co-quan-don-vi-lien-quan"],
    )
    assert ("row_continued") in {w.code for w in plan.warnings if w.line == row.line + 3}


def test_agency_cells_with_commas_inside_names(plan: PlanFile) -> None:
    by_number = {t.number: t for t in plan.tasks}
    assert by_number["11"].lead == ["ubnd-huyen", "ubnd-cac-xa-thi-tran"]
    assert by_number["13"].lead == ["van-phong-hdnd-ubnd", "phong-vh-tt-tt-dl"]
    assert by_number["14"].lead == ["phong-vh-tt-tt-dl", "van-phong-hdnd-ubnd"]
    assert by_number["4.a"].coordinating == ["co-quan-chuyen-mon"]
    assert by_number["12"].coordinating == ["cac-co-quan-don-vi-dia-phuong"]
    # Names the directory does not hold would be added with a warning: none here.
    assert not [w for w in plan.warnings if w.code == "unknown_agency"]


def test_time_frames(plan: PlanFile) -> None:
    frames = {t.number: (t.timeframe.start, t.timeframe.due) for t in plan.tasks}
    assert frames["1.b"] == (None, date(2023, 1, 15))
    assert frames["1.c"] == (date(2023, 1, 1), date(2023, 1, 31))
    assert frames["2"] == (date(2023, 10, 1), date(2024, 3, 31))
    assert frames["3"] == (date(2023, 1, 1), date(2023, 12, 31))
    # "Cả năm 2022" in a 2023 plan: kept as written, flagged for the officials.
    assert frames["22"] == (date(2022, 1, 1), date(2022, 12, 31))
    flagged = {w.message.split(":")[0] for w in plan.warnings if w.code == "year_mismatch"}
    assert flagged == {"nhiệm vụ 22", "nhiệm vụ 23", "nhiệm vụ 25"}


def test_targets_and_indicators(plan: PlanFile) -> None:
    assert [t.number for t in plan.targets] == list(range(1, 12))
    ind = {i.code: i for t in plan.targets for i in t.indicators}
    assert (ind["1a"].kind, ind["1a"].threshold, ind["1a"].upper) == (
        "rank_range",
        Decimal(6),
        Decimal(10),
    )
    assert ind["1b"].label == "Xếp hạng SIPAS"
    assert ind["2a"].derived_from == "tasks_completed_on_time"
    assert (ind["5a"].derived_from, ind["5b"].derived_from) == (
        "specialised_offices_inspected",
        "communes_inspected",
    )
    assert ind["5a"].threshold == ind["5b"].threshold == Decimal(30)
    assert (ind["7a"].threshold, ind["7b"].threshold) == (Decimal(100), Decimal(90))
    assert (ind["8a"].threshold, ind["8b"].threshold) == (Decimal(100), Decimal(50))
    # Target 10 gives three figures for two levels; the appendix (task 11) says 60 % and 55 %.
    assert [(ind[c].level, ind[c].threshold) for c in ("10b", "10c")] == [
        ("cấp huyện", Decimal(60)),
        ("cấp xã", Decimal(55)),
    ]
    assert any(w.code == "figures_levels_mismatch" and "70%" in w.message for w in plan.warnings)


def test_area_scores_and_total(plan: PlanFile) -> None:
    scores = {a.code: (a.target_score, a.max_score) for a in plan.areas}
    assert scores == {
        "I": (Decimal(13), Decimal(13)),
        "II": (Decimal(4), Decimal(4)),
        "III": (Decimal("9.5"), Decimal("9.5")),
        "IV": (Decimal("6.5"), Decimal("6.5")),
        "V": (Decimal("10.5"), Decimal("11.5")),
        "VI": (Decimal(4), Decimal(4)),
        "VII": (Decimal("14.5"), Decimal("14.5")),
    }
    assert sum(t for t, _ in scores.values()) == 62 and sum(m for _, m in scores.values()) == 63
    vii = next(a for a in plan.areas if a.code == "VII")
    assert vii.appendix_name == "Hiện đại hóa nền hành chính"


def test_reporting_calendar(plan: PlanFile) -> None:
    periods = {p.code: p for p in plan.reporting}
    assert list(periods) == ["Q1", "Q2", "H1", "Q3", "Q4", "Y"]
    q2 = periods["Q2"]
    assert (q2.cutoff_from, q2.cutoff_to, q2.due) == (
        date(2023, 3, 15),
        date(2023, 6, 14),
        date(2023, 6, 7),
    )
    assert periods["Y"].cutoff_from == date(2022, 12, 15)
    assert any(w.code == "reporting_due_before_cutoff" for w in plan.warnings)


def test_source_defects_are_reported_with_their_lines(plan: PlanFile) -> None:
    lines = SOURCE.read_text("utf-8").split("\n")
    codes = _warnings(plan)

    def line_of(fragment: str) -> int:
        return next(i for i, s in enumerate(lines, start=1) if fragment in s)

    expected = {
        (line_of("b) Ủy ban nhân dân huyện"), "missing_subitem"),
        (line_of("a) Tối thiểu 30% chuyên môn"), "missing_word"),
        (line_of("16\tThực hiện theo hướng dẫn"), "empty_product"),
        (line_of("19\tSau sắp xếp"), "empty_product"),
        (line_of("14\tThực hiện theo hướng dẫn"), "trailing_comma"),
        (line_of("24\tBan hành và triển khai"), "trailing_comma"),
        (line_of("12\tThực hiện theo hướng dẫn"), "agency_case"),
        (line_of("17\tViệc thực hiện"), "agency_case"),
        (line_of("15\tThực hiện theo hướng dẫn"), "scope_mismatch"),
        (line_of("công trực tuyến công trực tuyến"), "repeated_words"),
        (line_of("Công Dịch vụ công quốc gia"), "typo"),
        (line_of("Phần đầu năm 2023 đạt 13/13"), "typo"),
    }
    assert expected <= codes, expected - codes
    assert all(w.message and w.line >= 1 for w in plan.warnings)


def test_bundled_plan_file_is_the_parse_of_the_kept_source(plan: PlanFile) -> None:
    assert bundled_plan("cat-hai-2023") == plan


def test_nfd_text_parses_to_the_same_plan(tmp_path: Path) -> None:
    nfd = tmp_path / "cat-hai-2023.txt"
    nfd.write_text(unicodedata.normalize("NFD", SOURCE.read_text("utf-8")), encoding="utf-8")
    a, b = parse_plan_text(SOURCE), parse_plan_text(nfd)
    assert a.source.sha256 != b.source.sha256
    assert a.model_copy(update={"source": b.source}) == b


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "cat-hai-2023.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SOURCE.read_bytes().replace(b"\n", b"\r\n"))
    assert [t.number for t in parse_plan_text(path).tasks] == [
        t.number for t in parse_plan_text(SOURCE).tasks
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "không phải UTF-8"),
        (b"", "DANH MỤC"),
        ("KẾ HOẠCH\nCải cách hành chính huyện X năm 2023\n".encode(), "DANH MỤC"),
    ],
)
def test_unreadable_files_are_refused_naming_the_problem(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InvalidValue) as caught:
        parse_plan_text(path)
    assert caught.value.field == "file"
    assert message in str(caught.value)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        parse_plan_text(tmp_path / "absent.txt")


def test_appendix_without_table_is_refused() -> None:
    text = SOURCE.read_text("utf-8").split("DANH MỤC")[0] + "DANH MỤC\nkhông có bảng\n"
    with pytest.raises(InvalidValue, match="tiêu đề bảng"):
        parse_plan(text, file_name="x.txt", sha256="0" * 64, plan_id="x")


def test_unknown_agency_is_added_and_flagged() -> None:
    text = SOURCE.read_text("utf-8").replace(
        "18\tTiếp tục thực hiện sắp xếp, sáp nhập tổ dân phố năm 2023\tPhòng Nội vụ, "
        "Lao động - Thương binh và Xã hội huyện",
        "18\tTiếp tục thực hiện sắp xếp, sáp nhập tổ dân phố năm 2023\tBan Quản lý dự án huyện",
    )
    plan = parse_plan(text, file_name="x.txt", sha256="0" * 64, plan_id="x")
    row = next(t for t in plan.tasks if t.number == "18")
    assert row.lead == ["ban-quan-ly-du-an-huyen"]
    assert "ban-quan-ly-du-an-huyen" in {a.code for a in plan.agencies}
    assert any(w.code == "unknown_agency" and w.line == row.line for w in plan.warnings)


def test_directory_reads_longest_names_first() -> None:
    directory = cat_hai_directory()
    res = directory.resolve(
        "Phòng Nội vụ, Lao động - Thương binh và Xã hội huyện, UBND xã, thị trấn"
    )
    assert res.codes == ["phong-noi-vu-ldtbxh", "ubnd-cac-xa-thi-tran"]
    assert not res.unknown


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("15/01/2023", None, date(2023, 1, 15)),
        ("Trong tháng 01/2023", date(2023, 1, 1), date(2023, 1, 31)),
        ("Tháng 2/2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("Cả năm 2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("Quý II/2023", date(2023, 4, 1), date(2023, 6, 30)),
        ("6 tháng đầu năm 2023", date(2023, 1, 1), date(2023, 6, 30)),
        ("Từ Quý IV/2023 đến Quý I/2024", date(2023, 10, 1), date(2024, 3, 31)),
        ("Từ 01/03/2023 đến 30/6/2023", date(2023, 3, 1), date(2023, 6, 30)),
    ],
)
def test_timeframe_rules(text: str, start: date | None, due: date) -> None:
    window = parse_timeframe(text)
    assert window is not None and (window.start, window.due) == (start, due)


@pytest.mark.parametrize(
    "text", ["31/02/2023", "Thường xuyên", "Từ Quý II/2024 đến Quý I/2024", "Quý V/2023"]
)
def test_timeframes_no_rule_understands_give_no_window(text: str) -> None:
    assert parse_timeframe(text) is None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_any_written_day_is_its_own_deadline(day: date) -> None:
    for written in (
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
    ):
        window = parse_timeframe(written)
        assert window is not None and window.due == day and window.start is None


@given(st.integers(2000, 2100), st.integers(1, 4), st.integers(0, 8))
def test_quarter_ranges_cover_whole_quarters(year: int, first: int, span: int) -> None:
    last_q = (first - 1 + span) % 4 + 1
    last_year = year + (first - 1 + span) // 4
    roman = ["I", "II", "III", "IV"]
    window = parse_timeframe(
        f"Từ Quý {roman[first - 1]}/{year} đến Quý {roman[last_q - 1]}/{last_year}"
    )
    assert window is not None and window.start is not None and window.due is not None
    assert window.start == date(year, 3 * first - 2, 1)
    assert (window.due.year, window.due.month) == (last_year, 3 * last_q)
    assert window.start < window.due


def test_module_command_writes_the_plan_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    assert planfile_main([str(SOURCE), "-o", str(out)]) == 0
    assert PlanFile.model_validate_json(out.read_bytes()) == parse_plan_text(SOURCE)
    err = capsys.readouterr().err
    assert "cat-hai-2023.txt:" in err and "29 nhiệm vụ, 11 chỉ tiêu, 7 lĩnh vực" in err
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff")
    assert planfile_main([str(bad)]) == 2
    assert planfile_main([str(tmp_path / "absent.txt")]) == 3


def test_seed_keeps_its_25_warnings_and_regenerates_the_bundled_file_byte_for_byte(
    plan: PlanFile,
) -> None:
    assert len(plan.warnings) == 25
    bundled = Path(__file__).resolve().parents[2] / "planfile" / "data" / "cat-hai-2023.json"
    assert plan.model_dump_json(by_alias=True, indent=2) + "\n" == bundled.read_text("utf-8")
