"""``GET /units`` and ``parledger unit list``, both backends: the recorded units by code,
filtered by level and parent, in keyset pages, the same rows from the CLI and over HTTP, and a
parent nobody knows is a named 404."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cli.main import main
from ledger.usecases.unit import EstablishUnit, MergeUnit, UnitLevel
from tests.api.conftest import Api
from tests.conftest import ctx

UNITS = [
    ("hai-phong", "Thành phố Hải Phòng", "province", None),
    ("da-nang", "Thành phố Đà Nẵng", "province", None),
    ("cat-hai-dk", "Đặc khu Cát Hải", "special_zone", "hai-phong"),
    ("xa-a", "Xã A", "commune", "hai-phong"),
    ("xa-b", "Xã B", "commune", "hai-phong"),
    ("hai-chau", "Phường Hải Châu", "ward", "da-nang"),
]


@pytest.fixture
def units(api: Api) -> Api:
    for code, name, level, parent in UNITS:
        api.ledger.handle(
            ctx(), EstablishUnit(unit_code=code, name=name, level=UnitLevel(level), parent=parent)
        )
    api.ledger.handle(
        ctx(reason="Sáp nhập"), MergeUnit(unit_code="xa-b", successor="xa-a", decision="NQ 1")
    )
    return api


def listed(api: Api, query: str = "") -> dict[str, Any]:
    answer = api.client.get(f"/units{query}", headers=api.headers("reader"))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_units_are_listed_by_code_with_name_level_parent_and_status(units: Api) -> None:
    items = listed(units)["items"]
    codes = [u["code"] for u in items]
    assert codes == sorted(codes) and set(codes) >= {c for c, *_ in UNITS}
    by_code = {u["code"]: u for u in items}
    assert by_code["cat-hai-dk"] == {
        "code": "cat-hai-dk",
        "name": "Đặc khu Cát Hải",
        "level": "special_zone",
        "parent": "hai-phong",
        "status": by_code["cat-hai-dk"]["status"],
        "version": 1,
    }
    assert by_code["cat-hai-dk"]["status"]["state"] == "active"
    assert by_code["xa-b"]["status"]["state"] == "merged"
    assert by_code["xa-b"]["status"]["successors"] == ["xa-a"]


def test_units_are_filtered_by_level_and_parent(units: Api) -> None:
    assert [u["code"] for u in listed(units, "?level=province")["items"]] == [
        "da-nang",
        "hai-phong",
    ]
    under = listed(units, "?parent=hai-phong")["items"]
    assert [u["code"] for u in under] == ["cat-hai-dk", "xa-a", "xa-b"]
    both = listed(units, "?parent=hai-phong&level=commune")["items"]
    assert [u["code"] for u in both] == ["xa-a", "xa-b"]
    assert listed(units, "?parent=da-nang&level=commune")["items"] == []


def test_units_come_in_keyset_pages_that_a_new_unit_does_not_shift(units: Api) -> None:
    everything = [u["code"] for u in listed(units, "?limit=500")["items"]]
    first = listed(units, "?limit=2")
    assert [u["code"] for u in first["items"]] == everything[:2]
    assert first["next_cursor"] == everything[1]
    # a unit recorded between two pages, sorting before the cursor, shifts nothing
    units.ledger.handle(
        ctx(), EstablishUnit(unit_code="a-moi", name="Xã mới", level=UnitLevel("commune"))
    )
    seen = [u["code"] for u in first["items"]]
    cursor = first["next_cursor"]
    while cursor is not None:
        page = listed(units, f"?limit=2&cursor={cursor}")
        seen += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
    assert seen == everything


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?parent=khong-co", 404, "parent"),
        ("?level=thon", 422, "level"),
        ("?limit=0", 422, "limit"),
        ("?cursor=%20", 422, "cursor"),
    ],
)
def test_a_parent_nobody_knows_or_a_bad_filter_is_named(
    units: Api, query: str, status: int, field: str
) -> None:
    answer = units.client.get(f"/units{query}", headers=units.headers("reader"))
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    if status == 404:
        assert "không có đơn vị hành chính mã “khong-co”" in answer.json()["detail"]


def test_units_need_a_token(units: Api) -> None:
    assert units.client.get("/units").status_code == 401


def test_the_cli_lists_the_same_units_as_http(
    units: Api, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)
    for query, argv in (
        ("?parent=hai-phong&limit=2", ["--parent", "hai-phong", "--limit", "2"]),
        ("?level=province", ["--level", "province"]),
    ):
        assert main(["unit", "list", *argv, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == listed(units, query)
    assert main(["unit", "list", "--parent", "hai-phong"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Đơn vị hành chính: 3"
    assert "  cat-hai-dk: Đặc khu Cát Hải (đặc khu, trực thuộc hai-phong; đang tồn tại)" in out
    assert "  xa-b: Xã B (xã, trực thuộc hai-phong; đã sáp nhập → xa-a)" in out
    assert main(["unit", "list", "--parent", "khong-co"]) == 3
    assert "không có đơn vị hành chính mã" in capsys.readouterr().err
