"""A command whose database connection dies while it is in flight, on the real server
components and a real PostgreSQL: the client's retry with the same Idempotency-Key always ends
with exactly one event, never two, never zero, and names the same positions.

Three ways a connection dies:

- killed while the append waits for the events table's lock (held by another session), so
  nothing was stored: the recorder's own retry reconnects and completes the command;
- killed at every one of the recorder's attempts: the client gets 503 and nothing is stored;
  its retry stores the command once;
- the append committed but its reply never reached the application (a TCP relay between the
  application and PostgreSQL drops the connection after the server's commit): the recorder's
  retry meets the already-stored key, and the application answers with the first outcome.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.application import ParLedger
from persistence.settings import parse_database_url
from service.app import create_app
from tests.api.conftest import PLAN, Api, make_api
from tests.conftest import POSTGRES_URL
from tests.waiting import until

pytestmark = pytest.mark.postgres

TASK = f"/plans/{PLAN}/tasks/2"
BODY = {"percent": 40, "note": "Đã kiểm tra 4 xã"}
WAITING_APPEND = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock' AND query LIKE '%%parledger_append%%' AND NOT pid = ANY(%s)"
)


def _schema(url: str) -> str:
    return parse_qs(urlsplit(url).query)["schema"][0]


def _progress_events(api: Api) -> list[dict[str, Any]]:
    history = api.client.get(f"/entities/task:{PLAN}:2/history", headers=api.headers("auditor"))
    return [e for e in history.json()["events"] if e["event_type"] == "ProgressReported"]


def _send(api: Api, key: str) -> httpx.Response:
    headers = api.headers("officer", **{"If-Match": '"1"', "Idempotency-Key": key})
    response: httpx.Response = api.client.post(f"{TASK}/progress", headers=headers, json=BODY)
    return response


@contextmanager
def _events_table_locked(api: Api, url: str) -> Iterator[psycopg.Connection[Any]]:
    """Another session holding the lock every append takes (released on exit)."""
    table = api.ledger.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(POSTGRES_URL) as blocker:
        blocker.execute(f'LOCK TABLE "{_schema(url)}"."{table}" IN EXCLUSIVE MODE')
        try:
            yield blocker
        finally:
            blocker.rollback()


def _in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as error:  # surfaced by the test's assertions
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def pg_api(postgres_schema: str) -> Iterator[Api]:
    ledger = ParLedger(parse_database_url(postgres_schema))
    try:
        yield make_api(ledger)
    finally:
        ledger.close()


def test_killed_while_waiting_for_the_lock_the_recorder_retries_once(
    pg_api: Api, postgres_schema: str
) -> None:
    api = pg_api
    head = api.head()
    with (
        _events_table_locked(api, postgres_schema),
        psycopg.connect(POSTGRES_URL, autocommit=True) as admin,
    ):
        thread, outcome = _in_background(lambda: _send(api, "killed-once"))
        (pid,) = until(lambda: admin.execute(WAITING_APPEND, ([],)).fetchone(), 15.0)
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        # The recorder reconnects and waits for the lock again, on another backend.
        until(lambda: admin.execute(WAITING_APPEND, ([pid],)).fetchone(), 15.0)
        assert api.head() == head  # nothing stored while the lock is held
    thread.join(timeout=30)
    (first,) = outcome
    assert isinstance(first, httpx.Response) and first.status_code == 200, first
    assert first.json()["replayed"] is False and len(first.json()["positions"]) == 1
    again = _send(api, "killed-once")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["positions"] == first.json()["positions"]
    assert len(_progress_events(api)) == 1 and api.head() == head + 1


def test_killed_at_every_attempt_the_client_retries_and_stores_once(
    pg_api: Api, postgres_schema: str
) -> None:
    api = pg_api
    head = api.head()
    killed: list[int] = []
    with (
        _events_table_locked(api, postgres_schema),
        psycopg.connect(POSTGRES_URL, autocommit=True) as admin,
    ):
        thread, outcome = _in_background(lambda: _send(api, "killed-always"))
        while thread.is_alive():
            row = admin.execute(WAITING_APPEND, (killed,)).fetchone()
            if row:
                admin.execute("SELECT pg_terminate_backend(%s)", row)
                killed.append(row[0])
            time.sleep(0.02)
    (first,) = outcome
    assert isinstance(first, httpx.Response), first
    assert first.status_code == 503, first.text
    assert first.headers["content-type"] == "application/problem+json"
    assert first.headers["retry-after"]
    assert len(killed) >= 2  # the recorder did retry, and each attempt was killed
    assert api.head() == head and _progress_events(api) == []  # not stored
    retried = _send(api, "killed-always")
    assert retried.status_code == 200 and retried.json()["replayed"] is False
    again = _send(api, "killed-always")
    assert again.json()["replayed"] is True
    assert again.json()["positions"] == retried.json()["positions"]
    assert len(_progress_events(api)) == 1 and api.head() == head + 1


class Relay:
    """A TCP relay from the application to PostgreSQL. Armed, it lets through the first
    ``parledger_append`` and the server's reply up to the end of its result, then drops the
    connection before passing on ReadyForQuery, which the server sends after its commit: the
    command is stored and the application never hears so."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.dropped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            appending = threading.Event()
            threading.Thread(target=self._up, args=(client, server, appending), daemon=True).start()
            threading.Thread(
                target=self._down, args=(server, client, appending), daemon=True
            ).start()

    def _up(self, client: socket.socket, server: socket.socket, appending: threading.Event) -> None:
        with client, server:
            while data := _recv(client):
                if self.armed.is_set() and b"parledger_append" in data:
                    appending.set()
                try:
                    server.sendall(data)
                except OSError:
                    return

    def _down(
        self, server: socket.socket, client: socket.socket, appending: threading.Event
    ) -> None:
        buffer, completed = b"", False
        with client, server:
            while data := _recv(server):
                if not appending.is_set():
                    if not _send_all(client, data):
                        return
                    continue
                # Whole protocol messages from here: type byte, then a length that counts
                # itself. The exchange was idle when the append went up, so this is a message
                # boundary.
                buffer += data
                while len(buffer) >= 5 and len(buffer) >= 1 + int.from_bytes(buffer[1:5]):
                    size = 1 + int.from_bytes(buffer[1:5])
                    message, buffer = buffer[:size], buffer[size:]
                    if message[:1] == b"C":  # CommandComplete: the append's result is sent
                        completed = True
                    elif message[:1] == b"Z" and completed:  # ReadyForQuery, after the commit
                        self.armed.clear()
                        self.dropped.set()
                        for end in (client, server):
                            end.shutdown(socket.SHUT_RDWR)
                        return
                    if not _send_all(client, message):
                        return


