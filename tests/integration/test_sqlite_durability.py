"""SQLite's commit durability is FULL (the write-ahead log synced at every commit) unless the
store's URL asks for NORMAL (``?synchronous=normal``, README "Choosing the store")."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity.verify import verify
from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.settings import ConfigurationError, parse_database_url
from tests.conftest import ctx
from tests.factories import small_plan


def _synchronous(app: ParLedger) -> int:
    """The setting of the connection the ledger writes with (0 OFF, 1 NORMAL, 2 FULL)."""
    with app.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("PRAGMA synchronous")
        return int(c.fetchone()[0])


@pytest.mark.parametrize(
    ("query", "level"), [("", 2), ("?synchronous=full", 2), ("?synchronous=NORMAL", 1)]
)
def test_the_url_sets_the_commit_durability(tmp_path: Path, query: str, level: int) -> None:
    app = ParLedger(parse_database_url(f"sqlite:///{tmp_path / 'ledger.sqlite3'}{query}"))
    try:
        import_plan(app, small_plan(), ctx())
        assert _synchronous(app) == level
        assert verify(app.ledger_recorder).ok
    finally:
        app.close()


def test_another_setting_is_refused_in_vietnamese(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="synchronous phải là full hoặc normal"):
        parse_database_url(f"sqlite:///{tmp_path / 'ledger.sqlite3'}?synchronous=off")
