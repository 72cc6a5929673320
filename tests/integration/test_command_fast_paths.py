"""The command path's shortcuts agree with the long way, on SQLite and PostgreSQL: an
aggregate read from the cache without a copy (``LedgerBase.peek``), its copy, and the chain
head a SQLite recorder keeps from its last commit, each beside what a ledger without the
shortcut reads or computes."""

from __future__ import annotations

import copy
from contextlib import suppress
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from hypothesis import given
from hypothesis import strategies as st

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.errors import DomainError
from domain.plan import Plan
from domain.task import Task
from domain.values import Actor, Role
from integrity.verify import verify
from ledger.application import ParLedger
from ledger.commands import Command
from ledger.importer import import_plan
from ledger.usecases.agency import RenameAgency
from ledger.usecases.plan import RecordAreaScore, ScoreKind
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from persistence.sqlite import LedgerSQLiteRecorder
from tests.conftest import ctx
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"
OFFICER = Actor(
    id="user:noi-vu", name="Cán bộ Nội vụ", role=Role.AGENCY_OFFICER, agency="phong-noi-vu"
)
WATCHED: list[tuple[type[LedgerAggregate], UUID]] = [
    (Plan, ids.plan_id(PLAN)),
    (Agency, ids.agency_id("phong-noi-vu")),
    (AgencyGroup, ids.group_id("ubnd-cac-xa-thi-tran")),
    (Task, ids.task_id(PLAN, "1")),
    (Task, ids.task_id(PLAN, "2")),
]
STEPS = st.lists(
    st.tuples(
        st.booleans(),  # which of two applications (two processes) sends it
        st.sampled_from(["progress", "officer", "score", "rename"]),
        st.integers(min_value=0, max_value=100),
    ),
    min_size=1,
    max_size=6,
)


def _state(aggregate: LedgerAggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def _command(kind: str, n: int) -> tuple[Actor | None, Command]:
    if kind == "progress":
        return None, ReportTaskProgress(plan=PLAN, number="1", percent=n, note=f"lần {n}")
    if kind == "officer":  # the lead's officer: the task's parties and the actor's unit read
        return OFFICER, ReportTaskProgress(plan=PLAN, number="2", percent=n, note=f"xã {n}")
    if kind == "score":
        return None, RecordAreaScore(
            plan=PLAN, kind=ScoreKind("self_assessed"), area="I", score=Decimal(n % 14)
        )
    return None, RenameAgency(agency_code="phong-noi-vu", name=f"Phòng Nội vụ {n}")


def _send(here: ParLedger, other: ParLedger, first: bool, kind: str, n: int) -> None:
    actor, command = _command(kind, n)
    # A refusal (a rule of the task's life) is a step too: the state is still compared.
    with suppress(DomainError):
        (here if first else other).handle(ctx(actor or ctx().actor, reason="sửa"), command)


@pytest.fixture
def pair(app: ParLedger, db_url: str) -> Any:
    import_plan(app, small_plan(), ctx())
    other = ParLedger(parse_database_url(db_url))
    # The long way: no cache, every aggregate rebuilt from its events.
    uncached = ParLedger(parse_database_url(db_url), env={"AGGREGATE_CACHE_MAXSIZE": ""})
    assert uncached.repository.cache is None
    yield app, other, uncached
    other.close()
    uncached.close()


@given(steps=STEPS)
def test_peeked_and_copied_aggregates_agree_with_rebuilt_ones(pair: Any, steps: Any) -> None:
    here, other, uncached = pair
    for first, kind, n in steps:
        _send(here, other, first, kind, n)
        for cls, aggregate_id in WATCHED:
            rebuilt = _state(uncached.load(cls, aggregate_id, "x"))
            for ledger in (here, other):
                peeked = ledger.peek(cls, aggregate_id, "x")
                assert _state(peeked) == rebuilt
                assert _state(ledger.load(cls, aggregate_id, "x")) == rebuilt
                copied = copy.deepcopy(peeked)
                assert _state(copied) == rebuilt and copied is not peeked
                # The copy shares no container a command could change with the cache.
                for name, value in vars(peeked).items():
                    if isinstance(value, dict | list | set):
                        assert vars(copied)[name] is not value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@given(steps=STEPS)
def test_chain_links_from_the_kept_head_verify(pair: Any, steps: Any) -> None:
    """Two recorders append to one file in turn, each skipping the head read whenever its
    last commit is still the head: every link verifies as if each had read it."""
    here, other, _ = pair
    for first, kind, n in steps:
        _send(here, other, first, kind, n)
    report = verify(here.ledger_recorder)
    assert report.ok, report.problems


def _event() -> StoredEvent:
    return StoredEvent(originator_id=uuid4(), originator_version=1, topic="t:T", state=b"{}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_rolled_back_append_leaves_no_head_behind(pair: Any) -> None:
    """The head kept is a committed one: an append refused after its links were made (a
    tracking position met twice) is forgotten, so the other process's link at that position
    is read, not the one rolled back."""
    here, other, _ = pair
    recorder = here.recorder
    assert isinstance(recorder, LedgerSQLiteRecorder)
    recorder.insert_events([_event()], tracking=Tracking("twice", 1))
    with pytest.raises(IntegrityError):
        recorder.insert_events([_event()], tracking=Tracking("twice", 1))
    other.handle(ctx(), ReportTaskProgress(plan=PLAN, number="1", percent=5, note="bên kia"))
    here.handle(ctx(), ReportTaskProgress(plan=PLAN, number="1", percent=6, note="bên này"))
    report = verify(here.ledger_recorder)
    assert report.ok, report.problems
