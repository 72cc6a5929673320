"""Readiness: the schema at this code's version and the live view close to the log's head."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.application import ParLedger
from persistence.migrations import CURRENT
from service.app import create_app


def test_ready_names_the_schema_version_and_refuses_another(app: ParLedger) -> None:
    client = TestClient(create_app(app, catch_up=False))
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "schema_version": CURRENT, "lag": 0}
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    postgres = app.database.backend == "postgres"
    table = (
        f'"{datastore.schema}".parledger_schema_version'
        if postgres
        else ("parledger_schema_version")
    )
    stamp = "now()" if postgres else "'x'"
    with datastore.transaction(commit=True) as c:
        c.execute(f"INSERT INTO {table} VALUES ({CURRENT + 1}, 'next', {stamp})")
    refused = client.get("/ready")
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert f"phiên bản {CURRENT + 1}, cần {CURRENT}" in refused.json()["detail"]
