"""Random command sequences against a simple model, on SQLite and PostgreSQL.

Invariants: the application agrees with the model after every step; a refused command
appends nothing; a fresh process (no cache) reading from storage sees the same aggregates.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain import ids
from domain.errors import DomainError
from domain.task import TaskStatus
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.dossier import IssueApology, ReturnDossierResult
from ledger.usecases.target import CorrectMeasurement, RecordMeasurement, RetractMeasurement
from ledger.usecases.task import CancelTask, CompleteTask, ReopenTask, ReportTaskProgress
from persistence.settings import parse_database_url
from tests.conftest import ctx, run_machine, vn
from tests.factories import Q1, late_dossier, small_plan

PLAN = "thu-nghiem-2023"
SURVEY = {**Q1, "source": "Khảo sát"}  # every figure of the machine, on target 7
TEXT = st.text(
    alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậ ĐỨ0123456789"),
    min_size=1,
    max_size=40,
).filter(str.strip)


PLAN_DATE = date(2023, 1, 5)  # small_plan's document date: its tasks exist from it


class LedgerMachine(RuleBasedStateMachine):
    url: str = ""

    @initialize()
    def setup(self) -> None:
        self.app = ParLedger(parse_database_url(self.url))
        import_plan(self.app, small_plan(), ctx())
        self.status = {"1": TaskStatus.NOT_STARTED, "2": TaskStatus.NOT_STARTED}
        self.last_progress: dict[str, date] = {}  # a completion is never dated before it
        self.measurements: dict[str, str] = {}  # id -> status
        self.apology_dates: list[date] = []
        self.returned = False
        self.app.handle(
            ctx(),
            late_dossier("HS-1", received_on=date(2023, 3, 1), due_on=date(2023, 3, 10)),
        )
        self.expected_events = self.position()

    def teardown(self) -> None:
        self.app.close()

    def position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def attempt(self, should_succeed: bool, command: Any) -> None:
        before = self.position()
        try:
            command()
        except DomainError:
            assert not should_succeed, "the model expected success"
            assert self.position() == before, "a refused command appended events"
            return
        assert should_succeed, "the model expected a refusal"
        self.expected_events += 1
        assert self.position() == self.expected_events

    @rule(
        number=st.sampled_from(["1", "2"]),
        percent=st.integers(0, 100),
        note=TEXT,
        day=st.integers(0, 300),
    )
    def progress(self, number: str, percent: int, note: str, day: int) -> None:
        when = vn(2023, 1, 1) + timedelta(days=day)
        # Not before the plan's date (5/1/2023, small_plan's document).
        ok = self.status[number] in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS) and (
            when.date() >= PLAN_DATE
        )
        self.attempt(
            ok,
            lambda: self.app.handle(
                ctx(effective=when),
                ReportTaskProgress(plan=PLAN, number=number, percent=percent, note=note),
            ),
        )
        if ok:
            self.status[number] = TaskStatus.IN_PROGRESS
            self.last_progress[number] = max(self.last_progress.get(number, PLAN_DATE), when.date())

    @rule(number=st.sampled_from(["1", "2"]), day=st.integers(0, 300))
    def complete(self, number: str, day: int) -> None:
        when = vn(2023, 1, 1) + timedelta(days=day)
        ok = self.status[number] in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS) and (
            when.date() >= max(PLAN_DATE, self.last_progress.get(number, PLAN_DATE))
        )
        self.attempt(
            ok, lambda: self.app.handle(ctx(effective=when), CompleteTask(plan=PLAN, number=number))
        )
        if ok:
            self.status[number] = TaskStatus.COMPLETED

    @rule(number=st.sampled_from(["1", "2"]), reason=st.one_of(st.none(), TEXT))
    def reopen(self, number: str, reason: str | None) -> None:
        ok = self.status[number] in (TaskStatus.COMPLETED, TaskStatus.CANCELLED) and bool(reason)
        self.attempt(
            ok, lambda: self.app.handle(ctx(reason=reason), ReopenTask(plan=PLAN, number=number))
        )
        if ok:
            self.status[number] = TaskStatus.IN_PROGRESS

    @rule(number=st.sampled_from(["1", "2"]), reason=st.one_of(st.none(), TEXT))
    def cancel(self, number: str, reason: str | None) -> None:
        ok = self.status[number] is not TaskStatus.CANCELLED and bool(reason)
        self.attempt(
            ok, lambda: self.app.handle(ctx(reason=reason), CancelTask(plan=PLAN, number=number))
        )
        if ok:
            self.status[number] = TaskStatus.CANCELLED

    @rule(mid=st.sampled_from(["m1", "m2", "m3"]), value=st.integers(0, 100))
    def measure(self, mid: str, value: int) -> None:
        ok = mid not in self.measurements
        self.attempt(
            ok,
            lambda: self.app.handle(
                ctx(),
                RecordMeasurement(**SURVEY, indicator="7b", value=value, measurement_id=mid),
            ),
        )
        if ok:
            self.measurements[mid] = "valid"

    @rule(old=st.sampled_from(["m1", "m2", "m3"]), new=st.sampled_from(["c1", "c2"]))
    def correct(self, old: str, new: str) -> None:
        ok = self.measurements.get(old) == "valid" and new not in self.measurements
        self.attempt(
            ok,
            lambda: self.app.handle(
                ctx(reason="Sửa số liệu"),
                CorrectMeasurement(**SURVEY, replaces=old, value="50", measurement_id=new),
            ),
        )
        if ok:
            self.measurements[old] = "superseded"
            self.measurements[new] = "valid"

    @rule(mid=st.sampled_from(["m1", "m2", "m3", "c1", "c2"]))
    def retract(self, mid: str) -> None:
        ok = self.measurements.get(mid) == "valid"
        self.attempt(
            ok,
            lambda: self.app.handle(
                ctx(reason="Rút lại"), RetractMeasurement(plan=PLAN, target=7, measurement_id=mid)
            ),
        )
        if ok:
            self.measurements[mid] = "retracted"

    @rule(days=st.integers(-5, 30))
    def apologize(self, days: int) -> None:
        new = date(2023, 3, 10) + timedelta(days=days)
        latest = max([date(2023, 3, 10), *self.apology_dates])
        # The new appointment may be set once (rules/dossiers.py).
        ok = not self.returned and new > latest and not self.apology_dates
        self.attempt(
            ok,
            lambda: self.app.handle(
                ctx(),
                IssueApology(
                    dossier_code="HS-1",
                    issued_on=date(2023, 3, 10),
                    reason_text="Trễ",
                    new_appointment=new,
                    signer="Chủ tịch",
                ),
            ),
        )
        if ok:
            self.apology_dates.append(new)

    @precondition(lambda self: not self.returned)
    @rule()
    def return_result(self) -> None:
        self.attempt(
            True,
            lambda: self.app.handle(
                ctx(effective=vn(2023, 3, 20)), ReturnDossierResult(dossier_code="HS-1")
            ),
        )
        self.returned = True

    @invariant()
    def agrees_with_model(self) -> None:
        for number, status in self.status.items():
            assert self.app.get_task(PLAN, number).status is status
        measurements = self.app.get_target(PLAN, 7).measurements
        assert {k: v["status"] for k, v in measurements.items()} == self.measurements
        assert self.app.get_dossier("HS-1").appointment == max(
            [date(2023, 3, 10), *self.apology_dates]
        )

    @invariant()
    def storage_gives_the_same_state(self) -> None:
        fresh = ParLedger(parse_database_url(self.url), env={"AGGREGATE_CACHE_MAXSIZE": ""})
        try:
            for aggregate_id in (
                ids.task_id(PLAN, "1"),
                ids.task_id(PLAN, "2"),
                ids.target_id(PLAN, 7),
                ids.dossier_id("HS-1"),
            ):
                assert fresh.repository.get(aggregate_id) == self.app.repository.get(aggregate_id)
        finally:
            fresh.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_random_command_sequences(backend: str, request: pytest.FixtureRequest) -> None:
    run_machine(LedgerMachine, backend, request)
