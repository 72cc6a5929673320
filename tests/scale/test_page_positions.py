"""Read-your-writes on the pages, over a real streaming replica and the projection worker: a
form submitted redirects to its outcome with the position the write reached, and that page
(and the links on it) are served only by a read target that holds the write, never stale."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from domain.values import Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.user import AddUser
from service.app import create_app
from tests.conftest import ctx
from tests.factories import small_plan
from tests.scale.test_replicas import PLAN, Setup, setup  # noqa: F401  (the fixture)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def _signed_in(ledger: ParLedger, app: Any) -> TestClient:
    made = ledger.handle(
        ctx(), AddUser(name="lan", display_name="Lan", role=Role.ADMIN, agency=None)
    )
    # Loopback, so the session cookie is not marked Secure and plain http carries it.
    client = TestClient(app, base_url="http://127.0.0.1")
    login = client.get("/web/login").text
    data = {"name": "lan", "password": made.detail["password"], "csrf": _hidden(login, "csrf")}
    assert client.post("/web/login", data=data, follow_redirects=False).status_code == 303
    return client


def _filled(client: TestClient, percent: int) -> dict[str, str]:
    """The progress form of task 1, filled in as a browser sends it."""
    form = client.get(f"/web/{PLAN}/forms/report_task_progress", params={"number": "1"}).text
    fields = {name: _hidden(form, name) for name in ("csrf", "key", "version")}
    return {**fields, "plan": PLAN, "number": "1", "percent": str(percent), "note": "Đã làm"}


def _submit(
    client: TestClient, percent: int, sent: dict[str, str] | None = None
) -> tuple[str, int]:
    """Report progress on task 1 through its form: where it redirects, and the position."""
    sent = client.post(
        f"/web/{PLAN}/forms/report_task_progress",
        data=sent or _filled(client, percent),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["number"] == ["1"]
    return location, int(query["min_position"][0])


def _replica_reaches(setup: Setup, position: int) -> None:  # noqa: F811
    """Wait (at most 10 s) until a plain read served by the replica shows ``position``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Any position names the target's own in the answer; the replica is tried first.
        read = setup.client.get(
            f"/plans/{PLAN}", params={"min_position": 1}, headers=setup.headers()
        )
        target, at = read.headers["x-read-target"], int(read.headers["x-ledger-position"])
        if target == "replica-1" and at >= position:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not reach position {position} in 10 s")


@pytest.mark.postgres
def test_a_form_redirects_to_a_page_that_waits_for_its_write(setup: Setup) -> None:  # noqa: F811
    client = _signed_in(setup.ledger, setup.client.app)
    location, position = _submit(client, 60)
    assert position == setup.ledger.recorder.max_notification_id()
    # A read that names a position goes to the first target that has it, checked in turn,
    # replica first: the primary's view can have it a moment before the replica has streamed
    # it, and the read then (rightly) goes to the primary. Under load that moment grew past
    # the page's request; here the page is read once the replica has the write.
    _replica_reaches(setup, position)
    done = client.get(location)
    assert done.status_code == 200, done.text
    assert done.headers["x-read-target"] == "replica-1"
    assert int(done.headers["x-ledger-position"]) >= position
    assert "Đã ghi vào sổ cái" in done.text
    board = re.search(r'href="([^"]*/tasks\?min_position=\d+)#task-1"', done.text)
    assert board is not None, done.text  # the page's links carry the position on
    tasks = client.get(board.group(1))
    assert tasks.headers["x-read-target"] == "replica-1"
    assert re.search(r'id="task-1".*?60 %', tasks.text, re.S)

    setup.stop_worker()  # the views stand still: the next write's page cannot be served
    location, position = _submit(client, 80)
    late = client.get(location)
    assert late.status_code == 503 and int(late.headers["x-ledger-lag"]) >= 1
    assert int(late.headers["retry-after"]) >= 1
    setup.start_worker()
    done = client.get(location)
    assert done.status_code == 200 and int(done.headers["x-ledger-position"]) >= position
    tasks = client.get(f"/web/{PLAN}/tasks", params={"min_position": position})
    assert re.search(r'id="task-1".*?80 %', tasks.text, re.S)


def test_a_resubmitted_form_shows_the_first_outcome_to_its_submitter_only(
    app: ParLedger,
) -> None:
    """Embedded (the primary folds on read), on both backends: a double submission records
    once and redirects to the same outcome, told as sent before; nobody else finds it."""
    import_plan(app, small_plan(), ctx())
    client = _signed_in(app, create_app(app))
    sent = _filled(client, 40)
    first, position = _submit(client, 40, sent)
    again, same = _submit(client, 40, sent)
    assert same == position == app.recorder.max_notification_id()
    assert parse_qs(urlsplit(again).query)["replayed"] == ["1"]
    assert "Đã ghi vào sổ cái" in client.get(first).text
    assert "Đã ghi trước đó" in client.get(again).text
    assert client.get(first.replace("key=", "key=0")).status_code == 404
    stranger = TestClient(create_app(app), base_url="http://127.0.0.1")
    assert client.get(first).status_code == 200
    assert stranger.get(first, follow_redirects=False).status_code == 303  # to the sign-in
