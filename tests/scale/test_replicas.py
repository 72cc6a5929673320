"""Reads from a real streaming replica (initdb, then pg_basebackup of the test's own cluster),
read-your-writes by ledger position, and what happens when the replica stops."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from domain.values import Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.migrations import migrate
from persistence.settings import parse_database_url, read_databases_from_env
from projections.worker import Worker
from service.app import create_app
from tests.conftest import ctx
from tests.factories import small_plan
from tests.scale.cluster import Cluster, temporary_root

pytestmark = pytest.mark.postgres

PLAN = "thu-nghiem-2023"


@dataclass
class Setup:
    primary: Cluster
    replica: Cluster
    ledger: ParLedger
    client: TestClient
    token: str
    worker: Worker | None = None
    thread: threading.Thread | None = None

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def start_worker(self) -> None:
        self.worker = Worker(self.ledger, poll=0.05)
        self.thread = threading.Thread(target=self.worker.run)
        self.thread.start()

    def stop_worker(self) -> None:
        if self.worker and self.thread:
            self.worker.stop()
            self.thread.join(10)

    def write(self, number: int) -> httpx.Response:
        response: httpx.Response = self.client.post(
            f"/plans/{PLAN}/dossiers",
            json={
                "dossier_code": f"HS-{number:04d}",
                "procedure": "Cấp phép",
                "agency": "xa-dong-bai",
                "received_on": "2023-05-02",
                "due_on": "2023-05-09",
            },
            headers=self.headers(),
        )
        assert response.status_code == 201, response.text
        return response


@pytest.fixture
def setup() -> Iterator[Setup]:
    root = temporary_root()
    primary = Cluster.create(root)
    primary.start()
    replica: Cluster | None = None
    ledger: ParLedger | None = None
    made: Setup | None = None
    try:
        migrate(parse_database_url(primary.url))
        ledger = ParLedger(parse_database_url(primary.url))
        import_plan(ledger, small_plan(), ctx())
        _, token = ledger.add_user(
            ctx(), name="thanh-tra", display_name="Thanh tra", role=Role.ADMIN.value, agency=None
        )
        replica = primary.replica(root)
        replica.start()
        targets = read_databases_from_env({"PARLEDGER_READ_DATABASE_URL": replica.url})
        app = create_app(ledger, catch_up=False, read_targets=targets, read_wait=2.0)
        made = Setup(primary, replica, ledger, TestClient(app), token)
        made.start_worker()
        yield made
    finally:
        if made is not None:
            made.stop_worker()
        if ledger is not None:
            ledger.close()
        if replica is not None:
            replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_reads_go_to_the_replica_and_a_read_after_a_write_is_never_stale(setup: Setup) -> None:
    plan = setup.client.get(f"/plans/{PLAN}", headers=setup.headers())
    assert plan.status_code == 200 and plan.headers["x-read-target"] == "replica-1"
    for number in range(1, 21):
        written = setup.write(number)
        position = int(written.headers["x-ledger-position"])
        assert position == max(written.json()["positions"])
        read = setup.client.get(
            f"/dossiers/HS-{number:04d}", params={"min_position": position}, headers=setup.headers()
        )
        assert read.status_code == 200, read.text  # never the 404 of a stale view
        assert int(read.headers["x-ledger-position"]) >= position
        by_header = setup.client.get(
            f"/plans/{PLAN}/apologies", headers=setup.headers(**{"X-Min-Position": str(position)})
        )
        codes = [row["dossier"] for row in by_header.json()["items"]]
        assert f"HS-{number:04d}" in codes
    served = {
        setup.client.get(f"/plans/{PLAN}", headers=setup.headers()).headers["x-read-target"]
        for _ in range(5)
    }
    assert served == {"replica-1"}


def test_a_position_not_reached_in_time_is_a_503_naming_the_lag(setup: Setup) -> None:
    setup.stop_worker()  # nothing brings the views forward now
    position = int(setup.write(1).headers["x-ledger-position"])
    started = time.monotonic()
    late = setup.client.get(
        "/dossiers/HS-0001", params={"min_position": position}, headers=setup.headers()
    )
    assert 2 <= time.monotonic() - started < 5  # waited the bound, no longer
    assert late.status_code == 503
    assert late.headers["content-type"] == "application/problem+json"
    assert int(late.headers["retry-after"]) >= 1 and int(late.headers["x-ledger-lag"]) >= 1
    assert "chậm" in late.json()["detail"] and late.json()["field"] == "min_position"
    bad = setup.client.get(f"/plans/{PLAN}", params={"min_position": "١٢"}, headers=setup.headers())
    assert bad.status_code == 422 and bad.json()["field"] == "min_position"


def test_a_stopped_replica_fails_over_to_the_primary(setup: Setup) -> None:
    assert (
        setup.client.get(f"/plans/{PLAN}", headers=setup.headers()).headers["x-read-target"]
        == "replica-1"
    )
    setup.replica.stop()
    deadline = time.monotonic() + 10
    answers: list[tuple[int, str]] = []
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = setup.client.get(f"/plans/{PLAN}", headers=setup.headers())
        assert time.monotonic() - started < 5  # never hangs on the stopped replica
        answers.append((response.status_code, response.headers.get("x-read-target", "")))
        if answers[-1] == (200, "primary"):
            break
    # At most the requests already routed to the replica when it stopped answer 503.
    assert answers[-1] == (200, "primary"), answers
    assert all(status in (200, 503) for status, _ in answers)
    position = int(setup.write(1).headers["x-ledger-position"])
    read = setup.client.get(
        "/dossiers/HS-0001", params={"min_position": position}, headers=setup.headers()
    )
    assert read.status_code == 200 and read.headers["x-read-target"] == "primary"
    setup.replica.start()  # back: reads return to it
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        target = setup.client.get(f"/plans/{PLAN}", headers=setup.headers()).headers
        if target["x-read-target"] == "replica-1":
            break
        time.sleep(0.1)
    assert target["x-read-target"] == "replica-1"
