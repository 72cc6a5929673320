"""The integrity and consistency commands given the wrong file or number (issue 12, item 6):
an input error naming the argument, exit 2, nothing written; never "lỗi hệ thống"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.processes import run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "PARLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "PARLEDGER_SIGNING_KEY": str(tmp_path / "signing-key.pem"),
    }
    assert run_cli(environment, "init").returncode == 0
    return environment


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "deep": ("[" * 100_000 + "]" * 100_000).encode(),
        "binary": bytes(range(256)) * 8,
        "text": "Biên bản họp ngày 2/5\n".encode(),
    }
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    return {name: tmp_path / name for name in made}


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        # the argument by its Vietnamese name; a digest's reason names it and its path itself
        (["verify-proof", "{deep}"], "bằng chứng:"),
        (["verify-proof", "{binary}"], "bằng chứng:"),
        (["restore", "{binary}"], "tệp:"),
        (["restore", "{text}"], "tệp:"),
        (["restore", "{deep}"], "tệp:"),
        (["verify", "--digest", "{binary}"], "bản tóm lược /"),
        (["verify", "--digest", "{text}"], "bản tóm lược /"),
        (["verify", "--digest", "{deep}"], "bản tóm lược /"),
        (["prove", "1", "--digest", "{deep}"], "bản tóm lược /"),
    ],
)
def test_a_wrong_file_is_an_input_error_naming_the_argument(
    env: dict[str, str], files: dict[str, Path], argv: list[str], field: str
) -> None:
    database = Path(env["PARLEDGER_DATABASE_URL"].removeprefix("sqlite:///"))
    before = database.read_bytes()
    done = run_cli(env, *[a.format(**files) for a in argv])
    assert done.returncode == 2, done.stderr
    assert "lỗi hệ thống" not in done.stderr and f"lỗi: {field}" in done.stderr
    assert database.read_bytes() == before  # nothing written


@pytest.mark.parametrize("position", ["99999999999999999999", "٤", "0", "-5", "1e3"])
def test_a_position_out_of_range_is_refused_by_the_argument(
    env: dict[str, str], position: str
) -> None:
    done = run_cli(env, "prove", "--", position)
    assert done.returncode == 2, done.stderr
    assert "đối số position" in done.stderr and "lỗi hệ thống" not in done.stderr
