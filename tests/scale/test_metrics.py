"""``GET /metrics`` of real service processes, parsed by prometheus_client's own parser.

Two uvicorn worker processes behind one port share a ``PROMETHEUS_MULTIPROC_DIR``: whichever
answers a scrape counts every request both served. The projection worker's lag is read from
the database (the view trails the log until ``parledger projections run`` folds it), and so
is the age of the last ``parledger verify``. Who may scrape is checked in process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ledger.application import ParLedger
from ledger.importer import import_plan
from service.app import create_app
from tests.conftest import ctx
from tests.factories import small_plan
from tests.scale.processes import cli, workers_serving
from tests.scale.test_replicas import Setup, setup  # noqa: F401  (the replica fixture)

PLAN = "thu-nghiem-2023"
TOKEN = "metrics-3f9c2a"  # the scraper's secret in these tests
READS = 24

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base: str, token: str = TOKEN) -> Samples:
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parsed(response.text)


def parsed(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def served(postgres_schema: str, tmp_path: Path) -> Iterator[tuple[str, str, ParLedger]]:
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {
        "PARLEDGER_PROJECTIONS": "worker",  # nothing folds but the worker, run below
        "PARLEDGER_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    with workers_serving(postgres_schema, env, "thanh-tra") as served:
        yield served
    # Each worker process wrote its samples to files of its own there.
    assert len(list(multiproc.glob("counter_*.db"))) == 2


@pytest.mark.postgres
def test_requests_of_every_process_lag_and_verify_age(
    served: tuple[str, str, ParLedger], postgres_schema: str
) -> None:
    base, user_token, ledger = served
    before = scrape(base)
    for _ in range(READS):
        # A connection each: the kernel spreads them over both processes.
        with httpx.Client(base_url=base, timeout=30) as client:
            got = client.get(f"/plans/{PLAN}", headers={"Authorization": f"Bearer {user_token}"})
            assert got.status_code in (200, 404)  # the view may not hold the plan yet
            client.get("/no-such-page")
    seen = [scrape(base) for _ in range(4)]  # any process may answer: all must agree
    route = {"method": "GET", "route": "/plans/{plan}"}
    for after in seen:
        served_reads = sum(
            value(after, "parledger_http_requests_total", **route, status=s)
            - value(before, "parledger_http_requests_total", **route, status=s)
            for s in ("200", "404")
        )
        assert served_reads == READS
        assert value(after, "parledger_http_request_duration_seconds_count", **route) == READS
        unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
        assert value(after, "parledger_http_requests_total", **unmatched) == READS
    head = int(ledger.recorder.max_notification_id() or 0)
    lagging = seen[-1]
    assert value(lagging, "parledger_database_up") == 1
    assert value(lagging, "parledger_ledger_head_position") == head > 0
    assert value(lagging, "parledger_events_appended_total") == head
    assert value(lagging, "parledger_projection_lag_events") == head  # nothing folded yet
    assert ("parledger_chain_verify_age_seconds", frozenset()) not in lagging  # never verified

    env = {"PARLEDGER_DATABASE_URL": postgres_schema}
    worker = cli(env, "projections", "run", "--once")
    assert worker.returncode == 0, worker.stderr
    verified = cli(env, "verify")
    assert verified.returncode == 0, verified.stderr
    caught_up = scrape(base)
    # The worker first records what the events oblige (ledger.obligations), then folds those too.
    head = int(ledger.recorder.max_notification_id() or 0)
    assert value(caught_up, "parledger_projection_position") == head
    assert value(caught_up, "parledger_ledger_head_position") == head
    assert value(caught_up, "parledger_projection_lag_events") == 0
    assert 0 <= value(caught_up, "parledger_chain_verify_age_seconds") < 60


def test_only_the_scraper_token_reads_metrics(
    app: ParLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(app))
    monkeypatch.delenv("PARLEDGER_METRICS_TOKEN", raising=False)
    off = client.get("/metrics")
    assert off.status_code == 404 and "PARLEDGER_METRICS_TOKEN" in off.json()["detail"]
    monkeypatch.setenv("PARLEDGER_METRICS_TOKEN", TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.headers["content-type"] == "application/problem+json"
    import_plan(app, small_plan(), ctx())
    samples = {
        family.name
        for family in text_string_to_metric_families(
            client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        )
    }
    assert {"parledger_http_requests", "parledger_projection_lag_events"} <= samples


@pytest.mark.postgres
def test_read_replica_lag_and_a_stopped_replica(
    setup: Setup,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEDGER_METRICS_TOKEN", TOKEN)

    def scraped() -> Samples:
        return parsed(
            setup.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        )

    replica = {"target": "replica-1"}
    setup.stop_worker()  # the views stand still while the log moves on
    setup.write(1)
    setup.write(2)
    behind = scraped()
    head = int(setup.ledger.recorder.max_notification_id() or 0)
    assert value(behind, "parledger_read_replica_up", **replica) == 1
    assert value(behind, "parledger_read_replica_lag_events", **replica) >= 2
    assert value(behind, "parledger_projection_lag_events") >= 2
    assert value(behind, "parledger_ledger_head_position") == head
    setup.replica.stop()
    down = scraped()
    assert value(down, "parledger_read_replica_up", **replica) == 0
    assert ("parledger_read_replica_lag_events", frozenset(replica.items())) not in down
    assert value(down, "parledger_database_up") == 1  # the primary still answers
