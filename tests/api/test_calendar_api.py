"""The calendar and the rule versions over HTTP: answers naming their version, a correction
recorded by an administrator only, and input errors naming the field."""

from __future__ import annotations

from tests.api.conftest import Api

CORRECTION = {
    "day": "2026-03-07",
    "status": "working",
    "source": "Thông báo hoán đổi ngày làm việc (ví dụ kiểm thử)",
    "reason": "Làm bù theo thông báo",
}


def test_the_tet_2025_break_and_adding_working_days_across_it(api: Api) -> None:
    client, h = api.client, api.headers("reader")
    shown = client.get("/calendar?from=2025-01-24&to=2025-02-03", headers=h)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["working_days"] == 2 and body["calendar"].startswith("holidays-")
    assert [d["working"] for d in body["days"]][:3] == [True, False, False]
    added = client.get("/calendar/working-days?from=2025-01-24&count=1", headers=h).json()
    assert (added["day"], added["weekday"]) == ("2025-02-03", "Thứ Hai")
    back = client.get("/calendar/working-days?from=2025-02-03&count=-1", headers=h).json()
    assert back["day"] == "2025-01-24"
    between = client.get("/calendar/between?from=2025-01-24&to=2025-02-03", headers=h).json()
    assert between["working_days"] == 1


def test_a_correction_is_an_administrators_and_shows_in_the_calendar(api: Api) -> None:
    client = api.client
    refused = client.post(
        "/calendar/corrections", json=CORRECTION, headers=api.headers("secretariat")
    )
    assert refused.status_code == 403, refused.text
    before = api.head()
    recorded = client.post("/calendar/corrections", json=CORRECTION, headers=api.headers("admin"))
    assert recorded.status_code == 201, recorded.text
    h = api.headers("reader")
    now = client.get("/calendar?from=2026-03-07", headers=h).json()
    [day] = now["days"]
    assert day["working"] and day["why"] == "Làm bù theo thông báo"
    assert day["source"] == CORRECTION["source"]
    assert now["calendar"].endswith(f"+ledger@{api.head()}")
    # As known before the correction: the packaged calendar, a Saturday off.
    then = client.get(
        "/calendar",
        params={"from": "2026-03-07", "known_at": "2020-01-01T00:00:00+07:00"},
        headers=h,
    ).json()
    assert not then["days"][0]["working"] and then["position"] <= before


def test_errors_name_the_field(api: Api) -> None:
    client, h = api.client, api.headers("reader")
    cases = {
        "/calendar/working-days?from=2025-01-24&count=5000": "count",
        "/calendar/working-days?from=1990-01-01&count=1": "from",
        "/calendar/working-days?from=24/01/2025&count=1": "from",
        "/calendar?from=2025-02-03&to=2025-01-01": "to",
        "/calendar?from=2025-01-01&to=2026-12-31": "to",
        "/rules?level=huyen": "level",
        "/rules?on=0": "on",  # not a Unix time: the document says ISO dates
        "/calendar?from=0": "from",
        "/calendar?from=2025-01-01&to=1": "to",
    }
    for url, field in cases.items():
        got = client.get(url, headers=h)
        assert got.status_code == 422, (url, got.text)
        assert got.headers["content-type"].startswith("application/problem+json")
        assert got.json()["field"] == field, (url, got.json())
    missing = client.get("/rules/khong-co", headers=h)
    assert missing.status_code == 404 and missing.json()["field"] == "rule"
    no_reason = {k: v for k, v in CORRECTION.items() if k != "reason"}
    got = client.post("/calendar/corrections", json=no_reason, headers=api.headers("admin"))
    assert got.status_code == 422 and got.json()["field"] == "reason"


def test_rule_versions_in_force_by_date_and_level(api: Api) -> None:
    client, h = api.client, api.headers("reader")
    every = client.get("/rules", headers=h).json()
    assert "reporting-periods" in every["rule_sets"]
    refs = {v["ref"] for v in every["versions"]}
    assert {"reporting-periods@2019.1", "reporting-periods@2019.1-huyen"} <= refs
    district = client.get("/rules?on=2024-06-30&level=district", headers=h).json()["versions"]
    assert [v["ref"] for v in district] == [
        "dossier-apology@2018.107",
        "par-index.district.hai-phong@1",
        "reporting-periods@2019.1-huyen",
    ]
    assert "09/2019/NĐ-CP" in district[2]["legal_source"]
    after = client.get("/rules/reporting-periods?on=2025-07-01&level=district", headers=h).json()
    assert [v["ref"] for v in after["versions"]] == ["reporting-periods@2019.1"]
