"""A SQLite ledger holding the Cát Hải plan and its seeded half-year, and the CLI run on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
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


@pytest.fixture
def run(
    cat_hai: tuple[ParLedger, Seeded], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]  # fmt: skip
    """``parledger`` as a user runs it on the seeded ledger: (exit code, stdout, stderr);
    ``ledger=False`` points it at no database (the command must not need one)."""
    app, _ = cat_hai
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", app.database.url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)

    def call(*argv: str, ledger: bool = True) -> tuple[int, str, str]:
        if not ledger:  # nothing to open: the command must not need it
            monkeypatch.setenv("PARLEDGER_DATABASE_URL", "sqlite:////nonexistent/none.sqlite3")
        code = main(list(argv))
        monkeypatch.setenv("PARLEDGER_DATABASE_URL", app.database.url)
        out, err = capsys.readouterr()
        return code, out, err

    return call
