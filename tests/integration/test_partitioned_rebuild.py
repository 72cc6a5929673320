"""A rebuild folded in parts by several processes (``projections.rebuild``) must give the view
a one-process rebuild gives, document for document, at the same position; each part must read
exactly the events of its originators; a part that fails must fail the rebuild and leave the
live view as it was."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from benchmarks.ledger_mix import Mix
from ledger.application import ParLedger
from persistence.records import part_of
from persistence.settings import ConfigurationError, parse_database_url
from projections import catchup, live, partworker, rebuild
from projections.state import LedgerState, fold
from tests.cat_hai import seed
from tests.tampering import Insider


def _head(app: ParLedger) -> int:
    return int(app.recorder.max_notification_id() or 0)


def _docs(app: ParLedger) -> tuple[int, dict[tuple[str, str], bytes]]:
    position, rows = app.view.snapshot(app.name)
    return position, {
        (kind, key): orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) for kind, key, doc in rows
    }


@pytest.fixture
def mixed(app: ParLedger) -> ParLedger:
    """Two plan-years of the benchmark's mix: every kind of document, many originators."""
    Mix(app).grow_to(3_000)
    return app


def test_each_part_reads_exactly_its_originators(mixed: ParLedger) -> None:
    recorder = mixed.ledger_recorder
    head = _head(mixed)
    every = recorder.select_event_rows(1, head, head + 1)
    assert len(every) == head
    for parts in (2, 3, 7):
        seen: list[Sequence[Any]] = []
        for i in range(parts):
            rows = recorder.select_event_rows(1, head, head + 1, (i, parts))
            assert rows, f"part {i} of {parts} is empty"
            assert {part_of(row[1], parts) for row in rows} == {i}
            seen += rows
        assert sorted(tuple(r[:4]) for r in seen) == [tuple(r[:4]) for r in every]


def test_a_page_of_a_part_stops_at_its_limit_and_goes_on(mixed: ParLedger) -> None:
    recorder = mixed.ledger_recorder
    head = _head(mixed)
    whole = [r[0] for r in recorder.select_event_rows(1, head, head + 1, (1, 3))]
    paged: list[int] = []
    position = 0
    while page := recorder.select_event_rows(position + 1, head, 100, (1, 3)):
        assert len(page) <= 100
        paged += [r[0] for r in page]
        position = page[-1][0]
    assert paged == whole


def test_rebuild_in_parts_gives_the_view_one_process_gives(mixed: ParLedger) -> None:
    app = mixed
    head = _head(app)
    one = rebuild.rebuild(app, workers=1)
    position, expected = _docs(app)
    assert position == head and one.done == head
    three = rebuild.rebuild(app, workers=3)
    assert three.done == head and three.total == head
    assert len(three.worker_rss_mib) == 3
    assert _docs(app) == (head, expected)
    assert app.view.standing(app.name) == (head, 2)
    folded = LedgerState()
    for page in catchup.pages(app, 0, head):
        fold(page, folded)
    assert {
        (kind, key): orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
        for kind, docs in folded.docs.items()
        for key, doc in docs.items()
    } == expected
    assert live.status(app)["consistent"] is True


def test_more_parts_than_originators_in_a_part(app: ParLedger) -> None:
    """Parts left empty (a small ledger, many workers) fold nothing and still finish."""
    seed(app)
    rebuild.rebuild(app, workers=1)
    _, expected = _docs(app)
    rebuild.rebuild(app, workers=5)
    assert _docs(app) == (_head(app), expected)


def test_a_failing_part_fails_the_rebuild_and_leaves_the_view(mixed: ParLedger) -> None:
    app = mixed
    live.catch_up(app)
    before = _docs(app), app.view.standing(app.name)
    # One task's stored event made unreadable behind the ledger's back: its part cannot fold it.
    rows = mixed.ledger_recorder.select_event_rows(1, _head(app), _head(app))
    position = next(r[0] for r in rows[len(rows) // 2 :] if r[3].endswith("ProgressReported"))
    insider = Insider(app)
    with insider.session() as conn:
        insider.set_state(conn, position, b"{not json")
    with pytest.raises(orjson.JSONDecodeError):
        rebuild.rebuild(app, workers=2)
    assert (_docs(app), app.view.standing(app.name)) == before


def test_a_part_whose_process_dies_fails_the_rebuild(
    mixed: ParLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = mixed
    live.catch_up(app)
    before = _docs(app), app.view.standing(app.name)
    monkeypatch.setattr(partworker, "LAUNCH", "import os; os._exit(3)")
    with pytest.raises(rebuild.RebuildFailed, match="mã thoát 3"):
        rebuild.rebuild(app, workers=2)
    assert (_docs(app), app.view.standing(app.name)) == before
    monkeypatch.undo()
    rebuild.rebuild(app, workers=2)  # the next rebuild starts afresh
    assert app.view.standing(app.name) == (_head(app), 1)
    assert live.status(app)["consistent"] is True


def test_workers_are_chosen_by_the_log_and_the_setting(
    app: ParLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(rebuild.WORKERS_ENV, raising=False)
    assert rebuild.workers_for(app, 10) == 1
    by_default = rebuild.workers_for(app, rebuild.PARALLEL_FROM)
    if app.database.backend == "sqlite":
        assert by_default == max(1, min(os.cpu_count() or 1, 4))
    else:  # the server does half the work: parts only when asked for
        assert by_default == 1
    monkeypatch.setenv(rebuild.WORKERS_ENV, "3")
    assert rebuild.workers_for(app, 10) == 3
    for bad in ("0", "many", "17", "-2"):
        monkeypatch.setenv(rebuild.WORKERS_ENV, bad)
        with pytest.raises(ConfigurationError, match=r"PARLEDGER_REBUILD_WORKERS.*số nguyên"):
            rebuild.workers_for(app, 10)


def test_a_store_only_this_process_sees_is_folded_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rebuild.WORKERS_ENV, "4")
    memory = ParLedger(parse_database_url("memory://workers"))
    try:
        assert rebuild.workers_for(memory, 10**7) == 1
        seed(memory)
        live.catch_up(memory)
        _, expected = _docs(memory)
        assert rebuild.rebuild(memory, workers=3).worker_rss_mib == ()  # asked, yet one
        assert _docs(memory) == (_head(memory), expected)
    finally:
        memory.close()
