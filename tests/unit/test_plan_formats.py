"""Plan formats seen in the wild (issue 13, step 5) and agency resolution per unit: each variant
either imports or stops with a line-numbered reason. The test plans are in tests/plans/; the
single-variant cases are the seed rewritten one way at a time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main as parledger
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from planfile.parser import parse_plan, parse_plan_text
from planfile.reading import PlanRefused
from planfile.schema import PlanFile
from planfile.templates import commune_directory, department_directory, district_directory

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "plans" / "cat-hai-2023.txt"
PLANS = ROOT / "tests" / "plans"
COMMUNE = PLANS / "xa-tan-lap-2025.txt"
DEPARTMENT = PLANS / "so-noi-vu-bac-ninh-2024.txt"
DISTRICT = PLANS / "huyen-an-lao-2024.txt"
SEED_PLAN = parse_plan_text(SEED)


def _parse(text: str) -> PlanFile:
    return parse_plan(text, file_name="x.txt", sha256="0" * 64)


def _codes(plan: PlanFile) -> set[str]:
    return {w.code for w in plan.warnings}


def _lines_of(path: Path) -> list[str]:
    return path.read_text("utf-8").split("\n")


def _line(path: Path, fragment: str) -> int:
    return next(i for i, s in enumerate(_lines_of(path), start=1) if fragment in s)


def _same_tasks(a: PlanFile, b: PlanFile, *fields: str) -> None:
    keep = set(fields or ("number", "area", "content", "lead", "coordinating", "timeframe"))
    assert [t.model_dump(include=keep) for t in a.tasks] == [
        t.model_dump(include=keep) for t in b.tasks
    ]


# --- a commune's plan: annex to a Decision, MỤC TIÊU, (1)…(n), prose tasks, conditions -------


def test_commune_plan_issued_as_the_annex_of_a_decision() -> None:
    plan = parse_plan_text(COMMUNE)
    assert (plan.id, plan.unit, plan.unit_level, plan.year) == (
        "tan-lap-2025",
        "Xã Tân Lập",
        "commune",
        2025,
    )
    assert plan.title == "Kế hoạch cải cách hành chính nhà nước xã Tân Lập năm 2025"
    assert (plan.document.number, str(plan.document.date)) == ("45/QĐ-UBND", "2025-07-15")
    assert (plan.signer.name, plan.signer.title) == ("Nguyễn Văn Hùng", "Chủ tịch")
    # "II. MỤC TIÊU" holds "1. Mục tiêu chung", "2. Chỉ tiêu cụ thể" and the targets (1)…(4).
    assert [t.number for t in plan.targets] == [1, 2, 3, 4]
    assert [str(i.threshold) for t in plan.targets for i in t.indicators] == [
        "100",
        "60",
        "95",
        "100",
    ]
    assert plan.targets[3].indicators[0].derived_from == "tasks_completed_on_time"


def test_commune_tasks_written_as_prose_lines() -> None:
    plan = parse_plan_text(COMMUNE)
    tasks = {t.number: t for t in plan.tasks}
    assert list(tasks) == ["1", "2", "2.a", "2.b", "3", "4"]
    assert tasks["1"].lead == ["tan-lap.van-phong-hdnd-ubnd"]
    assert tasks["1"].line == _line(COMMUNE, "1. Ban hành Kế hoạch")
    # "A, B và C" names three agencies of the commune's built-in directory.
    assert tasks["2.a"].coordinating == [
        "tan-lap.phong-kinh-te",
        "tan-lap.phong-van-hoa-xa-hoi",
        "tan-lap.cong-an-xa",
    ]
    assert (tasks["2.b"].coordinating, tasks["2"].parent, tasks["2.a"].parent) == ([], None, "2")
    assert tasks["4"].timeframe.due is not None and tasks["4"].product == "Dữ liệu số hóa"
    assert "prose_tasks" in _codes(plan) and "unknown_agency" not in _codes(plan)


def test_conditional_time_frame_keeps_its_text_and_no_date() -> None:
    plan = parse_plan_text(COMMUNE)
    task = next(t for t in plan.tasks if t.number == "3")
    assert task.timeframe.text.startswith("Sau khi Nghị định")
    assert (task.timeframe.start, task.timeframe.due) == (None, None)
    assert (task.line, "conditional_timeframe") in {(w.line, w.code) for w in plan.warnings}


def test_prose_task_cut_inside_a_field_line_is_refused() -> None:
    lines = _lines_of(COMMUNE)
    at = _line(COMMUNE, "- Cơ quan phối hợp: Công chức Tư pháp")
    cut = "\n".join([*lines[: at - 1], "- Cơ quan ph"])
    with pytest.raises(PlanRefused) as caught:
        _parse(cut)
    assert caught.value.line == at and "không đọc được dòng" in str(caught.value)
    heading_only = "\n".join(lines[: _line(COMMUNE, "4. Số hóa")])
    with pytest.raises(PlanRefused, match="nhiệm vụ 4 chỉ có nội dung"):
        _parse(heading_only)


def test_prose_field_written_twice_is_refused() -> None:
    text = COMMUNE.read_text("utf-8").replace(
        "- Sản phẩm: Dữ liệu số hóa", "- Sản phẩm: Dữ liệu số hóa\n- Thời gian: Quý I/2025"
    )
    with pytest.raises(PlanRefused, match="được ghi hai lần"):
        _parse(text)


# --- a province department's plan: no "Sản phẩm", an extra column ---------------------------


def test_department_plan_reads_columns_by_name() -> None:
    plan = parse_plan_text(DEPARTMENT)
    assert (plan.id, plan.kind, plan.unit, plan.unit_level) == (
        "bac-ninh-so-noi-vu-2024",
        "department",
        "Tỉnh Bắc Ninh",
        "province",
    )
    assert (plan.signer.title, plan.document.number) == ("Phó giám đốc", "18/KH-SNV")
    header = _line(DEPARTMENT, "STT\t")
    warned = {(w.line, w.code) for w in plan.warnings}
    assert {(header, "extra_column"), (header, "missing_column")} <= warned
    assert all(t.product == "" for t in plan.tasks) and "empty_product" not in _codes(plan)
    tasks = {t.number: t for t in plan.tasks}
    assert tasks["1"].lead == [
        "bac-ninh.so-noi-vu.phong-to-chuc-can-bo",
        "bac-ninh.so-noi-vu.phong-xay-dung-chinh-quyen",
        "bac-ninh.so-noi-vu.van-phong",
    ]
    assert tasks["1"].timeframe.due is None and "conditional_timeframe" in _codes(plan)
    assert tasks["3"].coordinating == [
        "bac-ninh.so-noi-vu.phong-ke-hoach-tai-chinh",
        "bac-ninh.so-noi-vu.thanh-tra",
    ]


def test_catch_all_groups_are_groups_never_fake_agencies() -> None:
    plan = parse_plan_text(DEPARTMENT)
    groups = {g.code: g for g in plan.groups}
    assert "bac-ninh.cac-so-ban-nganh-lien-quan" in groups
    assert not any("cac-" in a.code for a in plan.agencies)
    line = _line(DEPARTMENT, "4\tKiểm tra công vụ")
    assert (line, "catch_all_group") in {(w.line, w.code) for w in plan.warnings}


def test_unresolved_name_is_a_warning_with_its_line_and_a_mapping_resolves_it() -> None:
    plan = parse_plan_text(DEPARTMENT)
    line = _line(DEPARTMENT, "Trung tâm Lưu trữ lịch sử")
    assert any(
        w.line == line and w.code == "unknown_agency" and "Trung tâm Lưu trữ lịch sử" in w.message
        for w in plan.warnings
    )
    mapped = parse_plan_text(
        DEPARTMENT,
        agencies={
            "Trung tâm Lưu trữ lịch sử": "so-noi-vu.trung-tam-luu-tru",
            "các sở, ban, ngành liên quan": "so-noi-vu.cac-phong",
        },
    )
    assert "unknown_agency" not in _codes(mapped)
    tasks = {t.number: t for t in mapped.tasks}
    assert tasks["2"].coordinating == ["bac-ninh.so-noi-vu.trung-tam-luu-tru"]
    assert tasks["4"].coordinating == ["bac-ninh.so-noi-vu.cac-phong"]


def test_table_without_a_lead_column_is_refused() -> None:
    text = DEPARTMENT.read_text("utf-8").replace("Đơn vị chủ trì", "Người ký")
    with pytest.raises(PlanRefused, match="thiếu cột “Cơ quan chủ trì”") as caught:
        _parse(text)
    assert caught.value.line == _line(DEPARTMENT, "STT\t")


# --- another district's 2024 plan: a table flattened to one cell per line --------------------


def test_flattened_table_of_another_district() -> None:
    plan = parse_plan_text(DISTRICT)
    assert (plan.id, plan.unit_level) == ("an-lao-2024", "district")
    tasks = {t.number: t for t in plan.tasks}
    assert list(tasks) == ["1", "2", "3"]
    # One agency despite its comma; "A, B và C" three.
    assert tasks["1"].lead == ["an-lao.phong-noi-vu-lao-dong-thuong-binh-va-xa-hoi"]
    assert tasks["2"].coordinating == [
        "an-lao.phong-tu-phap",
        "an-lao.phong-tai-chinh-ke-hoach",
        "an-lao.van-phong-hdnd-ubnd",
    ]
    assert tasks["3"].coordinating == ["an-lao.ubnd-cac-xa"]
    # A row's line is its number's: the cell that starts it.
    assert (tasks["2"].line, tasks["3"].product) == (_line(DISTRICT, "Kiểm tra cải cách") - 1, "")
    assert {"flattened_table", "empty_product"} <= _codes(plan)
    assert "unknown_agency" not in _codes(plan)


def test_flattened_row_missing_a_cell_is_refused_at_the_next_row() -> None:
    text = DISTRICT.read_text("utf-8").replace("Tháng 01/2024\n", "", 1)
    with pytest.raises(PlanRefused, match="không khớp 6 cột") as caught:
        _parse(text)
    # Task 1's row takes the empty line after it as its last cell and runs into task 2's
    # number (one line up, since a line was removed).
    assert caught.value.line == _line(DISTRICT, "Kiểm tra cải cách") - 2


def test_flattened_table_cut_before_its_last_cell_is_refused() -> None:
    lines = _lines_of(DISTRICT)
    cut = "\n".join(lines[: _line(DISTRICT, "Cả năm 2024")])
    with pytest.raises(PlanRefused, match="thiếu ô"):
        _parse(cut)


def _flattened(text: str) -> str:
    """The seed's table one cell per line: the header once, an empty cell an empty line, rows
    continued after a page break joined to their row (a flattened table has no page breaks)."""
    out: list[str] = []
    row_at, shift = 0, 0  # where the last row's first written cell is, and its column
    for raw in text.split("\n"):
        cells = raw.split("\t")
        if "\t" not in raw or not any(cells[1:]):
            out.append(cells[0])
        elif cells[0] == "TT":
            if "TT" not in out:
                out += [*cells, ""]
        elif not cells[0] and not re.match(r"^[a-zđ]\)", cells[1]):
            for k, cell in enumerate(cells[1:], start=1):
                if cell:
                    out[row_at + k - shift] = f"{out[row_at + k - shift]} {cell}"
        else:
            shift = 0 if cells[0] else 1
            row_at = len(out)
            out += [*cells[shift:], ""]
    return "\n".join(out)


def test_the_seed_flattened_reads_to_the_same_tasks() -> None:
    flat = _parse(_flattened(SEED.read_text("utf-8")))
    _same_tasks(flat, SEED_PLAN, "number", "area", "content", "lead", "coordinating", "product")
    assert "flattened_table" in _codes(flat)


# --- single variants of the seed -------------------------------------------------------------


def test_muc_tieu_instead_of_chi_tieu() -> None:
    text = SEED.read_text("utf-8").replace("II. CHỈ TIÊU CHỦ YẾU", "II. MỤC TIÊU")
    assert _parse(text).targets == SEED_PLAN.targets


def test_targets_numbered_in_brackets() -> None:
    lines = SEED.read_text("utf-8").split("\n")
    start, end = lines.index("II. CHỈ TIÊU CHỦ YẾU"), lines.index("III. NHIỆM VỤ, GIẢI PHÁP")
    for i in range(start, end):
        lines[i] = re.sub(r"^(\d+)\. ", r"(\1) ", lines[i])
    assert _parse("\n".join(lines)).targets == SEED_PLAN.targets


def test_seed_table_without_its_product_column() -> None:
    lines = [
        "\t".join(s.split("\t")[:5]) if "\t" in s else s
        for s in SEED.read_text("utf-8").split("\n")
    ]
    plan = _parse("\n".join(lines))
    _same_tasks(plan, SEED_PLAN)
    assert all(t.product == "" for t in plan.tasks) and "missing_column" in _codes(plan)


def test_seed_table_with_extra_columns() -> None:
    lines = SEED.read_text("utf-8").split("\n")
    widened = [
        f"{s}\tGhi chú\tKinh phí" if s.startswith("TT\t") else f"{s}\t\t" if "\t" in s else s
        for s in lines
    ]
    plan = _parse("\n".join(widened))
    _same_tasks(plan, SEED_PLAN, "number", "content", "lead", "product", "line")
    extra = [w for w in plan.warnings if w.code == "extra_column"]
    assert {w.line for w in extra} == {lines.index(next(s for s in lines if "TT\t" in s)) + 1}


def test_seed_with_a_conditional_time_frame() -> None:
    text = SEED.read_text("utf-8").replace(
        "Phòng Tư pháp\tCác cơ quan, đơn vị, địa phương\tCả năm 2023\tKế hoạch\n",
        "Phòng Tư pháp\tCác cơ quan, đơn vị, địa phương\t"
        "Sau khi Nghị định hướng dẫn được ban hành\tKế hoạch\n",
    )
    task = next(t for t in _parse(text).tasks if t.number == "7")
    assert (task.timeframe.due, task.timeframe.text) == (
        None,
        "Sau khi Nghị định hướng dẫn được ban hành",
    )


# --- built-in directories --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directory", "cell", "codes"),
    [
        (
            district_directory("quận"),
            "Phòng Nội vụ, Lao động - Thương binh và Xã hội quận",
            ["phong-noi-vu-lao-dong-thuong-binh-va-xa-hoi"],
        ),
        (
            district_directory("huyện"),
            "Phòng Tư pháp, Phòng Y tế và Thanh tra huyện",
            ["phong-tu-phap", "phong-y-te", "thanh-tra"],
        ),
        (
            district_directory("huyện"),
            "Phòng Kinh tế và Hạ tầng huyện, các cơ quan, đơn vị, địa phương",
            ["phong-kinh-te-va-ha-tang", "cac-co-quan-don-vi-dia-phuong"],
        ),
        (commune_directory("phường"), "UBND phường, Công an xã", ["ubnd", "cong-an-xa"]),
        (
            department_directory("Sở Tư pháp"),
            "Văn phòng Sở và Thanh tra Sở",
            ["so-tu-phap.van-phong", "so-tu-phap.thanh-tra"],
        ),
    ],
)
def test_built_in_directories_split_names_on_real_separators(
    directory: object, cell: str, codes: list[str]
) -> None:
    res = directory.resolve(cell)  # type: ignore[attr-defined]
    assert res.codes == codes


def test_a_name_with_a_comma_and_no_following_name_stays_whole() -> None:
    res = district_directory().resolve("Ban Quản lý dự án đầu tư xây dựng, giao thông huyện")
    assert res.unknown == ["Ban Quản lý dự án đầu tư xây dựng, giao thông huyện"]


# --- the CLI and the ledger, on both backends ------------------------------------------------


def test_check_lists_the_format_warnings_and_accepts_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "co-quan.json"
    mapping.write_text(
        json.dumps({"Trung tâm Lưu trữ lịch sử": "so-noi-vu.trung-tam-luu-tru"}), "utf-8"
    )
    assert parledger(["plan", "import", str(DEPARTMENT), "--check"]) == 0
    assert "unknown_agency" in capsys.readouterr().out
    assert (
        parledger(["plan", "import", str(DEPARTMENT), "--check", "--agencies", str(mapping)]) == 0
    )
    assert "unknown_agency" not in capsys.readouterr().out
    mapping.write_text("[1, 2]", "utf-8")
    assert (
        parledger(["plan", "import", str(DEPARTMENT), "--check", "--agencies", str(mapping)]) == 2
    )
    assert "tệp danh bạ cơ quan: tệp co-quan.json" in capsys.readouterr().err  # --agencies


def test_the_test_plans_import_beside_the_seed(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    assert parledger(["init"]) == 0
    mapping = tmp_path / "co-quan.json"
    mapping.write_text(json.dumps({"Trung tâm Lưu trữ lịch sử": "so-noi-vu.luu-tru"}), "utf-8")
    for path in (COMMUNE, DISTRICT):
        assert parledger(["plan", "import", str(path)]) == 0, capsys.readouterr().err
    assert parledger(["plan", "import", str(DEPARTMENT), "--agencies", str(mapping)]) == 0
    capsys.readouterr()
    app = ParLedger(parse_database_url(db_url))
    try:
        assert app.get_task("tan-lap-2025", "3").due is None
        assert app.get_task("an-lao-2024", "1").lead == (
            "an-lao.phong-noi-vu-lao-dong-thuong-binh-va-xa-hoi",
        )
        assert app.get_task("bac-ninh-so-noi-vu-2024", "2").coordinating == (
            "bac-ninh.so-noi-vu.luu-tru",
        )
        before = int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()
    # The same texts again record nothing; the seed's plan is untouched throughout.
    for path in (COMMUNE, DISTRICT):
        assert parledger(["plan", "import", str(path), "--format", "json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert (again["registered"], again["amended"]) == ([], [])
    app = ParLedger(parse_database_url(db_url))
    try:
        assert int(app.recorder.max_notification_id() or 0) == before
        assert app.get_task("cat-hai-2023", "13").lead == (
            "van-phong-hdnd-ubnd",
            "phong-vh-tt-tt-dl",
        )
    finally:
        app.close()


def test_a_wards_directory_names_its_offices_as_a_ward_has_them() -> None:
    ward = commune_directory("phường")
    res = ward.resolve("Phòng Kinh tế, Hạ tầng và Đô thị phường và Công an phường")
    assert (res.codes, res.unknown) == (["phong-kinh-te", "cong-an-xa"], [])
    # a commune keeps its own names
    commune = commune_directory("xã")
    assert commune.resolve("Phòng Kinh tế xã, Công an xã").codes == ["phong-kinh-te", "cong-an-xa"]


def test_only_the_home_affairs_department_has_its_divisions() -> None:
    justice = {a.code for a in department_directory("Sở Tư pháp").agencies}
    home = {a.code for a in department_directory("Sở Nội vụ").agencies}
    assert "so-tu-phap.van-phong" in justice and "so-noi-vu.van-phong" in home
    assert "so-noi-vu.phong-cong-chuc-vien-chuc" in home
    assert not any("cong-chuc-vien-chuc" in c or "xay-dung-chinh-quyen" in c for c in justice)
