"""The API as its clients use it: read as of a date, write with If-Match and Idempotency-Key,
retry safely, race safely, page consistently, follow the ledger."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

from service.app import create_app
from tests.api.conftest import PLAN, Api

TASK = f"/plans/{PLAN}/tasks/2"


def test_read_as_of_then_write_with_if_match_and_idempotency_key(api: Api) -> None:
    officer = api.headers("officer")
    board = api.client.get(f"/plans/{PLAN}/tasks?as_of=2023-06-30", headers=officer)
    assert board.status_code == 200
    statuses = {t["number"]: t["status"] for t in board.json()["items"]}
    assert statuses == {"1": "overdue", "2": "not_started"}
    task = api.client.get(TASK, headers=officer)
    etag = task.headers["etag"]
    assert etag == '"1"'
    body = {"percent": 40, "note": "Đã kiểm tra 4 xã", "effective_at": "2023-05-02"}
    headers = {**officer, "If-Match": etag, "Idempotency-Key": "lan-2023-05-02"}
    first = api.client.post(f"{TASK}/progress", headers=headers, json=body)
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    head = api.head()
    again = api.client.post(f"{TASK}/progress", headers=headers, json=body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["positions"] == first.json()["positions"]
    assert api.head() == head  # the retry appended nothing
    other_body = api.client.post(f"{TASK}/progress", headers=headers, json={**body, "percent": 50})
    assert other_body.status_code == 422 and other_body.json()["field"] == "Idempotency-Key"
    stale = api.client.post(f"{TASK}/progress", headers={**officer, "If-Match": etag}, json=body)
    assert stale.status_code == 412 and stale.json()["field"] == "If-Match"
    missing = api.client.post(f"{TASK}/progress", headers=officer, json=body)
    assert missing.status_code == 428
    assert api.head() == head
    june = api.client.get(
        f"/plans/{PLAN}/tasks?as_of=2023-06-30&status=in_progress", headers=officer
    )
    assert [t["number"] for t in june.json()["items"]] == ["2"]
    april = api.client.get(f"/plans/{PLAN}/tasks?as_of=2023-04-30", headers=officer)
    assert {t["number"]: t["status"] for t in april.json()["items"]}["2"] == "not_started"


def test_known_at_shows_what_the_ledger_knew(api: Api) -> None:
    admin = api.headers("admin", **{"If-Match": "*"})
    before = api.client.get("/health").json()["position"]
    events = api.client.get(f"/events?after={before - 1}", headers=api.headers("auditor"))
    known = events.json()["events"][-1]["recorded_at"]
    api.client.post(f"{TASK}/complete", headers=admin, json={"effective_at": "2023-03-01"})
    now = api.client.get(f"/plans/{PLAN}/tasks?as_of=2023-06-30", headers=admin).json()
    then = api.client.get(
        f"/plans/{PLAN}/tasks", params={"as_of": "2023-06-30", "known_at": known}, headers=admin
    ).json()
    assert {t["number"]: t["status"] for t in now["items"]}["2"] == "completed_late" or (
        {t["number"]: t["status"] for t in now["items"]}["2"].startswith("completed")
    )
    assert {t["number"]: t["status"] for t in then["items"]}["2"] == "not_started"
    assert then["position"] == before < now["position"]


def test_concurrent_updates_with_one_etag_exactly_one_wins(api: Api) -> None:
    results: list[int] = []
    barrier = threading.Barrier(6)

    def update(n: int) -> None:
        barrier.wait()
        response = api.client.post(
            f"{TASK}/progress",
            headers=api.headers("officer", **{"If-Match": '"1"'}),
            json={"percent": 10 + n, "note": f"Cập nhật {n}"},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=update, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(results) == Counter({200: 1, 412: 5}), results
    history = api.client.get(f"/entities/task:{PLAN}:2/history", headers=api.headers("auditor"))
    assert [e["event_type"] for e in history.json()["events"]] == ["Registered", "ProgressReported"]


def test_concurrent_duplicates_with_one_key_append_once(api: Api) -> None:
    results: list[dict[str, object]] = []
    barrier = threading.Barrier(5)
    body = {"percent": 30, "note": "Một lần"}

    def send() -> None:
        barrier.wait()
        response = api.client.post(
            f"{TASK}/progress",
            headers=api.headers("officer", **{"If-Match": '"1"', "Idempotency-Key": "k-dup"}),
            json=body,
        )
        results.append({"status": response.status_code, **response.json()})

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = Counter(int(str(r["status"])) for r in results)
    assert set(statuses) <= {200, 409} and statuses[200] >= 1, results
    assert sum(1 for r in results if r.get("replayed") is False) == 1
    history = api.client.get(f"/entities/task:{PLAN}:2/history", headers=api.headers("auditor"))
    assert len(history.json()["events"]) == 2  # registered + exactly one progress


def test_cursor_pages_are_pinned_to_their_position(api: Api) -> None:
    reader = api.headers("reader")
    first = api.client.get(f"/plans/{PLAN}/tasks?limit=1", headers=reader).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    api.client.post(
        f"{TASK}/progress",
        headers=api.headers("officer", **{"If-Match": "*"}),
        json={"percent": 90, "note": "Gần xong"},
    )
    second = api.client.get(
        f"/plans/{PLAN}/tasks", params={"limit": 1, "cursor": first["next_cursor"]}, headers=reader
    ).json()
    assert second["position"] == first["position"]
    assert second["items"][0]["number"] == "2" and second["items"][0]["percent"] is None
    bad = api.client.get(f"/plans/{PLAN}/tasks?cursor=abc", headers=reader)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


def test_errors_are_problem_documents_naming_the_field(api: Api) -> None:
    officer = api.headers("officer", **{"If-Match": "*"})
    cases = [
        ({"percent": "bốn mươi", "note": "x"}, "percent"),
        ({"percent": 140, "note": "x"}, "percent"),
        ({"percent": 10}, "note"),
        ({"percent": 10, "note": "x", "effective_at": "2099-01-01"}, "effective_at"),
        ({"percent": 10, "note": "x", "effective_at": "1899-01-01"}, "effective_at"),
    ]
    head = api.head()
    for body, field in cases:
        response = api.client.post(f"{TASK}/progress", headers=officer, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["field"] == field and problem["type"].startswith("urn:parledger:problem:")
    huge = api.client.post(
        f"{TASK}/progress", headers=officer, content=json.dumps({"note": "x" * 70_000})
    )
    assert huge.status_code == 413 and huge.json()["type"].endswith("payload_too_large")
    nobody = api.client.get(f"/plans/{PLAN}/tasks")
    assert nobody.status_code == 401 and nobody.headers["www-authenticate"] == "Bearer"
    forged = api.client.get(f"/plans/{PLAN}/tasks", headers={"Authorization": "Bearer plg.x.y"})
    assert forged.status_code == 401
    assert api.head() == head


def test_nfd_text_is_stored_as_nfc(api: Api) -> None:
    import unicodedata

    note = unicodedata.normalize("NFD", "Đã kiểm tra xã Hiền Hào")
    api.client.post(
        f"{TASK}/progress",
        headers=api.headers("officer", **{"If-Match": "*"}),
        json={"note": note},
    )
    task = api.client.get(TASK, headers=api.headers("reader")).json()
    assert task["last_report"]["note"] == unicodedata.normalize("NFC", note)


def test_rate_limit_per_token(api_factory: Callable[..., Api]) -> None:
    api = api_factory(rate=1, burst=3)
    statuses = [
        api.client.get("/plans", headers=api.headers("reader")).status_code for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
    limited = api.client.get("/plans", headers=api.headers("reader"))
    assert limited.headers["retry-after"] and limited.json()["field"] == "Authorization"
    assert api.client.get("/plans", headers=api.headers("auditor")).status_code == 200


def test_events_feed_and_stream(api: Api) -> None:
    auditor = api.headers("auditor")
    page = api.client.get("/events?after=0&limit=5", headers=auditor).json()
    assert [e["position"] for e in page["events"]] == [1, 2, 3, 4, 5]
    assert page["next_after"] == 5 and page["head"] == api.head()
    last = api.head()
    api.client.post(
        f"{TASK}/progress",
        headers=api.headers("officer", **{"If-Match": "*"}),
        json={"percent": 5, "note": "Bắt đầu"},
    )
    stream = api.client.get(
        "/events/stream?timeout=0.3", headers={**auditor, "Last-Event-ID": str(last)}
    )
    assert stream.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in stream.text.split("\n\n") if f.startswith("id:")]
    assert len(frames) == 1 and f"id: {last + 1}" in frames[0]
    assert "event: Task.ProgressReported" in frames[0]


def test_openapi_document_describes_commands_and_problems(api: Api) -> None:
    spec = TestClient(create_app(api.ledger)).get("/openapi.json").json()
    progress = spec["paths"]["/plans/{plan}/tasks/{number}/progress"]["post"]
    assert {"200", "401", "403", "404", "409", "412", "413", "422", "428", "429"} <= set(
        progress["responses"]
    )
    assert {p["name"] for p in progress["parameters"]} >= {"If-Match", "Idempotency-Key"}
    assert "Problem" in spec["components"]["schemas"]


def test_present_reads_from_the_live_view_equal_the_replayed_fold(api: Api) -> None:
    """A present entity read (the live view's document) and the same read as of today (the
    entity's own events folded) agree; a read as of a past date kept between writes takes in a
    backdated write, and equals a replay pinned at the same position."""
    from datetime import datetime

    from domain.values import VN_TZ

    admin = api.headers("admin", **{"If-Match": "*"})
    june = f"/plans/{PLAN}/tasks?as_of=2023-06-30"
    before = api.client.get(june, headers=admin).json()
    api.client.post(
        f"{TASK}/progress",
        headers=admin,
        json={"percent": 60, "note": "Đã làm", "effective_at": "2023-02-15"},
    )
    api.client.post(f"{TASK}/complete", headers=admin, json={"effective_at": "2023-03-01"})
    api.client.post(
        f"/plans/{PLAN}/targets/7/measurements",
        headers=admin,
        json={"indicator": "7b", "value": 91, "period_start": "2023-01-01",
              "period_end": "2023-03-31", "source": "Khảo sát"},
    )  # fmt: skip
    inspection = api.client.post(
        f"/plans/{PLAN}/inspections",
        headers=admin,
        json={"agency": "xa-dong-bai", "kind": "periodic", "scheduled_on": "2023-03-01",
              "scope": "Công tác cải cách hành chính"},
    ).json()["changes"][0]["id"]  # fmt: skip
    api.client.post(
        f"/plans/{PLAN}/dossiers",
        headers=admin,
        json={"dossier_code": "HS-9", "procedure": "Cấp phép", "agency": "xa-dong-bai",
              "received_on": "2023-02-01", "due_on": "2023-02-10"},
    )  # fmt: skip
    today = datetime.now(VN_TZ).date().isoformat()
    paths = (TASK, f"/plans/{PLAN}/tasks/1", f"/plans/{PLAN}/targets/7",
             f"/inspections/{inspection}", "/dossiers/HS-9")  # fmt: skip
    for path in paths:
        live = api.client.get(path, headers=admin)
        folded = api.client.get(f"{path}?as_of={today}", headers=admin)
        assert live.status_code == folded.status_code == 200
        assert live.json() == folded.json(), path
        assert live.headers["etag"]
    after = api.client.get(june, headers=admin).json()
    assert {t["number"]: t["status"] for t in before["items"]}["2"] == "not_started"
    assert {t["number"]: t["status"] for t in after["items"]}["2"].startswith("completed")
    pinned = api.client.get(
        f"/plans/{PLAN}/tasks",
        params={"as_of": "2023-06-30", "cursor": f"{after['position']}-0"},
        headers=admin,
    ).json()
    assert pinned["items"] == after["items"] and pinned["position"] == after["position"]


def test_body_limit_applies_to_bodies_of_undeclared_length(api: Api) -> None:
    """A chunked body is read no further than the limit: over it 413, under it carried out."""
    officer = api.headers("officer", **{"If-Match": "*", "Content-Type": "application/json"})
    head = api.head()

    def chunks(body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    huge = json.dumps({"note": "x" * 70_000}).encode()
    refused = api.client.post(f"{TASK}/progress", headers=officer, content=chunks(huge))
    assert refused.status_code == 413 and refused.json()["type"].endswith("payload_too_large")
    assert api.head() == head
    small = json.dumps({"percent": 20, "note": "Gửi từng phần"}).encode()
    accepted = api.client.post(f"{TASK}/progress", headers=officer, content=chunks(small))
    assert accepted.status_code == 200, accepted.text
    assert api.head() == head + 1
