"""Roll-ups across units: a province sees its communes' plans side by side as of any date and
known-at, each line what that plan's own replay says; plans the reader may not read are left
out and counted; the CLI and the API give the same answer."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cli.main import main
from domain.values import Actor
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, RegisterAgency
from ledger.usecases.plan import RecordAreaScore, ScoreKind
from ledger.usecases.target import RecordMeasurement
from ledger.usecases.task import CompleteTask
from ledger.usecases.unit import EstablishUnit, UnitLevel
from planfile.units import qualified
from replay import replay
from replay.rollup import plan_summary, rollup
from service.app import create_app
from tests.conftest import ctx, vn
from tests.factories import small_plan

LEGACY = "thu-nghiem-2023"  # the legacy unit's (cat-hai), not in the province
EAST, WEST = "xa-dong-2023", "xa-tay-2023"
MID_YEAR, NEW_YEAR = date(2023, 6, 30), date(2024, 1, 10)
Q1 = {"period_start": "2023-01-01", "period_end": "2023-03-31", "source": "Báo cáo quý"}


def _commune(app: ParLedger, code: str, name: str, plan: str) -> None:
    app.handle(ctx(), EstablishUnit(unit_code=code, name=name, level=UnitLevel("commune"),
                                    parent="hai-phong"))  # fmt: skip
    found = small_plan(plan).model_copy(
        update={"unit": name, "unit_code": code, "unit_level": "commune"}
    )
    import_plan(app, qualified(found), ctx())


def _ledger(app: ParLedger) -> datetime:
    """Two communes of Hải Phòng with a plan each, the legacy unit's plan beside them, and
    some activity; returns a moment before the last measurement was recorded."""
    import_plan(app, small_plan(), ctx())
    app.handle(ctx(), EstablishUnit(unit_code="hai-phong", name="Thành phố Hải Phòng",
                                    level=UnitLevel("province")))  # fmt: skip
    app.handle(ctx(), RegisterAgency(agency_code="hai-phong.van-phong-ubnd", unit="hai-phong",
                                     name="Văn phòng UBND thành phố",
                                     kind=AgencyKind("office")))  # fmt: skip
    _commune(app, "xa-dong", "Xã Đông", EAST)
    _commune(app, "xa-tay", "Xã Tây", WEST)
    app.handle(ctx(effective=vn(2023, 1, 10)), CompleteTask(plan=EAST, number="1", note="Xong"))
    app.handle(ctx(effective=vn(2023, 4, 20)),
               RecordAreaScore(plan=EAST, area="I", kind=ScoreKind("self_assessed"),
                               score=12))  # fmt: skip
    app.handle(ctx(effective=vn(2023, 4, 5)),
               RecordMeasurement(plan=WEST, target=7, indicator="7a", value=90, **Q1))  # fmt: skip
    before = datetime.now().astimezone()
    app.handle(ctx(effective=vn(2023, 4, 5)),
               RecordMeasurement(plan=EAST, target=7, indicator="7a", value=100, **Q1))  # fmt: skip
    return before


def _line(found: dict[str, Any], plan: str) -> dict[str, Any]:
    return next(line for line in found["plans"] if line["plan"] == plan)


def test_a_province_sees_its_communes_side_by_side(app: ParLedger) -> None:
    before = _ledger(app)
    found = rollup(app, "hai-phong", MID_YEAR)
    assert [line["plan"] for line in found["plans"]] == [EAST, WEST]  # not the legacy plan
    east, west = _line(found, EAST), _line(found, WEST)
    assert east["attainment"] == {"met": 1, "at_risk": 0, "not_met": 0, "no_data": 1, "total": 2}
    assert west["attainment"] == {"met": 0, "at_risk": 1, "not_met": 0, "no_data": 1, "total": 2}
    assert east["tasks"] == {"total": 2, "overdue": 0, "completed": 1}
    assert west["tasks"] == {"total": 2, "overdue": 1, "completed": 0}  # task 1 was due 15/01
    assert east["scores"]["areas_below_target"] == ["I"] and east["scores"]["self_assessed"] == "12"
    assert west["scores"]["areas_below_target"] == []
    assert found["totals"]["attainment"]["met"] == 1 and found["totals"]["tasks"]["overdue"] == 1
    assert found["totals"]["plans_below_target"] == 1
    # Each line is exactly what the plan's own replay says.
    for line in found["plans"]:
        own = plan_summary(replay(app, line["plan"], MID_YEAR))
        assert {k: line[k] for k in own} == own
    # After the year's end the measured shortfall cannot be made good.
    later = _line(rollup(app, "hai-phong", NEW_YEAR), WEST)
    assert later["attainment"]["not_met"] == 1 and later["tasks"]["overdue"] == 2
    # As known before the last measurement: Đông had no figure for 7a yet.
    known = _line(rollup(app, "hai-phong", MID_YEAR, before), EAST)
    assert known["attainment"]["met"] == 0 and known["attainment"]["no_data"] == 2
    # Before the plans were imported (known at 2000), nothing of theirs was known.
    empty = rollup(app, "hai-phong", MID_YEAR, datetime.fromisoformat("2000-01-01T00:00+07:00"))
    assert empty["plans"] == [] and empty["not_yet"] == [EAST, WEST]
    # The whole ledger has every unit's plans.
    assert [p["plan"] for p in rollup(app, "all", MID_YEAR)["plans"]] == [LEGACY, EAST, WEST]
    # A commune rolls up its own plan.
    assert [p["plan"] for p in rollup(app, "xa-tay", MID_YEAR)["plans"]] == [WEST]


def test_plans_the_reader_may_not_read_are_left_out_and_counted(app: ParLedger) -> None:
    _ledger(app)
    _, province = app.add_user(ctx(), name="tinh", display_name="Tỉnh", role="secretariat",
                               agency="hai-phong.van-phong-ubnd")  # fmt: skip
    _, commune = app.add_user(ctx(), name="xa", display_name="Xã", role="secretariat",
                              agency="xa-dong.phong-noi-vu")  # fmt: skip
    reader: Actor = app.authenticate(province)
    found = rollup(app, "all", MID_YEAR, actor=reader)
    assert [p["plan"] for p in found["plans"]] == [EAST, WEST] and found["withheld"] == 1
    found = rollup(app, "hai-phong", MID_YEAR, actor=app.authenticate(commune))
    assert [p["plan"] for p in found["plans"]] == [EAST] and found["withheld"] == 1


def test_the_api_and_the_cli_give_the_roll_up(
    app: ParLedger, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _ledger(app)
    _, token = app.add_user(ctx(), name="doc", display_name="Đọc", role="reader", agency=None)
    client = TestClient(create_app(app))
    auth = {"Authorization": f"Bearer {token}"}
    expected = rollup(app, "hai-phong", MID_YEAR)
    response = client.get("/units/hai-phong/rollup?as_of=2023-06-30", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Thành phố Hải Phòng"
    assert body["plans"] == json.loads(json.dumps(expected["plans"]))
    missing = client.get("/units/khong-co/rollup?as_of=2023-06-30", headers=auth)
    assert missing.status_code == 404 and "khong-co" in missing.json()["detail"]
    bad = client.get("/units/hai-phong/rollup?as_of=30-06-2023", headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "as_of"
    assert client.get("/units/hai-phong/rollup").status_code == 401
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/units/{unit}/rollup"]["get"]["operationId"] == "get_unit_rollup"

    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    code = main(["rollup", "hai-phong", "--as-of", "2023-06-30", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["plans"] == body["plans"]
    code = main(["rollup", "hai-phong", "--as-of", "30/06/2023"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Tổng hợp Thành phố Hải Phòng tại ngày 30/06/2023" in out
    assert "nhiệm vụ: quá hạn 1, hoàn thành 0 / 2" in out
    code = main(["rollup", "khong-co", "--as-of", "2023-06-30"])
    assert code != 0 and "không có đơn vị hành chính" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:  # argparse's usage error
        main(["rollup", "hai-phong", "--as-of", "2023-13-01"])
    assert refused.value.code == 2 and "--as-of" in capsys.readouterr().err
