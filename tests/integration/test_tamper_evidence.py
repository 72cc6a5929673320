"""Tamper evidence on SQLite and PostgreSQL: every way of tampering, at positions hypothesis
chooses, is caught by ``verify`` with the digest an auditor kept; what a verify without a digest
cannot catch is shown as a documented control; append-only triggers refuse changes.

Each example tampers a fresh copy of one seeded ledger, made with export → restore (which is
itself under test here).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from integrity.chain import StoredLink
from integrity.digests import Digest
from integrity.operations import export as export_ledger
from integrity.operations import make_digest, read_export, restore
from integrity.verify import verify
from ledger.application import ParLedger
from ledger.usecases.task import ReportTaskProgress
from persistence.migrations import migrate
from persistence.settings import parse_database_url
from projections.live import stored_state
from replay.engine import rebuild, replay_state
from tests.conftest import POSTGRES_URL, ctx, vn
from tests.integration.test_audit_trail import OFFICER
from tests.integration.test_audit_trail import _seed as seed_audit_trail
from tests.tampering import Insider

PLAN = "thu-nghiem-2023"
KEY = Ed25519PrivateKey.generate()


@dataclass(frozen=True)
class Seeded:
    backend: str
    links: list[StoredLink]
    digest: Digest
    tmp: Path

    @property
    def size(self) -> int:
        return self.digest.size

    def positions(self) -> list[int]:
        return [x.event.position for x in self.links]

    def vietnamese(self) -> list[int]:
        """Positions of events whose text has characters NFD would decompose."""
        return [
            x.event.position
            for x in self.links
            if x.event.state.decode() != unicodedata.normalize("NFD", x.event.state.decode())
        ]

    @contextmanager
    def copy(self) -> Iterator[ParLedger]:
        """A fresh store holding exactly the seeded ledger."""
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp / f'copy-{uuid4().hex[:8]}.sqlite3'}"
            schema = None
        else:
            schema = f"t_{uuid4().hex[:16]}"
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            url = f"{POSTGRES_URL}?schema={schema}"
            migrate(parse_database_url(url))
        app = ParLedger(parse_database_url(url))
        try:
            restore(app.ledger_recorder, self.links, self.digest)
            yield app
        finally:
            app.close()
            if schema is not None:
                with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def seed(app: ParLedger) -> None:
    """The audit-trail tests' ledger: a plan, progress, a completion, a deadline, a figure."""
    seed_audit_trail(app)


@pytest.fixture
def seeded(app: ParLedger, tmp_path: Path) -> Seeded:
    seed(app)
    out = io.StringIO()
    export_ledger(app.ledger_recorder, KEY, out)
    links, digest = read_export(out.getvalue().splitlines(keepends=True))
    return Seeded(app.database.backend, links, digest, tmp_path)


def assert_caught(app: ParLedger, digest: Digest, first: int | None = None) -> None:
    report = verify(app.ledger_recorder, [digest])
    assert not report.ok, "tampering went unnoticed with the digest"
    if first is not None:
        assert report.problems[0].position == first, report.problems


def test_an_untouched_copy_verifies_against_the_digest(seeded: Seeded) -> None:
    with seeded.copy() as app:
        report = verify(app.ledger_recorder, [seeded.digest])
        assert report.ok, report.problems
        assert report.events == seeded.size > 10


@given(data=st.data())
def test_a_flipped_byte_is_caught_where_it_is(seeded: Seeded, data: st.DataObject) -> None:
    position = data.draw(st.sampled_from(seeded.positions()))
    offset, bit = data.draw(st.integers(0, 10_000)), data.draw(st.integers(0, 7))
    with seeded.copy() as app:
        Insider(app).flip_byte(position, offset, bit)
        assert_caught(app, seeded.digest, first=position)
        assert not verify(app.ledger_recorder).ok  # caught even without a digest


@given(data=st.data())
def test_text_renormalised_to_nfd_is_caught(seeded: Seeded, data: st.DataObject) -> None:
    position = data.draw(st.sampled_from(seeded.vietnamese()))
    with seeded.copy() as app:
        Insider(app).to_nfd(position)
        assert_caught(app, seeded.digest, first=position)


