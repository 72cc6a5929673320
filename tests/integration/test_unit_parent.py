"""A unit the ledger knows without a parent gets the one a later plan text names, both
backends: ``plan import --check`` shows it by the text's line, the import records it
(``ParentRecorded``) and every view agrees; a text naming another province than the units
recorded above the unit is refused, naming the line, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain import ids
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.unit import Unit
from domain.values import EventMeta
from ledger.application import ParLedger
from ledger.import_report import CHANGED, ImportChange
from ledger.importer import check_import, import_plan
from ledger.scope import scoring_rules
from ledger.usecases.unit import EstablishUnit, UnitLevel
from planfile.parser import parse_plan_text
from projections.history import fold_history
from projections.state import fold
from replay.rollup import list_units, plans_in
from tests.conftest import ADMIN, ctx, vn

WARD = Path(__file__).resolve().parents[1] / "plans" / "phuong-hai-chau-da-nang-2026.txt"
UNIT = "da-nang-hai-chau"
LINE = 7  # "… phường Hải Châu, thành phố Đà Nẵng năm 2026"


def _add(app: ParLedger, code: str, name: str, level: str, parent: str | None = None) -> None:
    app.handle(
        ctx(), EstablishUnit(unit_code=code, name=name, level=UnitLevel(level), parent=parent)
    )


def _unit(app: ParLedger, code: str) -> Unit:
    found: Unit = app.load(Unit, ids.unit_id(code), code)
    return found


def test_the_text_names_the_line_of_its_province() -> None:
    plan = parse_plan_text(WARD)
    assert plan.province == "thành phố Đà Nẵng" and plan.province_line == LINE
    assert "thành phố Đà Nẵng" in WARD.read_text("utf-8").splitlines()[LINE - 1]


def test_a_unit_without_a_parent_gets_the_province_a_later_text_names(app: ParLedger) -> None:
    _add(app, UNIT, "Phường Hải Châu", "ward")  # added before its province was known
    assert _unit(app, UNIT).parent is None
    plan = parse_plan_text(WARD)

    head = app.recorder.max_notification_id()
    checked = check_import(app, plan, ctx())
    assert app.recorder.max_notification_id() == head  # a check writes nothing
    assert (
        ImportChange(
            CHANGED, f"unit:{UNIT}", LINE, ("parent",), ("đơn vị cấp trên: thành phố Đà Nẵng",)
        )
        in checked.changes
    )
    assert "unit:da-nang" in checked.registered  # the province, established with it

    report = import_plan(app, plan, ctx())
    assert [c for c in report.changes if c.ref.startswith("unit:")] == [
        c for c in checked.changes if c.ref.startswith("unit:")
    ]
    assert _unit(app, UNIT).parent == "da-nang"
    entries = fold_history(app.events.get(ids.unit_id(UNIT)))
    assert [e.event_type for e in entries] == ["Established", "ParentRecorded"]
    assert [(c.field, c.before, c.after) for c in entries[1].changes] == [
        ("parent", None, "da-nang")
    ]
    # the views: the listing, the roll-up of the province, the rule set's province
    listed = list_units(app, parent="da-nang")["items"]
    assert [u["code"] for u in listed] == [UNIT]
    assert [p.plan for p in plans_in(app, "da-nang")] == [plan.id]
    with pytest.raises(NotFound, match=r"của thành phố Đà Nẵng \(da-nang\)"):
        scoring_rules(app, app.get_plan(plan.id))
    # importing the same text again changes nothing more
    assert [c for c in check_import(app, plan, ctx()).changes if c.ref.startswith("unit:")] == []


def test_the_parent_register_is_the_same_in_any_order(app: ParLedger) -> None:
    _add(app, UNIT, "Phường Hải Châu", "ward")
    import_plan(app, parse_plan_text(WARD), ctx())
    events = list(enumerate(app.events.get(ids.unit_id(UNIT)), start=1))
    forward = fold(events).kind("units")
    backward = fold(list(reversed(events))).kind("units")
    assert forward == backward
    (doc,) = forward.values()
    assert doc["parent"] == "da-nang"


@pytest.mark.parametrize("check", [True, False])
def test_a_text_naming_another_province_is_refused_by_its_line(app: ParLedger, check: bool) -> None:
    _add(app, "hai-phong", "Thành phố Hải Phòng", "province")
    _add(app, UNIT, "Phường Hải Châu", "ward", parent="hai-phong")
    head = app.recorder.max_notification_id()
    action: Any = check_import if check else import_plan
    with pytest.raises(InvalidValue) as refused:
        action(app, parse_plan_text(WARD), ctx())
    said = str(refused.value)
    assert said.startswith(f"đơn vị: dòng {LINE}: văn bản nêu Phường Hải Châu thuộc thành phố")
    assert "(mã da-nang), nhưng sổ cái ghi đơn vị cấp trên của Phường Hải Châu là hai-phong" in said
    assert "không có gì được ghi" in said
    assert refused.value.field == "unit"
    assert app.recorder.max_notification_id() == head  # nothing written
    assert _unit(app, UNIT).parent == "hai-phong"
    assert not app.exists(ids.unit_id("da-nang"))


def test_a_recorded_parent_is_never_replaced_by_recording_one() -> None:
    meta = EventMeta(actor=ADMIN, effective_at=vn(2026, 1, 1))
    unit = Unit.establish(
        unit_code="xa-a", name="Xã A", level_="commune", parent="hai-phong", meta=meta
    )
    with pytest.raises(RuleViolation) as refused:
        unit.record_parent(parent="da-nang", meta=meta)
    assert refused.value.field == "parent"
    assert "đơn vị Xã A đã có đơn vị cấp trên hai-phong" in str(refused.value)
    alone = Unit.establish(unit_code="xa-b", name="Xã B", level_="commune", parent=None, meta=meta)
    with pytest.raises(InvalidValue):
        alone.record_parent(parent="xa-b", meta=meta)
    alone.record_parent(parent="da-nang", meta=meta)
    assert alone.parent == "da-nang"
