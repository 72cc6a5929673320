"""Random request sequences through the HTTP API beside a simple model, on SQLite and
PostgreSQL.

Rules: task progress, completion and deadline changes, target measurements; each with the
current ETag, a stale one or ``*``, with or without an Idempotency-Key; retries of a stored key
with the same body (the first answer again, nothing appended) and with another body (422);
writers without the right role or agency (403) and entities that do not exist (404).
Invariants after every step: the task board, each entity read and its ETag, and the number of
events in the ledger (GET /events) are what the model says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.values import VN_TZ
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from tests.api.conftest import PLAN, Api, make_api
from tests.conftest import run_machine

TASKS = ("1", "2")
PLAN_DATE = date(2023, 1, 5)  # the small plan's document date: its entities exist from it
START = {"1": None, "2": date(2023, 1, 1)}  # the small plan's time frames
DUE = {"1": date(2023, 1, 15), "2": date(2023, 12, 31)}
# who may write to each task: the officer's agency leads both; a group (task 2 is coordinated by
# "UBND các xã, thị trấn") gives its members no write authority (issue 13), so the commune's
# officer, like another office's officer and a reader, writes to neither
TASK_WRITERS = {"1": {"admin", "officer"}, "2": {"admin", "officer"}}
ETAG = st.sampled_from(["current", "stale", "any"])
NOTE = st.text(
    alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậ ĐỨ0123456789"),
    min_size=1,
    max_size=30,
).filter(str.strip)


@dataclass
class TaskModel:
    version: int = 1
    percent: int | None = None
    done: date | None = None
    start: date | None = None
    due: date | None = None
    noted: bool = False  # any progress reported
    last_report: date | None = None  # a completion is never dated before it
    percent_on: date | None = None  # the percent shown is the latest dated report's


@dataclass
class Sent:
    """A request whose key the ledger stored, and the answer it got."""

    who: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]
    etag: str | None


@dataclass
class Model:
    tasks: dict[str, TaskModel] = field(default_factory=dict)
    target_version: int = 1
    measurements: dict[str, int] = field(default_factory=dict)
    events: int = 0
    stored: dict[str, Sent] = field(default_factory=dict)


class ApiMachine(RuleBasedStateMachine):
    url: str = ""

    @initialize()
    def setup(self) -> None:
        self.ledger = ParLedger(parse_database_url(self.url))
        self.api: Api = make_api(self.ledger, rate=1e9, burst=1e9)
        self.keys = 0
        self.model = Model(
            tasks={n: TaskModel(start=START[n], due=DUE[n]) for n in TASKS},
            events=self.api.head(),
        )

    def teardown(self) -> None:
        self.ledger.close()

    # -- sending -----------------------------------------------------------------------------

    def if_match(self, mode: str, version: int) -> str:
        if mode == "any":
            return "*"
        return f'"{version if mode == "current" else version - 1 if version > 1 else version + 1}"'

    def key(self, wanted: bool) -> str | None:
        self.keys += 1
        return f"k-{self.keys}" if wanted else None

    def send(
        self, who: str, path: str, body: dict[str, Any], if_match: str, key: str | None
    ) -> httpx.Response:
        headers = {"If-Match": if_match, **({"Idempotency-Key": key} if key else {})}
        before = self.api.head()
        response: httpx.Response = self.api.client.post(
            path, headers=self.api.headers(who, **headers), json=body
        )
        if response.status_code != 200:
            assert response.headers["content-type"] == "application/problem+json"
            assert self.api.head() == before, f"{response.status_code} appended events"
            return response
        assert response.json()["replayed"] is False
        assert self.api.head() == before + 1 == self.model.events + 1
        self.model.events += 1
        if key:
            self.model.stored[key] = Sent(
                who, path, headers, body, response.json(), response.headers.get("etag")
            )
        return response

    def expect(self, response: httpx.Response, status: int, field_: str | None = None) -> None:
        assert response.status_code == status, (status, response.status_code, response.text)
        if field_ is not None:
            assert response.json()["field"] == field_, response.json()

    def task_command(
        self,
        number: str,
        who: str,
        action: str,
        body: dict[str, Any],
        mode: str,
        keyed: bool,
        out_of_order: bool = False,
    ) -> bool:
        """Progress or completion: refused for a stale version, then for a writer whose agency
        neither leads nor coordinates, then for a completed task or a completion dated before
        a progress report; else a new version."""
        task = self.model.tasks[number]
        response = self.send(
            who, f"/plans/{PLAN}/tasks/{number}/{action}", body,
            self.if_match(mode, task.version), self.key(keyed),
        )  # fmt: skip
        if mode == "stale":
            self.expect(response, 412, "If-Match")
        elif who not in TASK_WRITERS[number]:
            self.expect(response, 403)
        elif task.done or out_of_order:
            self.expect(response, 409)
        else:
            self.expect(response, 200)
            task.version += 1
            assert response.headers["etag"] == f'"{task.version}"'
            return True
        return False

    # -- rules -------------------------------------------------------------------------------

    @rule(
        number=st.sampled_from(TASKS),
        who=st.sampled_from(["admin", "officer", "commune", "other_officer", "reader"]),
        percent=st.one_of(st.none(), st.integers(0, 100)),
        note=NOTE,
        mode=ETAG,
        keyed=st.booleans(),
        day=st.integers(0, 360),
    )
    def progress(
        self,
        number: str,
        who: str,
        percent: int | None,
        note: str,
        mode: str,
        keyed: bool,
        day: int,
    ) -> None:
        task = self.model.tasks[number]
        on = PLAN_DATE + timedelta(days=day)
        body = {"note": note, "effective_at": on.isoformat()}
        body |= {"percent": percent} if percent is not None else {}
        if self.task_command(number, who, "progress", body, mode, keyed):
            task = self.model.tasks[number]
            task.noted = True
            task.last_report = max(task.last_report or on, on)
            if percent is not None and (task.percent_on is None or on >= task.percent_on):
                task.percent, task.percent_on = percent, on

    @rule(
        number=st.sampled_from(TASKS),
        who=st.sampled_from(["admin", "officer", "commune", "reader"]),
        day=st.integers(0, 360),
        mode=ETAG,
        keyed=st.booleans(),
    )
    def complete(self, number: str, who: str, day: int, mode: str, keyed: bool) -> None:
        # From the plan's date on: the ledger takes an earlier completion, but the views let
        # the task's registration (effective on the plan's date) supersede it.
        on = PLAN_DATE + timedelta(days=day)
        body = {"note": "Đã hoàn thành", "effective_at": on.isoformat()}
        last = self.model.tasks[number].last_report
        early = last is not None and on < last
        if self.task_command(number, who, "complete", body, mode, keyed, early):
            self.model.tasks[number].done = on

    @rule(
        number=st.sampled_from(TASKS),
        who=st.sampled_from(["admin", "secretariat", "officer"]),
        due=st.integers(-20, 400),
        mode=ETAG,
        keyed=st.booleans(),
    )
    def deadline(self, number: str, who: str, due: int, mode: str, keyed: bool) -> None:
        task = self.model.tasks[number]
        new_due = date(2023, 1, 1) + timedelta(days=due)
        response = self.send(
            who, f"/plans/{PLAN}/tasks/{number}/deadline",
            {"due": new_due.isoformat(), "reason": "Chờ hướng dẫn của Sở Nội vụ"},
            self.if_match(mode, task.version), self.key(keyed),
        )  # fmt: skip
        if who == "officer":  # the plan's deadlines are the secretariat's
            self.expect(response, 403)
        elif mode == "stale":
            self.expect(response, 412, "If-Match")
        elif task.start is not None and new_due < task.start:
            self.expect(response, 422)
        elif new_due == task.due:
            self.expect(response, 409)
        else:
            self.expect(response, 200)
            task.version += 1
            task.due = new_due

    @rule(
        mid=st.sampled_from(["m1", "m2", "m3"]),
        who=st.sampled_from(["admin", "secretariat", "officer", "auditor"]),
        value=st.integers(0, 100),
        mode=ETAG,
        keyed=st.booleans(),
    )
    def measure(self, mid: str, who: str, value: int, mode: str, keyed: bool) -> None:
        body = {
            "indicator": "7b", "value": value, "period_start": "2023-01-01",
            "period_end": "2023-03-31", "source": "Khảo sát SIPAS", "measurement_id": mid,
        }  # fmt: skip
        response = self.send(
            who, f"/plans/{PLAN}/targets/7/measurements", body,
            self.if_match(mode, self.model.target_version), self.key(keyed),
        )  # fmt: skip
        if who not in ("admin", "secretariat"):  # figures are the secretariat's
            self.expect(response, 403)
        elif mode == "stale":
            self.expect(response, 412, "If-Match")
        elif mid in self.model.measurements:
            self.expect(response, 409, "measurement_id")
        else:
            self.expect(response, 200)
            self.model.target_version += 1
            self.model.measurements[mid] = value

    @rule(
        path=st.sampled_from(
            [f"/plans/{PLAN}/tasks/99/progress", f"/plans/{PLAN}/targets/99/measurements"]
        ),
        mode=ETAG,
    )
    def missing(self, path: str, mode: str) -> None:
        body: dict[str, Any] = (
            {"note": "Không có"}
            if path.endswith("progress")
            else {"indicator": "7b", "value": 1, "period_start": "2023-01-01",
                  "period_end": "2023-03-31", "source": "Khảo sát"}
        )  # fmt: skip
        self.expect(self.send("admin", path, body, self.if_match(mode, 1), None), 404)

    @precondition(lambda self: bool(self.model.stored))
    @rule(data=st.data())
    def retry_same(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.stored)))
        sent = self.model.stored[key]
        before = self.api.head()
        response = self.api.client.post(
            sent.path, headers=self.api.headers(sent.who, **sent.headers), json=sent.body
        )
        assert response.status_code == 200, response.text
        assert response.json() == {**sent.answer, "replayed": True}
        assert response.headers.get("etag") == sent.etag
        assert self.api.head() == before

    @precondition(lambda self: bool(self.model.stored))
    @rule(data=st.data())
    def retry_other_body(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.stored)))
        sent = self.model.stored[key]
        body = {**sent.body, "reason": "Một yêu cầu khác"}
        if body == sent.body:
            body["reason"] = "Một yêu cầu khác nữa"
        before = self.api.head()
        response = self.api.client.post(
            sent.path, headers=self.api.headers(sent.who, **sent.headers), json=body
        )
        self.expect(response, 422, "Idempotency-Key")
        assert self.api.head() == before

    # -- invariants --------------------------------------------------------------------------

    def status(self, task: TaskModel, today: date) -> str:
        """The task board's rule, from the model's facts."""
        if task.done is not None:
            return (
                "completed_on_time"
                if task.due is None or task.done <= task.due
                else ("completed_late")
            )
        if task.due is not None and today > task.due:
            return "overdue"
        return "in_progress" if task.noted else "not_started"

    @invariant()
    def reads_agree_with_the_model(self) -> None:
        auditor = self.api.headers("auditor")
        today = datetime.now(VN_TZ).date()
        board = self.api.client.get(f"/plans/{PLAN}/tasks", headers=auditor).json()
        rows = {row["number"]: row for row in board["items"]}
        assert set(rows) == set(TASKS)
        for number, task in self.model.tasks.items():
            assert rows[number]["status"] == self.status(task, today), (number, task)
            assert rows[number]["percent"] == task.percent
            read = self.api.client.get(f"/plans/{PLAN}/tasks/{number}", headers=auditor)
            assert read.headers["etag"] == f'"{task.version}"'
            doc = read.json()
            assert doc.get("percent") == task.percent
            assert doc["window"] == [
                task.start.isoformat() if task.start else None,
                task.due.isoformat() if task.due else None,
            ]
            assert doc["lifecycle"]["state"] == ("completed" if task.done else "open")
            if task.done:
                assert doc["lifecycle"]["on"] == task.done.isoformat()
        target = self.api.client.get(f"/plans/{PLAN}/targets/7", headers=auditor)
        assert target.headers["etag"] == f'"{self.model.target_version}"'
        measured = target.json().get("measurements", {})
        assert {mid: int(m["value"]) for mid, m in measured.items()} == self.model.measurements
        assert {m["status"] for m in measured.values()} <= {"valid"}
        feed = self.api.client.get("/events?after=0&limit=1", headers=auditor).json()
        assert feed["head"] == self.model.events == self.api.head()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_api_agrees_with_a_simple_model(backend: str, request: pytest.FixtureRequest) -> None:
    run_machine(ApiMachine, backend, request)
