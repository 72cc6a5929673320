"""Properties of projections and point-in-time replay, on SQLite and PostgreSQL.

Random command sequences with effective dates in any order (so many events are backdated):

- the live view, caught up at random moments, equals a rebuild from scratch;
- an answer for a known_at in the past never changes when more events arrive;
- a checkpoint plus the events after it equals a full replay;
- SQLite and PostgreSQL give identical states for the same commands;
- a page of events delivered twice is refused by the tracking record and changes nothing;
- a projection stopped at any page and restarted ends identical to one never stopped.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.dossier import IssueApology
from ledger.usecases.inspection import PlanInspection, RecordInspectionConducted
from ledger.usecases.target import CorrectMeasurement, RecordMeasurement, RetractMeasurement
from ledger.usecases.task import CancelTask, CompleteTask, ReopenTask, ReportTaskProgress
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from projections import catchup, live
from projections.state import LedgerState
from replay import engine, replay
from replay.engine import make_checkpoints, replay_state
from tests.conftest import POSTGRES_URL, ctx
from tests.factories import late_dossier, small_plan

PLAN = "thu-nghiem-2023"
DAYS = st.integers(0, 364).map(lambda n: date(2023, 1, 1) + timedelta(days=n))
AS_OF = st.integers(4, 364).map(lambda n: date(2023, 1, 1) + timedelta(days=n))  # plan: 05/01
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("progress"), st.sampled_from("12"), st.integers(0, 100), DAYS),
        st.tuples(st.just("complete"), st.sampled_from("12"), DAYS),
        st.tuples(st.just("reopen"), st.sampled_from("12"), DAYS),
        st.tuples(st.just("cancel"), st.sampled_from("12"), DAYS),
        st.tuples(st.just("measure"), st.sampled_from(["7a", "7b"]), st.integers(0, 100), DAYS),
        st.tuples(st.just("correct"), st.integers(0, 100), DAYS),
        st.tuples(st.just("retract"), DAYS),
        st.tuples(st.just("inspect"), st.sampled_from(["xa-dong-bai", "phong-tu-phap"]), DAYS),
        st.tuples(st.just("dossier"), DAYS, st.integers(-3, 3)),
        st.tuples(st.just("sync")),
    ),
    min_size=1,
    max_size=18,
)


@contextlib.contextmanager
def fresh_app(backend: str) -> Iterator[ParLedger]:
    """A new, empty ledger for one hypothesis example."""
    if backend == "sqlite":
        with TemporaryDirectory() as tmp:
            app = ParLedger(parse_database_url(f"sqlite:///{Path(tmp) / 'l.sqlite3'}"))
            try:
                yield app
            finally:
                app.close()
        return
    schema = f"p_{uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    migrate(parse_database_url(f"{POSTGRES_URL}?schema={schema}"))
    app = ParLedger(parse_database_url(f"{POSTGRES_URL}?schema={schema}"))
    try:
        yield app
    finally:
        app.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def at(day: date) -> Any:
    return ctx(effective=datetime(day.year, day.month, day.day, 9, tzinfo=VN_TZ), reason="lý do")


def run_ops(app: ParLedger, ops: list[tuple[Any, ...]], on_sync: Any = None) -> None:
    measurements: list[str] = []
    for n, op in enumerate(ops):
        kind = op[0]
        with contextlib.suppress(DomainError):
            if kind == "progress":
                app.handle(
                    at(op[3]),
                    ReportTaskProgress(plan=PLAN, number=op[1], percent=op[2], note="tiến độ"),
                )
            elif kind == "complete":
                app.handle(at(op[2]), CompleteTask(plan=PLAN, number=op[1]))
            elif kind == "reopen":
                app.handle(at(op[2]), ReopenTask(plan=PLAN, number=op[1]))
            elif kind == "cancel":
                app.handle(at(op[2]), CancelTask(plan=PLAN, number=op[1]))
            elif kind == "measure":
                mid = f"m{n}"
                app.handle(
                    at(op[3]),
                    RecordMeasurement(
                        plan=PLAN,
                        target=7,
                        indicator=op[1],
                        value=op[2],
                        period_start=date(2023, 1, 1),
                        period_end=op[3],
                        source="báo cáo",
                        measurement_id=mid,
                    ),
                )
                measurements.append(mid)
            elif kind == "correct" and measurements:
                mid = f"m{n}"
                app.handle(
                    at(op[2]),
                    CorrectMeasurement(
                        plan=PLAN,
                        target=7,
                        replaces=measurements[-1],
                        value=op[1],
                        period_start=date(2023, 1, 1),
                        period_end=op[2],
                        source="báo cáo sửa",
                        measurement_id=mid,
                    ),
                )
                measurements.append(mid)
            elif kind == "retract" and measurements:
                app.handle(
                    at(op[1]),
                    RetractMeasurement(plan=PLAN, target=7, measurement_id=measurements[-1]),
                )
            elif kind == "inspect":
                result = app.handle(
                    at(op[2]),
                    PlanInspection(
                        plan=PLAN, agency=op[1], kind="periodic", scheduled_on=op[2], scope="CCHC"
                    ),
                )
                app.handle(
                    at(op[2]),
                    RecordInspectionConducted(inspection_id=UUID(str(result.changes[0].id))),
                )
            elif kind == "dossier":
                code = f"HS-{n}"
                due = op[1]
                app.handle(
                    at(due),
                    late_dossier(code, due - timedelta(days=10), due, procedure="Cấp phép"),
                )
                issued = due + timedelta(days=op[2])
                app.handle(
                    at(min(issued, date(2023, 12, 31))),
                    IssueApology(
                        dossier_code=code,
                        issued_on=issued,
                        reason_text="quá tải",
                        new_appointment=due + timedelta(days=7),
                        signer="A",
                        apology_id=f"a{n}",
                    ),
                )
        if kind == "sync" and on_sync:
            on_sync()


def docs_of(state: LedgerState) -> str:
    return json.dumps(state.docs, sort_keys=True, ensure_ascii=False)


def seeded(app: ParLedger) -> None:
    import_plan(app, small_plan(), ctx())


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
@given(ops=OPS)
def test_live_view_equals_rebuild(backend: str, ops: list[tuple[Any, ...]]) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        view = live.view_for(app)
        run_ops(app, ops, on_sync=lambda: live.catch_up(app, view))
        live.catch_up(app, view)
        incremental = live.stored_state(app, view)
        engine.rebuild(app)
        rebuilt = live.stored_state(app)
        assert docs_of(incremental) == docs_of(rebuilt)
        # And the live state equals a replay of everything known, as of the far future.
        everything, _ = replay_state(app, PLAN, date(2100, 1, 1), use_checkpoints=False)
        assert docs_of(everything) == docs_of(rebuilt)


@pytest.mark.parametrize("backend", BACKENDS)
@given(before=OPS, after=OPS, as_of=AS_OF)
def test_past_answers_never_change(
    backend: str, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], as_of: date
) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        run_ops(app, before)
        position = int(app.recorder.max_notification_id() or 0)
        captured = replay(app, PLAN, as_of)
        run_ops(app, after)
        known_at = app.recorder.select_index(gt=position - 1, limit=1)[0][1].recorded_at  # type: ignore[attr-defined]
        later = replay(app, PLAN, as_of, known_at)
        assert later["replay"]["position"] == position
        captured.pop("replay"), later.pop("replay")
        assert later == captured


@pytest.mark.parametrize("backend", BACKENDS)
@given(first=OPS, second=OPS, as_of=AS_OF)
def test_checkpoint_plus_tail_equals_full_replay(
    backend: str, first: list[tuple[Any, ...]], second: list[tuple[Any, ...]], as_of: date
) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        run_ops(app, first)
        assert make_checkpoints(app, PLAN) > 0
        run_ops(app, second)
        with_cp, info = replay_state(app, PLAN, as_of)
        full, _ = replay_state(app, PLAN, as_of, use_checkpoints=False)
        assert docs_of(with_cp) == docs_of(full) and with_cp.count == full.count
        if as_of >= date(2023, 1, 31):
            assert info.checkpoint is not None


@pytest.mark.postgres
@given(ops=OPS, as_of=AS_OF)
def test_sqlite_and_postgres_agree(ops: list[tuple[Any, ...]], as_of: date) -> None:
    answers = []
    for backend in ("sqlite", "postgres"):
        with fresh_app(backend) as app:
            seeded(app)
            run_ops(app, ops)
            state, _ = replay_state(app, PLAN, as_of, use_checkpoints=False)
            # Positions and stamps are part of the state: both logs must number alike. Only
            # inspection ids are drawn at random; they are named by order of creation.
            views = json.dumps(replay(app, PLAN, as_of, use_checkpoints=False), sort_keys=True)
            docs = docs_of(state)
            for n, uid in enumerate(app.recorder.select_originators("Inspection")):  # type: ignore[attr-defined]
                uid = UUID(str(uid))
                for form in (uid.hex, str(uid)):
                    docs, views = docs.replace(form, f"I{n}"), views.replace(form, f"I{n}")
            resort = json.loads(docs), json.loads(views)  # renamed keys sort anew
            answers.append(tuple(json.dumps(x, sort_keys=True) for x in resort))
    (docs_a, views_a), (docs_b, views_b) = answers
    assert docs_a == docs_b
    assert views_a == views_b


@pytest.mark.parametrize("backend", BACKENDS)
@given(ops=OPS, stop_after=st.integers(1, 6))
def test_duplicate_delivery_and_restart(
    backend: str, ops: list[tuple[Any, ...]], stop_after: int
) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        run_ops(app, ops)
        catchup.PAGE, page_size = 7, catchup.PAGE  # small pages: many stopping points
        try:
            view = live.view_for(app)
            view.reset(app.name)
            pages = list(catchup.pages(app, 0, int(app.recorder.max_notification_id() or 0)))
            state = LedgerState()
            for page in pages[:stop_after]:
                catchup.process_page(view, state, page, app.name)
            before = docs_of(live.stored_state(app, view))
            # The same page again: refused by the tracking record, nothing written.
            with pytest.raises(IntegrityError):
                catchup.process_page(
                    view, LedgerState(), pages[min(stop_after, len(pages)) - 1], app.name
                )
            assert docs_of(live.stored_state(app, view)) == before
            # A new process resumes from the stored position.
            live.catch_up(app, live.view_for(app))
            resumed = docs_of(live.stored_state(app))
        finally:
            catchup.PAGE = page_size
        engine.rebuild(app)
        assert resumed == docs_of(live.stored_state(app))


@pytest.mark.parametrize("backend", BACKENDS)
def test_backdated_event_changes_june_only_for_later_knowledge(backend: str) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        app.handle(
            at(date(2023, 6, 1)),
            ReportTaskProgress(plan=PLAN, number="2", percent=10, note="bắt đầu"),
        )
        known_before = app.recorder.select_index(gt=0, limit=1000)[-1][1].recorded_at  # type: ignore[attr-defined]
        june = date(2023, 6, 30)
        old = replay(app, PLAN, june)
        # Recorded now, effective 20/06/2023: the task was completed then.
        app.handle(at(date(2023, 6, 20)), CompleteTask(plan=PLAN, number="2"))
        new = replay(app, PLAN, june)
        again_before = replay(app, PLAN, june, known_before)
        status = {r["number"]: r["status"] for r in new["task_board"]["tasks"]}
        assert status["2"] == "completed_on_time"
        old_status = {r["number"]: r["status"] for r in again_before["task_board"]["tasks"]}
        assert old_status["2"] == "in_progress"
        old.pop("replay"), again_before.pop("replay")
        assert again_before == old
        # May is untouched by an event effective in June.
        may = replay(app, PLAN, date(2023, 5, 31))
        assert {r["number"]: r["status"] for r in may["task_board"]["tasks"]}["2"] == "not_started"


@pytest.mark.parametrize("backend", BACKENDS)
@given(ops=OPS, page=st.integers(1, 9), kept=st.integers(0, 12))
def test_rebuild_letting_documents_go_equals_holding_them(
    backend: str, ops: list[tuple[Any, ...]], page: int, kept: int
) -> None:
    """A catch-up holds at most ``DOCS_KEPT`` documents between pages and loads again those it
    let go: with small pages and a small allowance, both ways of rebuilding (the shadow
    promoted, the live view reset and caught up) store what holding everything stores."""
    with fresh_app(backend) as app:
        seeded(app)
        run_ops(app, ops)
        engine.rebuild(app)
        held = docs_of(live.stored_state(app))
        sizes = catchup.PAGE, catchup.DOCS_KEPT
        catchup.PAGE, catchup.DOCS_KEPT = page, kept
        try:
            engine.rebuild(app)
            promoted = docs_of(live.stored_state(app))
            view = live.view_for(app)
            view.reset(app.name)
            live.catch_up(app, view)
            caught_up = docs_of(live.stored_state(app))
        finally:
            catchup.PAGE, catchup.DOCS_KEPT = sizes
        assert promoted == held
        assert caught_up == held
