"""A PostgreSQL crash under load, against a real server process and a cluster of the test's
own (issue 12, item 2): 503 problem+json with Retry-After within 5 s, no acknowledged write
lost, service again within 1 s of the database's return."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from domain.values import Role
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from tests.conftest import ctx
from tests.scale.cluster import Cluster, temporary_root
from tests.scale.processes import cli, free_port, start_server, stop, wait_healthy

pytestmark = pytest.mark.postgres

PLAN = "cat-hai-2023"
SMALL_POOL = {"POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "4"}


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = temporary_root()
    made = Cluster.create(root)
    made.start()
    try:
        yield made
    finally:
        made.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Load:
    """A writer registering late dossiers, one new entity per command."""

    base: str
    token: str
    acknowledged: list[str] = field(default_factory=list)
    refusals: list[tuple[float, float, int, dict[str, str]]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            number = 0
            while not self.stopping.is_set():
                number += 1
                code = f"HS-{number:05d}"
                sent = time.monotonic()
                response = client.post(
                    f"/plans/{PLAN}/dossiers",
                    json={
                        "dossier_code": code,
                        "procedure": "Chứng thực hợp đồng",
                        "agency": "thi-tran-cat-ba",
                        "received_on": "2023-05-12",
                        "due_on": "2023-05-15",
                    },
                    headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": code},
                )
                if response.status_code < 300:
                    self.acknowledged.append(code)
                else:
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    self.refusals.append((sent, time.monotonic(), response.status_code, headers))
                    time.sleep(0.05)


def _first(predicate_status: int, client: httpx.Client, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            response = client.get("/health", timeout=10)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == predicate_status:
            if predicate_status == 503:
                assert response.headers["content-type"] == "application/problem+json"
                assert int(response.headers["retry-after"]) >= 1
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"/health never answered {predicate_status} within {seconds} s")


def test_a_crash_is_answered_503_quickly_and_service_returns_at_once(cluster: Cluster) -> None:
    env = {"PARLEDGER_DATABASE_URL": cluster.url, **SMALL_POOL}
    assert cli(env, "init").returncode == 0
    ledger = ParLedger(parse_database_url(cluster.url))
    try:
        _, token = ledger.add_user(
            ctx(), name="van-thu", display_name="Văn thư", role=Role.ADMIN.value, agency=None
        )
    finally:
        ledger.close()
    port = free_port()
    server = start_server(env, port)
    try:
        wait_healthy(port, server)
        load = Load(f"http://127.0.0.1:{port}", token)
        writer = threading.Thread(target=load.run)
        writer.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            while len(load.acknowledged) < 20:
                time.sleep(0.05)
            crashed = time.monotonic()
            cluster.crash()
            noticed = _first(503, client, 15)
            time.sleep(3)  # down for a while, the writer still sending
            cluster.restart_after_crash()
            returned = time.monotonic()
            try:
                healthy = _first(200, client, 15)
            except AssertionError:
                load.stopping.set()
                raise AssertionError(stop(server)[-4000:]) from None
            acknowledged_before = len(load.acknowledged)
            while len(load.acknowledged) < acknowledged_before + 5:
                time.sleep(0.05)
        load.stopping.set()
        writer.join(30)
    finally:
        log = stop(server)
    print(log[-3000:])
    print(
        f"\n503 after {noticed - crashed:.2f} s; 200 again {healthy - returned:.2f} s after "
        f"restart; {len(load.acknowledged)} writes acknowledged, {len(load.refusals)} refused"
    )
    assert noticed - crashed <= 5
    assert healthy - returned <= 1
    outage = [r for r in load.refusals if r[0] >= crashed]
    assert outage, "no write was refused during the outage"
    for sent, answered, status, headers in outage:
        assert status == 503 and headers["content-type"] == "application/problem+json"
        assert "retry-after" in headers
        assert answered - sent <= 5  # no request hangs through the outage
    ledger = ParLedger(parse_database_url(cluster.url))
    try:
        for code in load.acknowledged:
            assert ledger.get_dossier(code).dossier_code == code
    finally:
        ledger.close()
