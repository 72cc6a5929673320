"""Every obligation is raised exactly once, however the policy is restarted, replayed from an
earlier position, run twice at once, or killed in the middle of a page — on both backends.

The kill: a real process running the policy is sent SIGKILL after a page's events are written
inside its transaction and before the tracking position is (``obligations_child``). Events and
position are one transaction, so the kill leaves neither; the next run records the page once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.obligations import NAME, ObligationsProcess
from ledger.usecases.dossier import IssueApology, ProcedureKind
from persistence.records import IndexFilter
from persistence.settings import parse_database_url
from replay.obligations import register
from tests.conftest import ctx, run_machine, vn
from tests.factories import late_dossier, small_plan

PLAN = "thu-nghiem-2023"
REPORTS = len(small_plan().reporting)
ROOT = Path(__file__).resolve().parents[2]


def obligation_events(app: ParLedger) -> Counter[tuple[str, str]]:
    """(obligation, event type) → how many such events the log holds."""
    rows = app.ledger_recorder.select_filtered(IndexFilter(entity="Obligation"), limit=100_000)
    return Counter((row.originator_id.hex, row.event_type) for _, row in rows)


def assert_each_once(app: ParLedger) -> None:
    found = obligation_events(app)
    assert all(n == 1 for n in found.values()), [k for k, n in found.items() if n > 1]


def report(app: ParLedger, n: int, received: date, kind: ProcedureKind) -> None:
    app.handle(
        ctx(effective=vn(received.year, received.month, received.day)),
        late_dossier(
            f"HS-{n:04d}",
            received,
            received + timedelta(days=10),
            procedure="Đăng ký khai sinh",
            procedure_kind=kind,
        ),
    )


class ObligationsMachine(RuleBasedStateMachine):
    url: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.app = ParLedger(parse_database_url(self.url))
        self.dossiers: list[date] = []

    @initialize()
    def load(self) -> None:
        import_plan(self.app, small_plan(), ctx())

    @rule(
        day=st.dates(date(2024, 6, 1), date(2025, 9, 30)),
        kind=st.sampled_from(ProcedureKind),
    )
    def late_dossier(self, day: date, kind: ProcedureKind) -> None:
        report(self.app, len(self.dossiers), day, kind)
        self.dossiers.append(day)

    @precondition(lambda self: self.dossiers)
    @rule(data=st.data())
    def apologise(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.dossiers) - 1))
        if self.app.get_dossier(f"HS-{n:04d}").apologies:
            return  # the new appointment may be set once
        received = self.dossiers[n]
        issued = received + timedelta(days=data.draw(st.integers(1, 15)))
        self.app.handle(
            ctx(effective=vn(issued.year, issued.month, issued.day)),
            IssueApology(
                dossier_code=f"HS-{n:04d}",
                issued_on=issued,
                reason_text="Thiếu hồ sơ",
                new_appointment=received + timedelta(days=20 + len(self.dossiers)),
                signer="Chủ tịch",
                apology_id=f"a{n}",
            ),
        )

    @rule(page=st.integers(1, 40))
    def restart(self, page: int) -> None:
        """A fresh process (a restart) with its own page size."""
        ObligationsProcess(self.app, page=page).run()

    @rule()
    def rewind(self) -> None:
        """The tracking position lost: the next run reads the whole log again."""
        self.app.view.reset(NAME)

    @rule(pages=st.tuples(st.integers(1, 30), st.integers(1, 30)))
    def two_at_once(self, pages: tuple[int, int]) -> None:
        errors: list[BaseException] = []

        def run(page: int) -> None:
            try:
                ObligationsProcess(self.app, page=page).run()
            except IntegrityError as error:  # gave up colliding: the other one recorded
                errors.append(error)

        threads = [threading.Thread(target=run, args=(p,)) for p in pages]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ObligationsProcess(self.app).run()

    @rule(day=st.dates(date(2024, 6, 1), date(2025, 10, 31)))
    def sweep(self, day: date) -> None:
        ObligationsProcess(self.app).sweep(vn(day.year, day.month, day.day))

    @invariant()
    def each_event_once(self) -> None:
        assert_each_once(self.app)

    def teardown(self) -> None:
        try:
            ObligationsProcess(self.app).run()
            found = obligation_events(self.app)
            raised = sum(1 for (_, kind) in found if kind == "Raised")
            assert raised == len(self.dossiers) + REPORTS
            answer = register(self.app, date(2025, 12, 31))
            assert len(answer["obligations"]) == raised
            dossiers = [self.app.get_dossier(f"HS-{n:04d}") for n in range(len(self.dossiers))]
            apologised = sum(1 for d in dossiers if d.apologies)
            met = sum(1 for r in answer["obligations"] if r["met"])
            assert met == apologised
        finally:
            self.app.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_each_obligation_once_however_the_policy_runs(
    backend: str, request: pytest.FixtureRequest
) -> None:
    run_machine(ObligationsMachine, backend, request)


def child(url: str, page: int, pause_in: int) -> subprocess.Popen[str]:
    module = "tests.integration.obligations_child"
    return subprocess.Popen(
        [sys.executable, "-m", module, url, str(page), str(pause_in)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill_after_written(url: str, pages: int) -> list[str]:
    """Run the policy in a process and SIGKILL it inside its ``pages``-th page's transaction,
    between the events and the tracking position; what it said before dying."""
    process = child(url, 7, pages)
    assert process.stdout is not None
    said: list[str] = []
    # readline, not iteration: a line is acted on as soon as it is written.
    for line in iter(process.stdout.readline, ""):
        said.append(line.strip())
        if sum(1 for s in said if s.startswith("written")) == pages:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, said
    return said


def test_a_policy_killed_mid_page_resumes_and_raises_each_once(app: ParLedger, db_url: str) -> None:
    import_plan(app, small_plan(), ctx())
    for n in range(30):
        report(app, n, date(2025, 1, 2) + timedelta(days=n), ProcedureKind.ORDINARY)
    head = int(app.recorder.max_notification_id() or 0)

    said = kill_after_written(db_url, 1)  # inside the first page
    assert said == ["written 7"]
    assert ObligationsProcess(app).position() == 0 and not obligation_events(app)

    said = kill_after_written(db_url, 3)  # two pages saved, then inside the third
    saved = [s for s in said if s.startswith("saved")]
    assert len(saved) == 2
    at = int(saved[-1].split()[1])
    assert ObligationsProcess(app).position() == at
    kept = sum(obligation_events(app).values())
    assert kept == int(saved[0].split()[2]) + int(saved[1].split()[2])  # the two pages' only

    finished = child(db_url, 7, 0)
    out, _ = finished.communicate(timeout=120)
    assert finished.returncode == 0 and out.rstrip().endswith("done"), out
    assert_each_once(app)
    raised = [k for k in obligation_events(app) if k[1] == "Raised"]
    assert len(raised) == 30 + REPORTS
    process = ObligationsProcess(app)
    assert process.run() == 0 and process.position() >= head
    assert all(
        r["status"] in ("open", "overdue", "missed")
        for r in register(app, date(2025, 3, 1))["obligations"]
    )
