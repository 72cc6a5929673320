"""User names by pattern (issue 12, item 5): ``users add ../../x`` is a user's mistake."""

from __future__ import annotations

import pytest

from cli.main import main
from ledger.application import ParLedger
from persistence.settings import parse_database_url


@pytest.mark.parametrize("name", ["../../x", "a/b", "x\x00y", "tên-có-dấu", ".hidden", "a..b"])
def test_a_user_name_outside_the_pattern_is_refused(
    db_url: str, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    code = main(["users", "add", name, "--role", "reader"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "lỗi: tên" in err and "lỗi hệ thống" not in err  # the name: tên
    app = ParLedger(parse_database_url(db_url))
    assert app.recorder.max_notification_id() in (None, 0)  # nothing written
    app.close()


def test_a_plain_user_name_is_accepted(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    assert main(["users", "add", "nguyen.van-a@cat-hai", "--role", "reader"]) == 0
    capsys.readouterr()
