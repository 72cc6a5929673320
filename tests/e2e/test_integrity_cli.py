"""The auditor's commands as a user runs them, in separate processes: digest, an edit with the
sqlite3 shell, verify naming the event, undo, verify again; prove and verify-proof; export and
restore into an empty store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.processes import run_cli


def _sqlite3(path: Path, sql: str) -> None:
    done = subprocess.run(["sqlite3", str(path), sql], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PARLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "PARLEDGER_SIGNING_KEY": str(tmp_path / "signing-key.pem"),
    }


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 shell")
def test_an_edited_row_is_named_and_undoing_it_passes(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    assert run_cli(env, "init").returncode == 0
    digest = tmp_path / "d.json"
    made = run_cli(env, "digest", "--output", str(digest))
    assert made.returncode == 0, made.stderr
    assert json.loads(digest.read_text())["size"] > 50

    # The edit is refused while the append-only triggers stand…
    refused = subprocess.run(
        ["sqlite3", str(db), "UPDATE stored_events SET topic = topic WHERE rowid = 40"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "append-only" in refused.stderr
    # …so the insider drops them first.
    edit = (
        "DROP TRIGGER stored_events_no_update; UPDATE stored_events SET state = "
        "CAST(replace(CAST(state AS TEXT), '2023', '2024') AS BLOB) WHERE rowid = 40"
    )
    _sqlite3(db, edit)
    broken = run_cli(env, "verify", "--digest", str(digest))
    assert broken.returncode == 1
    first = broken.stderr.splitlines()[0]
    assert "vị trí 40" in first and "[altered]" in first

    undo = (
        "DROP TRIGGER stored_events_no_update; UPDATE stored_events SET state = "
        "CAST(replace(CAST(state AS TEXT), '2024', '2023') AS BLOB) WHERE rowid = 40"
    )
    _sqlite3(db, undo)
    healed = run_cli(env, "verify", "--digest", str(digest))
    assert healed.returncode == 0, healed.stderr
    assert "sự kiện/s" in healed.stdout


def test_prove_verify_proof_export_restore(env: dict[str, str], tmp_path: Path) -> None:
    assert run_cli(env, "init").returncode == 0
    digest, proof = tmp_path / "d.json", tmp_path / "p.json"
    assert run_cli(env, "digest", "--output", str(digest)).returncode == 0
    made = run_cli(env, "prove", "12", "--digest", str(digest), "--output", str(proof))
    assert made.returncode == 0, made.stderr
    # Checked without any database: the variable points nowhere usable.
    alone = {**env, "PARLEDGER_DATABASE_URL": "sqlite:///" + str(tmp_path / "none" / "x.db")}
    checked = run_cli(alone, "verify-proof", str(proof), "--digest", str(digest))
    assert checked.returncode == 0, checked.stderr
    assert "vị trí 12" in checked.stdout
    data = json.loads(proof.read_text())
    data["event"]["state"] = data["event"]["state"].replace("2023", "2024")
    proof.write_text(json.dumps(data, ensure_ascii=False))
    assert run_cli(alone, "verify-proof", str(proof)).returncode == 1

    exported = tmp_path / "ledger.jsonl"
    assert run_cli(env, "export", "--output", str(exported)).returncode == 0
    other = {**env, "PARLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}"}
    restored = run_cli(other, "restore", str(exported))
    assert restored.returncode == 0, restored.stderr
    assert run_cli(other, "verify", "--digest", str(digest)).returncode == 0
    same = [
        json.loads(
            run_cli(e, "replay", "cat-hai-2023", "--as-of", "2023-12-31", "--format", "json").stdout
        )
        for e in (env, other)
    ]
    for answer in same:
        answer["replay"].pop("seconds", None)  # timing differs; every projection must not
    assert same[0] == same[1]
    assert same[0]["task_board"]["tasks"]
    # A second restore into the now non-empty store is refused, and changes nothing.
    again = run_cli(other, "restore", str(exported))
    assert again.returncode == 2 and "trống" in again.stderr
    # A truncated export is refused before anything is written.
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(exported.read_text().splitlines(keepends=True)[:-1]))
    third = {**env, "PARLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'third.sqlite3'}"}
    assert run_cli(third, "restore", str(cut)).returncode == 1
