"""The audit trail and entity timelines, on SQLite and PostgreSQL.

Filters return exactly the events that match (checked against a scan of the whole log), pages
cover the trail once in either direction, each row's before → after is the aggregate's own
change, and a timeline's state is the projections' fold of the same events (replay agrees).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ids import task_id
from domain.values import VN_TZ, Actor, Role
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, RegisterAgency
from ledger.usecases.target import RecordMeasurement
from ledger.usecases.task import ChangeTaskDeadline, CompleteTask, ReportTaskProgress
from persistence.records import IndexFilter
from projections.audit import audit_trail, iter_audit, timeline
from replay.engine import end_of_day, replay_state
from tests.conftest import ctx, vn
from tests.factories import small_plan
from tests.integration.test_replay_properties import BACKENDS, OPS, PLAN, fresh_app, run_ops

OFFICER = Actor(id="user:lan", name="lan", role=Role.AGENCY_OFFICER, agency="phong-noi-vu")
LAN_PROGRESS = ("user:lan", "ProgressReported")
JUNE_END = end_of_day(date(2023, 6, 30))
SECRETARIAT = Actor(id="user:minh", name="minh", role=Role.SECRETARIAT, agency="vp-ubnd")


def _seed(app: ParLedger) -> dict[str, int]:
    import_plan(app, small_plan(), ctx())
    # The secretariat's office, in the plan's unit: a secretariat manages its own unit's plans.
    app.handle(
        ctx(),
        RegisterAgency(
            agency_code="vp-ubnd",
            unit="thu-nghiem",
            name="Văn phòng UBND",
            kind=AgencyKind("office"),
        ),
    )
    marks = {"imported": int(app.recorder.max_notification_id() or 0)}
    app.handle(
        ctx(OFFICER, effective=vn(2023, 3, 1)),
        ReportTaskProgress(plan=PLAN, number="2", percent=30, note="Đã kiểm tra 3 xã"),
    )
    app.handle(
        ctx(OFFICER, effective=vn(2023, 7, 1)),
        ReportTaskProgress(plan=PLAN, number="2", percent=70, note="Đã kiểm tra 7 xã"),
    )
    marks["progress"] = int(app.recorder.max_notification_id() or 0)
    app.handle(ctx(OFFICER, effective=vn(2023, 1, 14)), CompleteTask(plan=PLAN, number="1"))
    app.handle(
        ctx(SECRETARIAT, reason="Chờ hướng dẫn của Sở Nội vụ"),
        ChangeTaskDeadline(plan=PLAN, number="2", start=None, due=date(2024, 1, 31)),
    )
    app.handle(
        ctx(SECRETARIAT, effective=vn(2023, 6, 30)),
        RecordMeasurement(
            plan=PLAN,
            target=7,
            indicator="7b",
            value=91,
            period_start=date(2023, 1, 1),
            period_end=date(2023, 6, 30),
            source="Khảo sát SIPAS",
            measurement_id="m1",
        ),
    )
    return marks


def _all(app: ParLedger) -> list[Any]:
    return list(iter_audit(app, IndexFilter(), page=7))


@pytest.mark.parametrize("backend", BACKENDS)
def test_filters_match_a_scan_of_the_whole_trail(backend: str) -> None:
    with fresh_app(backend) as app:
        _seed(app)
        everything = _all(app)
        assert [r.position for r in everything] == sorted(r.position for r in everything)
        assert len(everything) == app.recorder.max_notification_id()
        lan_progress = IndexFilter(actor_id="user:lan", event_type="ProgressReported")
        cases: list[tuple[IndexFilter, Any]] = [
            (IndexFilter(actor_id="user:lan"), lambda r: r.event.actor_id == "user:lan"),
            (IndexFilter(actor_agency="vp-ubnd"), lambda r: r.event.actor_agency == "vp-ubnd"),
            (IndexFilter(actor_role="secretariat"), lambda r: r.event.actor_role == "secretariat"),
            (IndexFilter(entity="Target"), lambda r: r.entity_kind == "Target"),
            (IndexFilter(plan=PLAN, entity="Task"), lambda r: r.entity.startswith("task:")),
            (
                IndexFilter(originator_id=task_id(PLAN, "2")),
                lambda r: r.entity == f"task:{PLAN}:2",
            ),
            (
                lan_progress,
                lambda r: (r.event.actor_id, r.event.event_type) == LAN_PROGRESS,
            ),
            (
                IndexFilter(effective_from=vn(2023, 2, 1), effective_to=JUNE_END),
                lambda r: vn(2023, 2, 1) <= r.event.effective_at <= JUNE_END,
            ),
        ]  # fmt: skip
        for where, expected in cases:
            got = list(iter_audit(app, where, page=3))
            want = [r for r in everything if expected(r)]
            assert [r.position for r in got] == [r.position for r in want], where
            assert got, where  # every case selects something in this ledger
        # The knowledge axis: what was recorded by a moment, or by a position.
        cut = everything[len(everything) // 2]
        by_time = list(iter_audit(app, IndexFilter(recorded_to=cut.event.recorded_at)))
        assert by_time and all(r.event.recorded_at <= cut.event.recorded_at for r in by_time)
        assert {r.position for r in by_time} >= {r.position for r in everything[: cut.position]}
        by_position = list(iter_audit(app, IndexFilter(upto=cut.position)))
        assert [r.position for r in by_position] == list(range(1, cut.position + 1))


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_carry_who_when_why_and_field_level_changes(backend: str) -> None:
    with fresh_app(backend) as app:
        _seed(app)
        page = audit_trail(app, IndexFilter(actor_id="user:lan", event_type="ProgressReported"))
        first, second = page.rows
        assert (first.event.actor_agency, first.event.actor_role) == (
            "phong-noi-vu",
            "agency_officer",
        )
        changes = {c.field: (c.before, c.after) for c in first.event.changes}
        assert changes["progress"] == (None, 30)
        assert changes["status"] == ("not_started", "in_progress")
        assert {c.field: (c.before, c.after) for c in second.event.changes}["progress"] == (30, 70)
        assert first.event.effective_at == vn(2023, 3, 1)
        assert first.backdated  # recorded today, effective in March 2023
        deadline = audit_trail(app, IndexFilter(event_type="DeadlineChanged")).rows[0]
        assert deadline.event.reason == "Chờ hướng dẫn của Sở Nội vụ"
        moved = {c.field: (c.before, c.after) for c in deadline.event.changes}
        assert moved == {"due": (date(2023, 12, 31), date(2024, 1, 31))}  # start kept
        assert not deadline.backdated


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=8, deadline=None)
@given(size=st.integers(1, 9), newest_first=st.booleans())
def test_pages_cover_the_trail_once_in_either_order(
    backend: str, size: int, newest_first: bool
) -> None:
    with fresh_app(backend) as app:
        _seed(app)
        total = int(app.recorder.max_notification_id() or 0)
        seen: list[int] = []
        cursor = 0
        while True:
            page = audit_trail(
                app, IndexFilter(), cursor=cursor, limit=size, newest_first=newest_first
            )
            assert len(page.rows) <= size
            seen += [r.position for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        expected = list(range(1, total + 1))
        assert seen == (expected[::-1] if newest_first else expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_timeline_orders_by_valid_time_and_respects_both_axes(backend: str) -> None:
    with fresh_app(backend) as app:
        marks = _seed(app)
        task = task_id(PLAN, "2")
        full = timeline(app, task)
        effective = [r.event.effective_at for r in full.entries]
        assert effective == sorted(effective)
        assert [r.event.event_type for r in full.entries] == [
            "Registered", "ProgressReported", "ProgressReported", "DeadlineChanged",
        ]  # fmt: skip
        june = timeline(app, task, as_of=end_of_day(date(2023, 6, 30)))
        assert [r.event.event_type for r in june.entries] == ["Registered", "ProgressReported"]
        assert june.state["percent"] == 30
        before_progress = timeline(app, task, upto=marks["imported"])
        assert [r.event.event_type for r in before_progress.entries] == ["Registered"]
        assert before_progress.state.get("percent") is None
        assert full.state["window"][1] == "2024-01-31"


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=6, deadline=None)
@given(ops=OPS, as_of=st.integers(4, 364), cut=st.floats(0, 1))
def test_timeline_state_is_the_replayed_state(
    backend: str, ops: list[tuple[Any, ...]], as_of: int, cut: float
) -> None:
    """One fold for both: an entity's timeline state equals its document in the plan's
    replay for the same valid date and knowledge position."""
    day = date.fromordinal(date(2023, 1, 1).toordinal() + as_of)
    with fresh_app(backend) as app:
        import_plan(app, small_plan(), ctx())
        run_ops(app, ops)
        position = max(1, round(int(app.recorder.max_notification_id() or 1) * cut))
        state, _ = replay_state(app, PLAN, day, position=position, use_checkpoints=False)
        for number in ("1", "2"):
            uid = task_id(PLAN, number)
            line = timeline(app, uid, as_of=end_of_day(day), upto=position)
            doc = state.docs.get("tasks", {}).get(uid.hex, {})
            assert line.state == {k: v for k, v in doc.items() if k != "_s"}


def test_recorded_range_on_both_ends(app: ParLedger) -> None:
    _seed(app)
    rows = _all(app)
    low, high = rows[2].event.recorded_at, rows[-3].event.recorded_at
    got = list(iter_audit(app, IndexFilter(recorded_from=low, recorded_to=high)))
    assert got == [r for r in rows if low <= r.event.recorded_at <= high]
    late = datetime(2100, 1, 1, tzinfo=VN_TZ)
    assert list(iter_audit(app, IndexFilter(recorded_from=late))) == []
