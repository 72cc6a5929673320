"""``GET /ledger/consistency``: the proof that the ledger now extends the ledger at an earlier
size, checked as a client would, with the digest it kept and the ledger's public key."""

from __future__ import annotations

from integrity.digests import Digest, key_path, load_or_create_key, public_hex
from integrity.proofs import TreeHead, check_consistency, digest_head, read_consistency_proof
from tests.api.conftest import Api


def test_the_ledger_now_extends_an_earlier_digest(api: Api) -> None:
    earlier = api.head() - 3
    kept = api.client.get(f"/events/1/proof?size={earlier}", headers=api.headers("auditor"))
    old = Digest.from_json(kept.json()["digest"])
    response = api.client.get(f"/ledger/consistency?from={earlier}", headers=api.headers("auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    new = Digest.from_json(body["new"])
    new.check_signature(public_hex(load_or_create_key(key_path())))
    old_size, new_size, old_root, _, path = read_consistency_proof(body)
    assert (old_size, new_size, old_root.hex()) == (old.size, api.head(), old.root)
    check_consistency(digest_head(old, "kept"), digest_head(new, "served"), path)


def test_sizes_out_of_range_name_the_field(api: Api) -> None:
    auditor = api.headers("auditor")
    future = api.client.get(f"/ledger/consistency?from=1&to={api.head() + 1}", headers=auditor)
    assert future.status_code == 404 and future.json()["field"] == "to"
    backwards = api.client.get("/ledger/consistency?from=5&to=4", headers=auditor)
    assert backwards.status_code == 422 and backwards.json()["field"] == "from"
    assert api.client.get("/ledger/consistency?from=1").status_code == 401
    same = api.client.get(f"/ledger/consistency?from={api.head()}", headers=auditor)
    body = same.json()
    assert body["path"] == [] and body["old_root"] == body["new_root"]
    check_consistency(
        TreeHead(body["old_size"], bytes.fromhex(body["old_root"]), "a"),
        TreeHead(body["new_size"], bytes.fromhex(body["new_root"]), "b"),
        None,
    )