@given(data=st.data())
def test_a_deleted_event_is_caught(seeded: Seeded, data: st.DataObject) -> None:
    position = data.draw(st.sampled_from(seeded.positions()[:-1]))
    with seeded.copy() as app:
        Insider(app).delete(position)
        report = verify(app.ledger_recorder, [seeded.digest])
        assert not report.ok
        # Named at the event that now stands where the deleted one was.
        assert report.problems[0].position == position + 1
        assert report.problems[0].kind == "missing"


@given(data=st.data())
def test_two_swapped_events_are_caught(seeded: Seeded, data: st.DataObject) -> None:
    first, second = sorted(
        data.draw(
            st.lists(st.sampled_from(seeded.positions()), min_size=2, max_size=2, unique=True)
        )
    )
    with seeded.copy() as app:
        Insider(app).swap(first, second)
        assert_caught(app, seeded.digest, first=first)


@given(data=st.data())
def test_a_forged_event_with_every_link_recomputed_is_caught_only_by_the_digest(
    seeded: Seeded, data: st.DataObject
) -> None:
    position = data.draw(st.sampled_from(seeded.positions()[:-1]))
    model = data.draw(st.sampled_from(seeded.positions()))
    with seeded.copy() as app:
        Insider(app).forge_after(position, model)
        # Documented control: the tables are self-consistent again, so a verify without an
        # external digest cannot tell.
        assert verify(app.ledger_recorder).ok
        assert_caught(app, seeded.digest)


@given(data=st.data())
def test_a_rewritten_event_with_later_links_recomputed_is_caught_by_the_digest(
    seeded: Seeded, data: st.DataObject
) -> None:
    position = data.draw(st.sampled_from(seeded.positions()))
    with seeded.copy() as app:
        Insider(app).rewrite(position)
        assert verify(app.ledger_recorder).ok  # the documented blind spot without a digest
        report = verify(app.ledger_recorder, [seeded.digest])
        assert not report.ok
        problem = report.problems[0]
        assert problem.kind == "digest_mismatch"
        # The digest's checkpoints bound where history departs: the changed event lies in
        # the span the problem names, ending at problem.position.
        assert problem.position is not None and position <= problem.position


@given(data=st.data())
def test_a_cut_tail_is_caught_by_the_digest(seeded: Seeded, data: st.DataObject) -> None:
    keep = data.draw(st.integers(1, seeded.size - 1))
    with seeded.copy() as app:
        Insider(app).cut_tail(seeded.positions()[keep - 1])
        assert verify(app.ledger_recorder).ok  # a shorter chain is still a chain
        report = verify(app.ledger_recorder, [seeded.digest])
        assert [p.kind for p in report.problems] == ["cut"]


def test_later_appends_extend_the_digest(seeded: Seeded) -> None:
    with seeded.copy() as app:
        app.handle(
            ctx(OFFICER, effective=vn(2023, 8, 1)),
            ReportTaskProgress(plan=PLAN, number="2", percent=80, note="Đã kiểm tra 8 xã"),
        )
        report = verify(app.ledger_recorder, [seeded.digest])
        assert report.ok and report.events == seeded.size + 1
        newer, _ = make_digest(app.ledger_recorder, KEY)
        assert verify(app.ledger_recorder, [seeded.digest, newer]).ok


def test_export_restore_keeps_every_projection(app: ParLedger, seeded: Seeded) -> None:
    with seeded.copy() as copy:
        assert copy.recorder.max_notification_id() == app.recorder.max_notification_id()
        rebuild(app)
        rebuild(copy)
        assert stored_state(copy) == stored_state(app)
        for as_of in (date(2023, 3, 31), date(2023, 12, 31)):
            original, _ = replay_state(app, PLAN, as_of, use_checkpoints=False)
            restored, _ = replay_state(copy, PLAN, as_of, use_checkpoints=False)
            assert restored == original
        # The restored store goes on appending after the restored positions.
        copy.handle(
            ctx(OFFICER, effective=vn(2023, 8, 1)),
            ReportTaskProgress(plan=PLAN, number="2", percent=90, note="Đã kiểm tra 9 xã"),
        )
        assert verify(copy.ledger_recorder, [seeded.digest]).ok
