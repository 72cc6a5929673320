"""The served OpenAPI document fits client generators and says what the service answers:
short snake_case operation ids, ASCII tags with Vietnamese descriptions, a documented 400
problem for bodies that are not JSON, and the event stream as ``text/event-stream``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import PLAN, Api

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MALFORMED = "urn:parledger:problem:malformed_body"

# The read routes' names: what a generated client calls them.
READS = {
    ("get", "/health"): "get_health",
    ("get", "/plans"): "list_plans",
    ("get", "/plans/{plan}"): "get_plan",
    ("get", "/plans/{plan}/tasks"): "list_plan_tasks",
    ("get", "/plans/{plan}/tasks/{number}"): "get_task",
    ("get", "/plans/{plan}/targets"): "list_plan_targets",
    ("get", "/plans/{plan}/targets/{target}"): "get_target",
    ("get", "/plans/{plan}/scores"): "list_area_scores",
    ("get", "/plans/{plan}/inspections"): "list_plan_inspections",
    ("get", "/inspections/{inspection_id}"): "get_inspection",
    ("get", "/plans/{plan}/apologies"): "list_plan_apologies",
    ("get", "/dossiers/{dossier_code}"): "get_dossier",
    ("get", "/entities/{ref}/history"): "get_entity_history",
    ("get", "/entities/{ref}/timeline"): "get_entity_timeline",
    ("get", "/audit"): "list_audit_trail",
    ("get", "/events"): "list_events",
    ("get", "/events/stream"): "stream_events",
    ("get", "/ledger/digest"): "get_ledger_digest",
    ("get", "/events/{position}/proof"): "get_event_proof",
    ("get", "/plans/{plan}/reports/{period}"): "get_report",
    ("get", "/units"): "list_units",
}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.fixture
def spec(api: Api) -> dict[str, Any]:
    return dict(api.client.get("/openapi.json").json())


def test_operation_ids_are_unique_snake_case_route_names(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert [i for i in ids if not SNAKE.match(i)] == []
    found = {(m, p): op["operationId"] for m, p, op in operations(spec) if (m, p) in READS}
    assert found == READS


def test_tags_are_ascii_and_described_in_vietnamese(spec: dict[str, Any]) -> None:
    declared = {tag["name"]: tag["description"] for tag in spec["tags"]}
    used = {tag for _, _, operation in operations(spec) for tag in operation["tags"]}
    assert used <= set(declared), used - set(declared)
    assert all(SNAKE.match(name) for name in declared)
    assert declared["tasks"] == "Nhiệm vụ" and declared["dossiers"] == "Hồ sơ trễ hạn"
    # Every operation is in exactly one tag: one module of a generated client.
    assert all(len(operation["tags"]) == 1 for _, _, operation in operations(spec))


def test_pages_stay_out_of_the_document(spec: dict[str, Any]) -> None:
    assert not [path for path in spec["paths"] if path.startswith("/web") or path == "/"]


def test_every_body_documents_the_malformed_body_problem(spec: dict[str, Any]) -> None:
    with_body = [(m, p, op) for m, p, op in operations(spec) if "requestBody" in op]
    assert len(with_body) >= 13
    for _, _, operation in with_body:
        content = operation["responses"]["400"]["content"]
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"progress": ', "ký tự thứ 14"),  # cut short
        (b'{"progress": 50,}', "ký tự thứ 17"),  # a trailing comma
        (b'{"note": "\xff"}', ""),  # not UTF-8
    ],
)
def test_a_body_that_is_not_json_is_a_400_problem(api: Api, body: bytes, where: str) -> None:
    before = api.head()
    response = api.client.post(
        f"/plans/{PLAN}/tasks/1/progress",
        content=body,
        headers=api.headers("admin", **{"Content-Type": "application/json", "If-Match": "*"}),
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == MALFORMED and problem["field"] == "body"
    assert problem["detail"].startswith("nội dung yêu cầu không phải JSON hợp lệ")
    assert where in problem["detail"]
    assert api.head() == before  # nothing written


def test_the_event_stream_is_documented_and_served_as_event_stream(
    api: Api, spec: dict[str, Any]
) -> None:
    ok = spec["paths"]["/events/stream"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]
    stream = api.client.get("/events/stream?timeout=0", headers=api.headers("reader"))
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text.startswith(": ParLedger")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        # Exists with its offset but not in UTC: was a 500 (OverflowError) on every read.
        (f"/plans/{PLAN}/tasks/1?known_at=0001-01-01T00:03:27%2B23:36", "known_at"),
        (f"/plans/{PLAN}/targets?known_at=0001-01-01T00:00:00%2B23:00", "known_at"),
        # Numbers are not dates: pydantic alone reads them as Unix times.
        (f"/plans/{PLAN}/tasks?known_at=26422", "known_at"),
        (f"/plans/{PLAN}/inspections?as_of=0.0", "as_of"),
        (f"/plans/{PLAN}/apologies?due_from=0", "due_from"),
        # A moment without its offset is ambiguous against the ledger's UTC record times.
        (f"/plans/{PLAN}/tasks/1?known_at=2023-07-05T17:00:00", "known_at"),
        ("/audit?recorded_from=2023-07-05T17:00:00", "recorded_from"),
    ],
)
def test_dates_and_moments_outside_the_document_are_refused(
    api: Api, path: str, field: str
) -> None:
    response = api.client.get(path, headers=api.headers("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "ISO 8601" in response.text or "múi giờ" in response.text or "phạm vi" in response.text


def test_method_not_allowed_names_every_method_of_the_path(api: Api) -> None:
    # GET /plans/{plan}/scores is a read and POST a command, from two routers.
    response = api.client.put(f"/plans/{PLAN}/scores", headers=api.headers("admin"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["type"] == "urn:parledger:problem:method_not_allowed"
