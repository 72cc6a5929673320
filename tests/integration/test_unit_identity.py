"""Two communes with one name in two provinces are two units with two plans: the province the
text names goes into the unit's code, and so into the plan's id and its agencies' codes, and is
recorded as the unit's parent. A text naming no province, and the legacy unit's, keep the codes
stored ledgers use; the former is warned that its unit's parent goes unrecorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import ids
from domain.errors import InvalidValue
from domain.unit import Unit
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.scope import scoring_rules
from ledger.usecases.unit import EstablishUnit, UnitLevel
from planfile.parser import parse_plan_text
from planfile.schema import PlanFile
from tests.conftest import ctx

PLANS = Path(__file__).resolve().parents[1] / "plans"
COMMUNE = (PLANS / "xa-tan-lap-2025.txt").read_text("utf-8")
HEADING = "Cải cách hành chính nhà nước xã Tân Lập năm 2025"


def _named(province: str) -> str:
    """The commune's text with ``province`` after the unit in its heading."""
    return COMMUNE.replace(HEADING, HEADING.replace(" năm", f"{province} năm"))


SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"


def _parsed(tmp_path: Path, name: str, text: str) -> PlanFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_plan_text(path)


@pytest.mark.parametrize(
    ("text", "unit_code"),
    [
        # In the heading, after the unit, with or without a comma.
        (_named(", tỉnh Phú Thọ"), "phu-tho-tan-lap"),
        (_named(" thành phố Hải Phòng"), "hai-phong-tan-lap"),
        # In the issuing body's block at the top, in capitals.
        ("UBND TỈNH THÁI NGUYÊN\n" + COMMUNE, "thai-nguyen-tan-lap"),
        ("ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN\n" + COMMUNE, "thai-nguyen-tan-lap"),
        # Named nowhere (prose below the block is not a header): the code as before.
        (COMMUNE, "tan-lap"),
        ("\nTỉnh ủy Phú Thọ lãnh đạo\n\n" + COMMUNE, "tan-lap"),
    ],
)  # fmt: skip
def test_the_unit_code_names_the_province_the_text_names(
    tmp_path: Path, text: str, unit_code: str
) -> None:
    plan = _parsed(tmp_path, "ke-hoach.txt", text)
    assert (plan.unit, plan.unit_code, plan.id) == ("Xã Tân Lập", unit_code, f"{unit_code}-2025")
    assert all(
        c.startswith(f"{unit_code}.") for t in plan.tasks for c in (*t.lead, *t.coordinating)
    )


def test_the_legacy_unit_keeps_its_code_when_its_province_is_named(tmp_path: Path) -> None:
    text = SEED.read_text("utf-8").replace(
        "Cải cách hành chính huyện Cát Hải năm 2023",
        "Cải cách hành chính huyện Cát Hải, thành phố Hải Phòng năm 2023",
    )
    plan = _parsed(tmp_path, "cat-hai.txt", text)
    assert (plan.unit, plan.unit_code, plan.id) == ("Huyện Cát Hải", "cat-hai", "cat-hai-2023")


def test_two_communes_of_one_name_live_side_by_side(app: ParLedger, tmp_path: Path) -> None:
    phu_tho = _parsed(tmp_path, "a.txt", _named(", tỉnh Phú Thọ"))
    thai_nguyen = _parsed(tmp_path, "b.txt", "UBND TỈNH THÁI NGUYÊN\n" + COMMUNE)

    first = import_plan(app, phu_tho, ctx())
    second = import_plan(app, thai_nguyen, ctx())

    assert (first.plan, second.plan) == ("phu-tho-tan-lap-2025", "thai-nguyen-tan-lap-2025")
    assert "unit:phu-tho-tan-lap" in first.registered
    assert "unit:thai-nguyen-tan-lap" in second.registered
    assert not set(first.registered) & set(second.registered)  # not one entity shared
    assert app.get_plan("phu-tho-tan-lap-2025").unit_code == "phu-tho-tan-lap"
    assert app.get_plan("thai-nguyen-tan-lap-2025").unit_code == "thai-nguyen-tan-lap"
    lead = app.get_task("thai-nguyen-tan-lap-2025", "1").lead
    assert lead == ("thai-nguyen-tan-lap.van-phong-hdnd-ubnd",)
    assert app.get_agency(lead[0]).unit_code == "thai-nguyen-tan-lap"


def _unit(app: ParLedger, code: str) -> Unit:
    return app.load(Unit, ids.unit_id(code), code)


def test_the_province_the_text_names_is_the_unit_s_parent(app: ParLedger, tmp_path: Path) -> None:
    plan = _parsed(tmp_path, "ke-hoach.txt", "UBND THÀNH PHỐ HẢI PHÒNG\n" + COMMUNE)
    assert plan.province == "Thành phố Hải Phòng"
    assert "no_province" not in {w.code for w in plan.warnings}

    report = import_plan(app, plan, ctx())

    assert {"unit:hai-phong", "unit:hai-phong-tan-lap"} <= set(report.registered)
    city, commune = _unit(app, "hai-phong"), _unit(app, "hai-phong-tan-lap")
    assert (city.name, city.level, city.parent) == ("Thành phố Hải Phòng", "province", None)
    assert (commune.level, commune.parent) == ("commune", "hai-phong")
    # The province's own rules score the commune, found through the parent recorded.
    rules = scoring_rules(app, app.get_plan(plan.id))
    assert (rules.level, rules.province) == ("commune", "hai-phong")


def test_a_province_the_ledger_knows_is_resolved_not_established_again(
    app: ParLedger, tmp_path: Path
) -> None:
    app.handle(
        ctx(), EstablishUnit(unit_code="phu-tho", name="Tỉnh Phú Thọ", level=UnitLevel("province"))
    )
    report = import_plan(app, _parsed(tmp_path, "a.txt", _named(", tỉnh Phú Thọ")), ctx())
    assert [r for r in report.registered if r.startswith("unit:")] == ["unit:phu-tho-tan-lap"]
    assert _unit(app, "phu-tho-tan-lap").parent == "phu-tho"


def test_a_named_province_that_is_not_one_in_the_ledger_is_refused(
    app: ParLedger, tmp_path: Path
) -> None:
    app.handle(
        ctx(),
        EstablishUnit(unit_code="phu-tho", name="Huyện Phù Thọ", level=UnitLevel("district")),
    )
    size = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="mã phu-tho trong sổ cái là đơn vị cấp district"):
        import_plan(app, _parsed(tmp_path, "a.txt", _named(", tỉnh Phú Thọ")), ctx())
    assert app.recorder.max_notification_id() == size


def test_a_text_naming_no_province_is_warned_and_records_no_parent(
    app: ParLedger, tmp_path: Path
) -> None:
    plan = _parsed(tmp_path, "ke-hoach.txt", COMMUNE)
    heading = COMMUNE.split("\n").index(HEADING) + 1
    warned = [w for w in plan.warnings if w.code == "no_province"]
    assert [w.line for w in warned] == [heading] and "Xã Tân Lập" in warned[0].message
    assert plan.province is None
    import_plan(app, plan, ctx())
    assert _unit(app, "tan-lap").parent is None
    # The seed names no province either, but Cát Hải's is known: not warned (its 25 stay).
    assert "no_province" not in {w.code for w in parse_plan_text(SEED).warnings}
