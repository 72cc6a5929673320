"""Report seals check the chain from where this process last checked it (``integrity/prefix.py``):
the same checkpoint as a whole-chain digest, only the new events read, and a tampered chain
still refused — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.chain import StoredLink
from integrity.operations import IntegrityFailure, make_digest
from integrity.prefix import forget
from integrity.sealing import evidence_at
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.task import ReportTaskProgress
from persistence.records import LedgerRecorder
from tests.conftest import ctx
from tests.factories import small_plan
from tests.tampering import Insider

KEY = Ed25519PrivateKey.generate()
PLAN = "thu-nghiem-2023"


class Counted:
    """The real recorder, counting the chained rows read through it."""

    def __init__(self, recorder: LedgerRecorder) -> None:
        self.recorder = recorder
        self.rows = 0

    def select_chained(self, *, gt: int = 0, limit: int = 5000) -> list[StoredLink]:
        found = self.recorder.select_chained(gt=gt, limit=limit)
        self.rows += len(found)
        return found

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        found = self.recorder.select_chained_rows(gt=gt, limit=limit)
        self.rows += len(found)
        return found

    def chain_extent(self) -> tuple[int, int]:
        return self.recorder.chain_extent()

    def select_leaves(self, size: int) -> list[tuple[int, bytes]]:
        return self.recorder.select_leaves(size)

    def restore(self, links: Sequence[StoredLink]) -> None:
        self.recorder.restore(links)


def _report(app: ParLedger, times: int, note: str = "tiến độ") -> None:
    for i in range(times):
        app.handle(ctx(), ReportTaskProgress(plan=PLAN, number="1", percent=i, note=f"{note} {i}"))


@pytest.fixture
def ledger(app: ParLedger) -> ParLedger:
    import_plan(app, small_plan(), ctx())
    _report(app, 5)
    return app


def _head(app: ParLedger) -> int:
    return int(app.recorder.max_notification_id() or 0)


def test_repeated_and_later_exports_read_only_new_events(ledger: ParLedger) -> None:
    store = Counted(ledger.ledger_recorder)
    size = store.chain_extent()[0]
    first = evidence_at(store, KEY, _head(ledger))
    whole, _ = make_digest(ledger.ledger_recorder, KEY, size)
    assert first.checkpoint.size == size and first.checkpoint.root.hex() == whole.root
    assert store.rows >= size  # the first export checks the whole prefix
    store.rows = 0
    again = evidence_at(store, KEY, _head(ledger))
    assert again.checkpoint.root == first.checkpoint.root and store.rows <= 1
    _report(ledger, 3, "thêm")
    store.rows = 0
    later = evidence_at(store, KEY, _head(ledger))
    whole, _ = make_digest(ledger.ledger_recorder, KEY)
    assert later.checkpoint.size == size + 3 and later.checkpoint.root.hex() == whole.root
    assert store.rows <= 3 + 1  # the new events, and the check that the prefix is still there
    # An earlier position than the one checked: computed from the start, still right.
    earlier = evidence_at(store, KEY, first.position)
    assert earlier.checkpoint.root == first.checkpoint.root


def test_a_tampered_chain_is_refused_before_and_after_a_checked_prefix(
    ledger: ParLedger,
) -> None:
    store = ledger.ledger_recorder
    insider = Insider(ledger)
    checked = _head(ledger)
    evidence_at(store, KEY, checked)
    _report(ledger, 3, "sau")
    # An event appended after the checked prefix, altered: the extension refuses it.
    insider.flip_byte(_head(ledger) - 1, 7, 2)
    with pytest.raises(IntegrityFailure):
        evidence_at(store, KEY, _head(ledger))
    # A fresh process (nothing kept) refuses an alteration anywhere up to the position.
    forget(store)
    insider.flip_byte(_head(ledger) - 1, 7, 2)  # undone
    evidence_at(store, KEY, _head(ledger))
    forget(store)
    insider.flip_byte(3, 5, 1)
    with pytest.raises(IntegrityFailure):
        evidence_at(store, KEY, _head(ledger))


def test_a_rewritten_tail_is_not_taken_for_the_checked_prefix(ledger: ParLedger) -> None:
    store = ledger.ledger_recorder
    insider = Insider(ledger)
    head = _head(ledger)
    evidence_at(store, KEY, head)
    # The last checked event altered and its link recomputed: the kept prefix no longer
    # matches the store, so the next seal checks from the start, where the chain holds
    # together again only because the insider recomputed it — and the root changed.
    before = evidence_at(store, KEY, head).checkpoint.root
    insider.rewrite(head)
    after = evidence_at(store, KEY, head).checkpoint.root
    assert after != before
