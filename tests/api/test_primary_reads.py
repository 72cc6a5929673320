"""Reads of a service without replicas: the primary serves them (no turn in the thread pool to
choose it), and a read asking for a position (read-your-writes) is still answered at it, or
refused with the lag when the ledger never gets there."""

from __future__ import annotations

from collections.abc import Callable

from tests.api.conftest import PLAN, Api

TASK = f"/plans/{PLAN}/tasks/2"


def test_a_read_without_replicas_is_the_primarys(api: Api) -> None:
    board = api.client.get(f"/plans/{PLAN}/tasks", headers=api.headers("reader"))
    assert board.status_code == 200
    assert board.headers["x-read-target"] == "primary"
    assert "x-ledger-position" not in board.headers  # no position was asked for


def test_a_read_after_a_write_is_served_at_its_position(api_factory: Callable[..., Api]) -> None:
    api = api_factory(read_wait=1)
    officer = api.headers("officer")
    etag = api.client.get(TASK, headers=officer).headers["etag"]
    wrote = api.client.post(
        f"{TASK}/progress",
        headers={**officer, "If-Match": etag, "Idempotency-Key": "tien-do-2"},
        json={"percent": 60, "note": "Đã kiểm tra 6 xã", "effective_at": "2023-05-02"},
    )
    assert wrote.status_code == 200
    written = int(wrote.headers["x-ledger-position"])
    task = api.client.get(TASK, params={"min_position": written}, headers=officer)
    assert task.status_code == 200 and task.headers["x-read-target"] == "primary"
    assert int(task.headers["x-ledger-position"]) >= written
    assert task.json()["percent"] == 60
    never = api.client.get(TASK, params={"min_position": api.head() + 1000}, headers=officer)
    assert never.status_code == 503 and never.json()["type"].endswith("position_not_reached")
