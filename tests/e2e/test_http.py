"""The HTTP service over a real ledger: health, plan read-out, problem+json errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.application import ParLedger
from ledger.importer import import_plan
from service.app import create_app
from tests.conftest import ctx
from tests.factories import small_plan


def test_health_and_plan(app: ParLedger) -> None:
    import_plan(app, small_plan(), ctx())
    client = TestClient(create_app(app))
    health = client.get("/health").json()
    assert (
        health["status"] == "ok" and health["position"] == 10
    )  # the unit, 2 agencies, plan, 2 targets, 4 tasks
    _, token = app.add_user(ctx(), name="an", display_name="An", role="reader", agency=None)
    plan = client.get("/plans/thu-nghiem-2023", headers={"Authorization": f"Bearer {token}"})
    assert plan.headers["etag"] == '"1"'
    plan = plan.json()
    assert plan["unit"] == "Huyện Thử Nghiệm"
    assert [a["code"] for a in plan["areas"]] == ["I", "V"]
    assert [t["number"] for t in plan["tasks"]] == ["1", "2"]
    assert plan["tasks"][0]["due"] == "2023-01-15"


def test_unknown_plan_is_a_problem_document(app: ParLedger) -> None:
    client = TestClient(create_app(app))
    _, token = app.add_user(ctx(), name="an", display_name="An", role="reader", agency=None)
    response = client.get("/plans/khong-co", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:parledger:problem:not_found" and "khong-co" in body["detail"]


def test_openapi_document_is_served(app: ParLedger) -> None:
    spec = TestClient(create_app(app)).get("/openapi.json").json()
    assert {"/health", "/plans/{plan}"} <= set(spec["paths"])