def _recv(end: socket.socket) -> bytes:
    try:
        return end.recv(65536)
    except OSError:
        return b""


def _send_all(end: socket.socket, data: bytes) -> bool:
    try:
        end.sendall(data)
        return True
    except OSError:
        return False


def test_acknowledgement_lost_after_commit_the_first_outcome_is_returned(
    pg_api: Api, postgres_schema: str
) -> None:
    """Setup went through a direct connection; the served application reaches PostgreSQL only
    through the relay, with connections of its own."""
    parts = urlsplit(postgres_schema)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432)
    relayed = postgres_schema.replace(parts.netloc, f"{parts.username}@127.0.0.1:{relay.port}")
    served = ParLedger(parse_database_url(relayed))
    try:
        api = Api(pg_api.ledger, TestClient(create_app(served)), pg_api.tokens)
        head = api.head()
        relay.armed.set()
        first = _send(api, "ack-lost")
        assert relay.dropped.is_set()  # the reply to the committed append was lost
        # The recorder's retry found the key stored: the first outcome, not a conflict.
        assert first.status_code == 200, first.text
        assert first.json()["replayed"] is True and len(first.json()["positions"]) == 1
        assert first.headers["etag"] == '"2"'
        again = _send(api, "ack-lost")
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert again.json()["positions"] == first.json()["positions"]
        assert len(_progress_events(api)) == 1 and api.head() == head + 1
        events = api.client.get(f"/events?after={head}", headers=api.headers("auditor")).json()
        assert [e["position"] for e in events["events"]] == first.json()["positions"]
    finally:
        served.close()
        relay.close()


def test_acknowledgement_lost_then_the_client_retries_after_completion(pg_api: Api) -> None:
    """The simplest loss: the command completed, the client never read the answer and sends
    it again; a different body under the same key is refused and stores nothing."""
    api = pg_api
    head = api.head()
    first = _send(api, "ack-lost-client")
    assert first.status_code == 200 and first.json()["replayed"] is False
    again = _send(api, "ack-lost-client")
    assert again.json() == {**first.json(), "replayed": True}
    other = api.client.post(
        f"{TASK}/progress",
        headers=api.headers("officer", **{"If-Match": '"1"', "Idempotency-Key": "ack-lost-client"}),
        json={**BODY, "percent": 50},
    )
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert len(_progress_events(api)) == 1 and api.head() == head + 1
