"""Administrative units: their lifecycle, the agencies and plans that belong to them, and a
second unit's plan living beside Cát Hải's without changing any of its answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain import ids
from domain.errors import InvalidValue
from domain.unit import Unit
from domain.values import Actor, Role
from ledger.application import ParLedger
from ledger.errors import Forbidden
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, RegisterAgency
from ledger.usecases.unit import EstablishUnit, MergeUnit, SplitUnit, UnitLevel
from planfile.parser import parse_plan_text
from replay import replay
from tests.conftest import ctx, vn

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"


def _copy(tmp_path: Path, name: str, unit_words: str | None = None) -> Path:
    text = SEED.read_text("utf-8")
    if unit_words is not None:
        text = text.replace("Cải cách hành chính huyện Cát Hải năm 2023", unit_words, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _answers(app: ParLedger, plan: str, as_of: date) -> dict[str, object]:
    found = replay(app, plan, as_of, use_checkpoints=False)
    found.pop("replay")
    return found


def test_plan_identity_comes_from_the_text_not_the_file_name(
    app: ParLedger, tmp_path: Path
) -> None:
    first = import_plan(app, parse_plan_text(_copy(tmp_path, "cat-hai-2023.txt")), ctx())
    assert first.plan == "cat-hai-2023"
    assert "unit:cat-hai" in first.registered
    again = import_plan(app, parse_plan_text(_copy(tmp_path, "ke-hoach.txt")), ctx())
    assert again.plan == "cat-hai-2023" and not again.changed
    overridden = parse_plan_text(_copy(tmp_path, "ke-hoach.txt"), plan_id="cat-hai-2023-b")
    assert overridden.id == "cat-hai-2023-b"
    assert app.get_plan("cat-hai-2023").unit_code == "cat-hai"


def test_a_reorganisation_leaves_history_before_it_unchanged(app: ParLedger) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    before = {d: _answers(app, "cat-hai-2023", d) for d in (date(2023, 6, 30), date(2023, 12, 31))}
    app.handle(
        ctx(effective=vn(2020, 1, 1)),
        EstablishUnit(
            unit_code="hai-phong", name="Thành phố Hải Phòng", level=UnitLevel("province")
        ),
    )
    app.handle(
        ctx(effective=vn(2025, 7, 1, 0)),
        EstablishUnit(
            unit_code="dac-khu-cat-hai",
            name="Đặc khu Cát Hải",
            level=UnitLevel("special_zone"),
            parent="hai-phong",
        ),
    )
    app.handle(
        ctx(effective=vn(2025, 7, 1, 0), reason="Sắp xếp đơn vị hành chính"),
        MergeUnit(unit_code="cat-hai", successor="dac-khu-cat-hai",
                  decision="Nghị quyết số 1669/NQ-UBTVQH15 ngày 16/6/2025"),
    )  # fmt: skip
    for as_of, answer in before.items():
        assert _answers(app, "cat-hai-2023", as_of) == answer
    cat_hai = app.load(Unit, ids.unit_id("cat-hai"), "huyện Cát Hải")
    assert not cat_hai.active and cat_hai.successors == ("dac-khu-cat-hai",)
    # A record of 2023 still belongs to the district as it then was; one of 2026 cannot.
    app.handle(
        ctx(effective=vn(2023, 3, 1)),
        RegisterAgency(
            agency_code="phong-moi",
            unit="cat-hai",
            name="Phòng Mới",
            kind=AgencyKind("specialised_office"),
        ),
    )
    with pytest.raises(InvalidValue) as refused:
        app.handle(
            ctx(),
            RegisterAgency(
                agency_code="phong-moi-2",
                unit="cat-hai",
                name="Phòng Mới 2",
                kind=AgencyKind("specialised_office"),
            ),
        )
    assert refused.value.field == "unit"
    assert not app.exists(ids.agency_id("phong-moi-2"))


def test_units_are_the_administrators_to_change(app: ParLedger) -> None:
    secretariat = Actor(id="user:s", name="S", role=Role.SECRETARIAT, agency="phong-noi-vu")
    with pytest.raises(Forbidden):
        app.handle(
            ctx(secretariat),
            EstablishUnit(
                unit_code="hai-phong", name="Thành phố Hải Phòng", level=UnitLevel("province")
            ),
        )
    app.handle(
        ctx(), EstablishUnit(unit_code="hai-phong", name="Hải Phòng", level=UnitLevel("province"))
    )
    with pytest.raises(InvalidValue) as refused:
        app.handle(
            ctx(),
            EstablishUnit(
                unit_code="tinh-con",
                name="Tỉnh con",
                level=UnitLevel("province"),
                parent="hai-phong",
            ),
        )
    assert refused.value.field == "parent"
    app.handle(
        ctx(),
        EstablishUnit(
            unit_code="xa-a", name="Xã A", level=UnitLevel("commune"), parent="hai-phong"
        ),
    )
    with pytest.raises(InvalidValue):
        app.handle(
            ctx(reason="Chia tách"),
            SplitUnit(unit_code="xa-a", successors=["xa-a", "xa-a"], decision="NQ 1"),
        )


def test_the_same_office_in_two_units_is_two_agencies(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    as_of = date(2023, 9, 30)
    alone = replay(app, "cat-hai-2023", as_of, use_checkpoints=False)
    other = parse_plan_text(
        _copy(tmp_path, "x.txt", "Cải cách hành chính huyện Thủy Nguyên năm 2023")
    )
    report = import_plan(app, other, ctx())
    assert report.plan == "thuy-nguyen-2023"
    assert "agency:thuy-nguyen.phong-tu-phap" in report.registered
    assert "agency:phong-tu-phap" not in report.registered
    assert app.get_agency("thuy-nguyen.phong-tu-phap").unit_code == "thuy-nguyen"
    assert app.get_agency("phong-tu-phap").unit_code == "cat-hai"
    task = app.get_task("thuy-nguyen-2023", "1.b")
    assert all(code.startswith("thuy-nguyen.") for code in (*task.lead, *task.coordinating))
    beside = replay(app, "cat-hai-2023", as_of, use_checkpoints=False)
    # Not one answer changed, and the other unit's events were not even read.
    assert {k: v for k, v in beside.items() if k != "replay"} == {
        k: v for k, v in alone.items() if k != "replay"
    }
    assert beside["replay"]["events_read"] == alone["replay"]["events_read"]
