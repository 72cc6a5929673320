"""The checkpoint and witness commands as a unit runs them, in separate processes: publish,
the witness cosigns, a verifier requires the cosignature; verify-consistency on two digests
and on a forked pair signed by the ledger's own key. (Growth between checkpoints and the
witness's consistency check: tests/integration/test_consistency_witness.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from integrity.digests import Digest, load_or_create_key, public_hex
from tests.e2e.processes import run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PARLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "PARLEDGER_SIGNING_KEY": str(tmp_path / "signing-key.pem"),
        "PARLEDGER_ORIGIN": "cchc.haiphong.gov.vn/parledger",
    }


def test_publish_witness_and_quorum(env: dict[str, str], tmp_path: Path) -> None:
    assert run_cli(env, "init").returncode == 0
    inbox, state = tmp_path / "published", tmp_path / "witness"
    first = run_cli(env, "checkpoint", str(inbox))
    assert first.returncode == 0, first.stderr
    vkey = first.stdout.split("Khoá xác minh của sổ cái: ")[1].strip()
    cosign = run_cli(
        env,
        "witness",
        str(inbox),
        "--state",
        str(state),
        "--name",
        "tt.gov.vn/w1",
        "--log-key",
        vkey,
    )
    assert cosign.returncode == 0, cosign.stderr
    assert "đã đồng ký" in cosign.stdout
    witness_vkey = cosign.stdout.split("Khoá xác minh của nhân chứng: ")[1].split("\n")[0]
    (checkpoint,) = inbox.glob("*.checkpoint")
    key = public_hex(load_or_create_key(Path(env["PARLEDGER_SIGNING_KEY"])))
    checked = run_cli(
        env, "verify-checkpoint", str(checkpoint), "--trusted-key", key, "--witness", witness_vkey
    )
    assert checked.returncode == 0, checked.stderr
    assert "tt.gov.vn/w1" in checked.stdout
    unwitnessed = run_cli(
        env, "verify-checkpoint", str(checkpoint), "--trusted-key", key, "--quorum", "1"
    )
    assert unwitnessed.returncode == 1 and "cần 1" in unwitnessed.stderr


def test_verify_consistency_of_digests_and_a_fork(env: dict[str, str], tmp_path: Path) -> None:
    assert run_cli(env, "init").returncode == 0
    old = tmp_path / "old.json"
    assert run_cli(env, "digest", "--output", str(old)).returncode == 0
    key_path = Path(env["PARLEDGER_SIGNING_KEY"])
    key = load_or_create_key(key_path)
    trusted = public_hex(key)
    # A forked head: same size, another root, signed with the ledger's own key.
    honest = Digest.from_json(json.loads(old.read_text()))
    other = bytes(b ^ 1 for b in bytes.fromhex(honest.root)).hex()
    fork = tmp_path / "fork.json"
    forged = Digest(honest.size, honest.position, honest.head, other, honest.issued_at)
    fork.write_text(json.dumps(forged.signed(key).to_json()))
    refused = run_cli(env, "verify-consistency", str(old), str(fork), "--trusted-key", trusted)
    assert refused.returncode == 1 and "rẽ nhánh" in refused.stderr
    same = run_cli(env, "verify-consistency", str(old), str(old), "--trusted-key", trusted)
    assert same.returncode == 0, same.stderr
    proof = tmp_path / "proof.json"
    made = run_cli(env, "prove-consistency", str(old), str(old), "--output", str(proof))
    assert made.returncode == 0, made.stderr
    assert json.loads(proof.read_text())["path"] == []
    missing = run_cli(env, "verify-consistency", str(old), str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "none.json" in missing.stderr
