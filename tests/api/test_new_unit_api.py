"""A ward of Đà Nẵng (a unit after the July-2025 reorganisation) over HTTP, both backends: no
PAR-index rule set is borrowed for it, a unit or agency nobody knows is a named 404, and hostile
inputs to the newer routes are a 4xx problem naming the field in Vietnamese, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.importer import import_plan
from planfile.parser import parse_plan_text
from tests.api.conftest import Api
from tests.conftest import ctx

WARD = Path(__file__).resolve().parents[1] / "plans" / "phuong-hai-chau-da-nang-2026.txt"
PLAN = "da-nang-hai-chau-2026"
LONG = "a" * 5000

# The validator's English that must never reach an official.
ENGLISH = ("Input should", "String should", "Value error", "Field required", "Extra inputs")


@pytest.fixture
def ward(api: Api) -> Api:
    plan = parse_plan_text(WARD)
    import_plan(api.ledger, plan, ctx())
    return api


def test_scores_of_a_unit_without_a_rule_set_say_so_and_name_those_there_are(ward: Api) -> None:
    answer = ward.client.get(
        f"/plans/{PLAN}/scores/computed?as_of=2026-12-31", headers=ward.headers("reader")
    )
    assert answer.status_code == 404, answer.text
    problem = answer.json()
    assert problem["field"] == "rules"
    assert "không có bộ chỉ số CCHC nào áp dụng cho cấp xã" in problem["detail"]
    assert "da-nang" in problem["detail"] and "điểm không được tính" in problem["detail"]
    assert "cho cấp xã của thành phố Đà Nẵng (da-nang) năm 2026" in problem["detail"]
    assert "par-index.commune.hai-phong@1" in problem["detail"]


def test_a_scoring_rule_set_is_served_by_its_dotted_name(ward: Api) -> None:
    h = ward.headers("reader")
    answer = ward.client.get("/rules/par-index.commune.hai-phong", headers=h)
    assert answer.status_code == 200, answer.text
    assert answer.json()["versions"][0]["ref"] == "par-index.commune.hai-phong@1"
    missing = ward.client.get("/rules/par-index.commune.da-nang", headers=h)
    assert missing.status_code == 404 and "par-index.commune.hai-phong" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("unit=hai-chau", "unit", "không có đơn vị hành chính mã “hai-chau”"),
        ("unit=%E2%80%AEda-nang", "unit", "không có đơn vị hành chính"),
        ("agency=hai-chau.ubnd", "agency", "không có cơ quan mã “hai-chau.ubnd”"),
    ],
)
def test_obligations_of_an_unknown_unit_or_agency_are_a_named_404(
    ward: Api, query: str, field: str, words: str
) -> None:
    answer = ward.client.get(f"/obligations?{query}", headers=ward.headers("reader"))
    assert answer.status_code == 404, answer.text
    assert answer.json()["field"] == field and words in answer.json()["detail"]


def test_a_wards_level_reads_the_rules_of_a_commune(ward: Api) -> None:
    h = ward.headers("reader")
    as_ward = ward.client.get("/rules?level=ward&on=2026-06-30", headers=h)
    as_commune = ward.client.get("/rules?level=commune&on=2026-06-30", headers=h)
    assert as_ward.status_code == 200, as_ward.text
    assert as_ward.json() == as_commune.json() and as_ward.json()["versions"]


def test_the_audit_trail_of_an_unknown_plan_is_a_named_404(ward: Api) -> None:
    answer = ward.client.get("/audit?plan=hai-chau-2026", headers=ward.headers("auditor"))
    assert answer.status_code == 404, answer.text
    assert answer.json()["field"] == "plan" and "hai-chau-2026" in answer.json()["detail"]
    found = ward.client.get(f"/audit?plan={PLAN}&limit=5", headers=ward.headers("auditor"))
    assert found.status_code == 200 and len(found.json()["rows"]) == 5


def test_obligations_of_the_ward_and_its_city_are_answered(ward: Api) -> None:
    h = ward.headers("reader")
    for unit in ("da-nang-hai-chau", "da-nang"):
        answer = ward.client.get(f"/obligations?unit={unit}&as_of=2026-06-30", headers=h)
        assert answer.status_code == 200, answer.text
    assert (
        ward.client.get("/obligations?agency=da-nang-hai-chau.ubnd", headers=h).status_code == 200
    )


HOSTILE = [
    ("/calendar/working-days?from=2023-02-30&count=1", "from", "ngày không hợp lệ"),
    ("/calendar/working-days?from=0000-01-01&count=1", "from", "ngày không hợp lệ"),
    ("/calendar/working-days?from=2025-01-24&count=99999999999", "count", "nhỏ hơn"),
    ("/calendar/working-days?from=2025-01-24&count=abc", "count", "số nguyên"),
    ("/calendar/working-days?from=9999-12-31&count=1", "from", "ngoài khoảng"),
    ("/calendar?from=2026-01-01&to=2099-12-31", "to", "400 ngày"),
    ("/rules?on=2023-02-30", "on", "ngày không hợp lệ"),
    ("/rules?level=phuong", "level", "phải là một trong: province, district, commune, ward"),
    (f"/rules/{LONG}", "rule", "sai định dạng"),
    ("/rules/%F0%9F%98%80", "rule", "sai định dạng"),
    ("/rules/scoring?year=0", "year", "lớn hơn hoặc bằng 2000"),
    ("/rules/scoring?year=99999", "year", "nhỏ hơn hoặc bằng 2100"),
    ("/rules/scoring?year=1e3", "year", "số nguyên"),
    ("/rules/scoring?level=xyz", "level", "phải là một trong"),
    (f"/plans/{PLAN}/scores/computed?as_of=2026-02-30", "as_of", "ngày không hợp lệ"),
    (f"/plans/{PLAN}/scores/computed?as_of=99999-01-01", "as_of", "ISO 8601"),
    ("/obligations?status=xyz", "status", "phải là một trong"),
    ("/obligations?kind=%F0%9F%98%80", "kind", "phải là một trong"),
    ("/obligations?as_of=2026-02-30", "as_of", "ngày không hợp lệ"),
    ("/obligations?known_at=2023-02-30T00:00:00", "known_at", "thời điểm không hợp lệ"),
    (f"/obligations?plan={LONG}", "plan", "dài quá 100 ký tự"),
    (f"/units/{LONG}/rollup", "unit", "dài quá 100 ký tự"),
    ("/units/da-nang/rollup?as_of=2026-02-30", "as_of", "ngày không hợp lệ"),
    ("/units/da-nang/rollup?as_of=99999-01-01", "as_of", "ISO 8601"),
]


def test_hostile_inputs_to_the_newer_routes_are_refused_in_vietnamese(ward: Api) -> None:
    # one ledger for every case: building one per case costs seconds each
    for path, field, words in HOSTILE:
        answer = ward.client.get(path, headers=ward.headers("reader"))
        assert answer.status_code == 422, (path[:80], answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["field"] == field and words in problem["detail"], (path[:80], problem)
        assert not any(e in answer.text for e in ENGLISH), (path[:80], answer.text)


def test_a_command_body_refused_by_the_validator_is_vietnamese(ward: Api) -> None:
    answer = ward.client.post(
        f"/plans/{PLAN}/tasks/3/progress",
        json={"percent": "abc", "note": "x", "bogus": 1},
        headers=ward.headers("admin", **{"If-Match": "*"}),
    )
    assert answer.status_code == 422, answer.text
    assert not any(e in answer.text for e in ENGLISH), answer.text
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "bogus" in fields or "percent" in fields


def test_the_list_of_plans_is_what_the_caller_may_read(ward: Api) -> None:
    # A national reader lists both units' plans, in order of registration, each with its
    # unit; the ward's secretariat lists its ward's plan only, as it may read no other.
    listed = ward.client.get("/plans", headers=ward.headers("reader"))
    assert listed.status_code == 200, listed.text
    rows = listed.json()
    assert [r["id"] for r in rows] == ["thu-nghiem-2023", PLAN]
    assert rows[1]["unit"] == "da-nang-hai-chau" and rows[1]["year"] == 2026
    agency = parse_plan_text(WARD).agencies[0].code
    _, token = ward.ledger.add_user(
        ctx(), name="tt-hai-chau", display_name="Thường trực", role="secretariat", agency=agency
    )
    own = ward.client.get("/plans", headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200 and [r["id"] for r in own.json()] == [PLAN], own.text
