"""A SQLite ledger holding the Cát Hải plan and its seeded half-year."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import ParLedger
from persistence.settings import parse_database_url
from tests.cat_hai import Seeded, seed


@pytest.fixture
def cat_hai(tmp_path: Path) -> Iterator[tuple[ParLedger, Seeded]]:
    ledger = ParLedger(parse_database_url(f"sqlite:///{tmp_path / 'cat-hai.sqlite3'}"))
    try:
        yield ledger, seed(ledger)
    finally:
        ledger.close()
