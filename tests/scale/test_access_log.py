"""One JSON access-log line per request, with the request id the answer carries back."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from httpkit.observability import JsonLines
from ledger.application import ParLedger
from service.app import create_app


def test_each_request_is_one_json_line_with_its_id(
    app: ParLedger, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(app))
    with caplog.at_level(logging.INFO, logger="parledger.access"):
        given = client.get("/health", headers={"X-Request-Id": "req-42"})
        made = client.get("/khong-co", headers={"X-Request-Id": "bad id;drop"})
    assert given.headers["x-request-id"] == "req-42"
    assert made.status_code == 404 and len(made.headers["x-request-id"]) == 32
    lines = [json.loads(JsonLines().format(r)) for r in caplog.records]
    assert [(x["request_id"], x["path"], x["status"]) for x in lines] == [
        ("req-42", "/health", 200),
        (made.headers["x-request-id"], "/khong-co", 404),
    ]
    assert all(x["level"] == "info" and x["duration_ms"] >= 0 for x in lines)
