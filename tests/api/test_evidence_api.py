"""``GET /plans/{plan}/evidence``: an evidence package over HTTP, the same bytes for the same
request, verified as a recipient would with no database; mistakes name the field."""

from __future__ import annotations

from integrity.digests import key_path, load_or_create_key, public_hex
from reports.package_check import verify_package
from tests.api.conftest import PLAN, Api


def test_a_package_downloads_and_verifies(api: Api) -> None:
    url = f"/plans/{PLAN}/evidence?agency=phong-noi-vu&from=2023-01-01&to=2023-12-31"
    first = api.client.get(url, headers=api.headers("inspector"))
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/zip"
    assert "bang-chung-" in first.headers["content-disposition"]
    again = api.client.get(url, headers=api.headers("inspector"))
    assert again.content == first.content
    holds = verify_package(first.content, public_hex(load_or_create_key(key_path())))
    assert any("khoá tin cậy" in h for h in holds)
    assert api.client.get(url).status_code == 401


def test_mistakes_name_the_field(api: Api) -> None:
    who = api.headers("inspector")
    base = f"/plans/{PLAN}/evidence?from=2023-01-01&to=2023-12-31"
    unknown = api.client.get(base + "&agency=khong-co", headers=who)
    assert unknown.status_code == 404 and unknown.json()["field"] == "agency"
    plan = api.client.get(base.replace(PLAN, "khong-co") + "&agency=phong-noi-vu", headers=who)
    assert plan.status_code == 404 and plan.json()["field"] == "plan"
    backwards = api.client.get(
        f"/plans/{PLAN}/evidence?agency=phong-noi-vu&from=2023-12-31&to=2023-01-01", headers=who
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "from"
    bad = api.client.get(base + "&agency=phong-noi-vu&inspection=abc", headers=who)
    assert bad.status_code == 422 and bad.json()["field"] == "inspection"
