"""Consistency proofs, checkpoints and witnesses on SQLite and PostgreSQL: proofs served from
the stored subtree roots equal the ones recomputed from every leaf as the ledger grows; a
checkpoint published after more events is proven consistent with the earlier one and cosigned
by a witness; a forked history signed by the ledger's own key is refused by the witness and by
the consistency check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.checkpoints import checkpoint_of, publish, read_head
from integrity.digests import Digest, public_hex
from integrity.merkle import (
    RangeRoot,
    consistency_path,
    consistency_path_from,
    inclusion_path,
    inclusion_path_from,
    root,
)
from integrity.notes import Verifier, load, log_verifier
from integrity.operations import check_proof, make_digest, prove
from integrity.proofs import (
    ProofFailure,
    check_consistency,
    digest_head,
    prefix_root,
    prove_consistency,
    read_consistency_proof,
)
from integrity.subtrees import from_stored, sync
from integrity.witness import LOG_KEY_FILE, Witness
from ledger.application import ParLedger
from ledger.usecases.task import ReportTaskProgress
from tests.conftest import ctx, vn
from tests.integration.test_audit_trail import OFFICER
from tests.integration.test_tamper_evidence import PLAN, seed

KEY = Ed25519PrivateKey.generate()
ORIGIN = "parledger.test/cat-hai"


def inclusion_of(index: int, size: int) -> Callable[[RangeRoot], list[bytes]]:
    return lambda r: inclusion_path_from(index, size, r)


def consistency_of(old: int, size: int) -> Callable[[RangeRoot], list[bytes]]:
    return lambda r: consistency_path_from(old, size, r)


def grow(app: ParLedger, steps: int) -> None:
    for step in range(steps):
        app.handle(
            ctx(OFFICER, effective=vn(2023, 9, 1 + step)),
            ReportTaskProgress(plan=PLAN, number="2", percent=60 + step, note=f"Bước {step}"),
        )


def test_stored_roots_serve_every_proof_as_the_ledger_grows(app: ParLedger) -> None:
    seed(app)
    store = app.ledger_recorder
    for _ in range(3):
        size, _ = store.chain_extent()
        leaves = [leaf for _, leaf in store.select_leaves(size)]
        sync(store, size)  # type: ignore[arg-type]
        for index in range(size):
            assert from_stored(
                store,  # type: ignore[arg-type]
                inclusion_of(index, size),
            ) == inclusion_path(index, leaves)
        for old in range(0, size + 1, 3):
            assert from_stored(
                store,  # type: ignore[arg-type]
                consistency_of(old, size),
            ) == consistency_path(old, leaves)
            assert prefix_root(store, old) == root(leaves[:old])
        grow(app, 3)


def test_inclusion_proofs_still_check_alone(app: ParLedger) -> None:
    seed(app)
    digest, _ = make_digest(app.ledger_recorder, KEY)
    for position in (1, digest.position // 2, digest.position):
        checked = check_proof(
            prove(app.ledger_recorder, position, digest), trusted_key=public_hex(KEY)
        )
        assert checked.event.position == position


def test_a_later_digest_is_proven_consistent_with_an_earlier_one(app: ParLedger) -> None:
    seed(app)
    old, _ = make_digest(app.ledger_recorder, KEY)
    grow(app, 4)
    new, _ = make_digest(app.ledger_recorder, KEY)
    proof = json.loads(
        json.dumps(
            prove_consistency(app.ledger_recorder, digest_head(old, "cũ"), digest_head(new, "mới"))
        )
    )
    old_size, new_size, old_root, new_root, path = read_consistency_proof(proof)
    assert (old_size, new_size) == (old.size, new.size)
    assert (old_root.hex(), new_root.hex()) == (old.root, new.root)
    check_consistency(digest_head(old, "cũ"), digest_head(new, "mới"), path)
    with pytest.raises(ProofFailure, match="viết lại hoặc rẽ nhánh"):
        check_consistency(digest_head(old, "cũ"), digest_head(new, "mới"), path[1:])


def forged(digest: Digest) -> Digest:
    """The same size, another root: what a ledger showing a second history would sign."""
    other = bytes(b ^ 0xFF for b in bytes.fromhex(digest.root)).hex()
    return Digest(digest.size, digest.position, digest.head, other, digest.issued_at).signed(KEY)


def test_a_fork_is_refused_by_the_prover_and_the_verifier(app: ParLedger) -> None:
    seed(app)
    honest, _ = make_digest(app.ledger_recorder, KEY)
    fork = forged(honest)
    with pytest.raises(ProofFailure, match="rẽ nhánh"):
        check_consistency(digest_head(honest, "a.json"), digest_head(fork, "b.json"), None)
    grow(app, 2)
    new, _ = make_digest(app.ledger_recorder, KEY)
    with pytest.raises(ProofFailure, match="rẽ nhánh"):
        prove_consistency(app.ledger_recorder, digest_head(fork, "b.json"), digest_head(new, "mới"))


def witness_in(tmp_path: Path, name: str) -> Witness:
    state = tmp_path / name.replace("/", "_")
    state.mkdir()
    (state / LOG_KEY_FILE).write_text(
        log_verifier(ORIGIN, public_hex(KEY)).vkey() + "\n", encoding="utf-8"
    )
    return Witness(state, name)


def test_witnesses_cosign_consistent_checkpoints_and_refuse_a_fork(
    app: ParLedger, tmp_path: Path
) -> None:
    seed(app)
    inbox = tmp_path / "published"
    first, _, none = publish(app.ledger_recorder, KEY, ORIGIN, inbox)
    assert none is None
    city, inspectors = witness_in(tmp_path, "hp.gov.vn/w1"), witness_in(tmp_path, "tt.gov.vn/w2")
    assert [o.status for o in city.run(inbox)] == ["cosigned"]
    grow(app, 3)
    second, second_path, proof_path = publish(app.ledger_recorder, KEY, ORIGIN, inbox)
    assert proof_path is not None and proof_path.name == f"{first.size}-{second.size}.proof.json"
    assert [o.status for o in city.run(inbox)] == ["already", "cosigned"]
    assert [o.status for o in inspectors.run(inbox)] == ["cosigned", "cosigned"]

    published = load(second_path)
    log_key = log_verifier(ORIGIN, public_hex(KEY))
    published.check(log_key, [city.verifier, inspectors.verifier], quorum=2)
    stranger = Verifier("x.example/w", 0x04, public_hex(Ed25519PrivateKey.generate()).encode()[:32])
    with pytest.raises(ValueError, match="cần 3"):
        published.check(log_key, [city.verifier, inspectors.verifier, stranger], quorum=3)
    assert read_head(second_path, public_hex(KEY)).head.size == second.size

    # The ledger signs a second history of the same size: the witness refuses it, writes nothing.
    fork = checkpoint_of(forged(second), ORIGIN, KEY)
    fork_inbox = tmp_path / "fork"
    fork_inbox.mkdir()
    (fork_inbox / f"{second.size}.checkpoint").write_text(fork.text(), encoding="utf-8")
    (outcome,) = city.run(fork_inbox)
    assert outcome.status == "refused" and "rẽ nhánh" in outcome.detail
    assert not load(fork_inbox / f"{second.size}.checkpoint").holds(city.verifier)
    assert city.latest() is not None and city.latest().root == published.root  # type: ignore[union-attr]


def test_a_tampered_checkpoint_or_proof_is_refused(app: ParLedger, tmp_path: Path) -> None:
    seed(app)
    inbox = tmp_path / "published"
    publish(app.ledger_recorder, KEY, ORIGIN, inbox)
    city = witness_in(tmp_path, "hp.gov.vn/w1")
    city.run(inbox)
    grow(app, 2)
    _, path, proof_path = publish(app.ledger_recorder, KEY, ORIGIN, inbox)
    assert proof_path is not None
    proof = json.loads(proof_path.read_text())
    proof["path"][0] = "00" * 32
    proof_path.write_text(json.dumps(proof))
    (outcome,) = [o for o in city.run(inbox) if o.path == path]
    assert outcome.status == "refused" and "nối tiếp" in outcome.detail
    text = path.read_text().replace("\n\n", "\nextra\n\n", 1)  # the body changed under the sig
    path.write_text(text)
    (outcome,) = [o for o in city.run(inbox) if o.path == path]
    assert outcome.status == "refused" and "chữ ký" in outcome.detail
