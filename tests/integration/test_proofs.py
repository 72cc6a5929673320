"""Inclusion proofs on SQLite and PostgreSQL: every event's proof checks alone, against the
signed digest it carries; every corruption of a proof is rejected."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from integrity.digests import public_hex
from integrity.operations import IntegrityFailure, check_proof, make_digest, prove
from ledger.application import ParLedger
from ledger.usecases.task import ReportTaskProgress
from tests.conftest import ctx, vn
from tests.integration.test_audit_trail import OFFICER
from tests.integration.test_tamper_evidence import PLAN, seed

KEY = Ed25519PrivateKey.generate()
TRUSTED = public_hex(KEY)


@pytest.fixture
def proofs(app: ParLedger) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A proof of every event under one digest, and a later digest of the same ledger."""
    seed(app)
    digest, _ = make_digest(app.ledger_recorder, KEY)
    positions = [x.event.position for x in app.ledger_recorder.select_chained()]
    made = [prove(app.ledger_recorder, p, digest) for p in positions]
    app.handle(
        ctx(OFFICER, effective=vn(2023, 9, 1)),
        ReportTaskProgress(plan=PLAN, number="2", percent=95, note="Gần xong"),
    )
    later, _ = make_digest(app.ledger_recorder, KEY)
    return made, later.to_json()


def test_every_event_is_proven_under_the_digest(
    proofs: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    made, _ = proofs
    for proof in made:
        checked = check_proof(json.loads(json.dumps(proof)), trusted_key=TRUSTED)
        assert checked.event.position == proof["event"]["position"]


def _flip_hex(text: str, bit: int) -> str:
    raw = bytearray(bytes.fromhex(text))
    raw[(bit // 8) % len(raw)] ^= 1 << (bit % 8)
    return raw.hex()


def _corruptions(proof: dict[str, Any], later: dict[str, Any]) -> st.SearchStrategy[Any]:
    size, index, path = proof["tree_size"], proof["leaf_index"], proof["path"]
    with_path = (
        [
            st.builds(
                lambda i, b: {**proof, "path": [*path[:i], _flip_hex(path[i], b), *path[i + 1 :]]},
                st.integers(0, len(path) - 1),
                st.integers(0, 255),
            ),
            st.builds(
                lambda i: {**proof, "path": path[:i] + path[i + 1 :]}, st.integers(0, len(path) - 1)
            ),
        ]
        if path
        else []
    )
    return st.one_of(
        *with_path,
        st.integers(0, size - 1)
        .filter(lambda i: i != index)
        .map(lambda i: {**proof, "leaf_index": i}),
        st.integers(-3, size + 3)
        .filter(lambda n: n != size)
        .map(lambda n: {**proof, "tree_size": n}),
        st.builds(
            lambda i, b: {**proof, "path": [*path[:i], b.hex(), *path[i:]]},
            st.integers(0, len(path)),
            st.binary(min_size=32, max_size=32),
        ),
        st.builds(
            lambda b: {
                **proof,
                "digest": {**proof["digest"], "root": _flip_hex(proof["digest"]["root"], b)},
            },
            st.integers(0, 255),
        ),
        st.builds(
            lambda b: {
                **proof,
                "event": {**proof["event"], "state": _flip_text(proof["event"]["state"], b)},
            },
            st.integers(0, 10_000),
        ),
        st.sampled_from(["position", "originator_version"]).map(
            lambda f: {**proof, "event": {**proof["event"], f: proof["event"][f] + 1}}
        ),
        st.sampled_from(["actor_id", "recorded_at", "effective_at", "entity"]).map(
            lambda f: {**proof, "event": {**proof["event"], f: (proof["event"][f] or "") + "x"}}
        ),
        # Swapped roots: a genuine, signed, later digest of the same ledger.
        st.just({**proof, "digest": later, "tree_size": later["size"]}),
        st.just({**proof, "digest": {**proof["digest"], "root": later["root"]}}),
    )


def _flip_text(text: str, at: int) -> str:
    at %= len(text)
    return text[:at] + chr(ord(text[at]) ^ 1) + text[at + 1 :]


@given(data=st.data())
def test_corrupted_proofs_are_rejected(
    proofs: tuple[list[dict[str, Any]], dict[str, Any]], data: st.DataObject
) -> None:
    made, later = proofs
    proof = copy.deepcopy(data.draw(st.sampled_from(made)))
    bad = data.draw(_corruptions(proof, later))
    with pytest.raises(IntegrityFailure):
        check_proof(bad, trusted_key=TRUSTED)


def test_a_proof_signed_by_another_key_is_rejected(
    proofs: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    made, _ = proofs
    with pytest.raises(IntegrityFailure, match="trusted key"):
        check_proof(made[0], trusted_key=public_hex(Ed25519PrivateKey.generate()))
