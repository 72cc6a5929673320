"""The token buckets in the database (``persistence/shared.py``): a bucket spends what it holds
and no more, however many threads take at once, and a refused take waits out the refill."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ledger.application import ParLedger
from persistence.shared import SharedState


def buckets(app: ParLedger) -> SharedState:
    return SharedState(app.recorder.datastore, app.database.backend)  # type: ignore[attr-defined]


def test_a_bucket_spends_its_burst_then_waits_for_the_refill(app: ParLedger) -> None:
    shared = buckets(app)
    assert [shared.take_token("user:a", 0.5, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    first = shared.take_token("user:a", 0.5, 3)
    assert 0 < first <= 2.0  # one token at 0.5 a second
    again = shared.take_token("user:a", 0.5, 3)
    assert 0 < again <= first  # a refused take spends nothing: the wait only shortens
    assert shared.take_token("user:b", 0.5, 3) == 0.0  # each principal its own bucket


def test_threads_taking_at_once_spend_each_token_once(app: ParLedger) -> None:
    shared = buckets(app)
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: shared.take_token("user:c", 1e-6, 20), range(60)))
    assert sum(1 for w in waits if w == 0.0) == 20
    assert all(w > 0 for w in waits if w != 0.0)
