"""The fold's fast input (``projections.rows``) against the library's own decoding.

For random ledgers (the replay property tests' command generator, backdated events and all)
and for the ledger release 0.2 stored (whose measurements need the v1 -> v2 upcaster):

- every field the fold can read from an ``EventRow`` equals the library event's attribute;
- folding the rows gives the same state, byte for byte, as folding the library's events.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from domain.target import Target
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from projections.rows import EventRow, RowDecoder, class_of
from projections.state import LedgerState, fold
from tests.compat.answers import SQLITE_FILE
from tests.integration.test_replay_properties import BACKENDS, OPS, fresh_app, run_ops, seeded

RELEASE_02 = Path(__file__).parents[1] / "compat" / "release-0.2"


def _both(app: ParLedger) -> tuple[list[tuple[int, Any]], list[tuple[int, EventRow]]]:
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    library = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
    return library, RowDecoder(app.mapper).rows(notifications)


def _same_fields(library: list[tuple[int, Any]], rows: list[tuple[int, EventRow]]) -> None:
    assert len(library) == len(rows)
    for (p, event), (q, row) in zip(library, rows, strict=True):
        assert p == q
        assert class_of(row) is type(event)
        for name, value in vars(event).items():
            assert getattr(row, name) == value, (p, name)
            assert type(getattr(row, name)) is type(value), (p, name)


def _state(events: list[tuple[int, Any]]) -> str:
    return json.dumps(fold(events, LedgerState()).to_json(), sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("backend", BACKENDS)
@given(ops=OPS)
def test_rows_fold_like_library_events(backend: str, ops: list[tuple[Any, ...]]) -> None:
    with fresh_app(backend) as app:
        seeded(app)
        run_ops(app, ops)
        library, rows = _both(app)
        _same_fields(library, rows)
        assert _state(rows) == _state(library)


def test_release_02_rows_are_upcast_like_the_library(tmp_path: Path) -> None:
    shutil.copyfile(RELEASE_02 / SQLITE_FILE, tmp_path / SQLITE_FILE)
    app = ParLedger(parse_database_url(f"sqlite:///{tmp_path / SQLITE_FILE}"))
    try:
        library, rows = _both(app)
        upcast = [
            row
            for (_, row), stored in zip(
                rows, app.recorder.select_notifications(start=1, limit=1_000_000), strict=True
            )
            if class_of(row) is Target.MeasurementRecorded and b'"figure"' in stored.state
        ]
        assert upcast, "release 0.2 stored measurements of class version 1"
        assert all(not hasattr(row, "figure") and hasattr(row, "value") for row in upcast)
        _same_fields(library, rows)
        assert _state(rows) == _state(library)
    finally:
        app.close()
