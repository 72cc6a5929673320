"""The signed digest and inclusion proofs over HTTP, checked as a client would: with the
ledger's public key and nothing else."""

from __future__ import annotations

from integrity.digests import Digest, key_path, load_or_create_key, public_hex
from integrity.operations import check_proof
from tests.api.conftest import Api
from tests.tampering import Insider


def test_the_digest_is_signed_and_covers_the_ledger(api: Api) -> None:
    response = api.client.get("/ledger/digest", headers=api.headers("reader"))
    assert response.status_code == 200, response.text
    digest = Digest.from_json(response.json())
    digest.check_signature(public_hex(load_or_create_key(key_path())))
    assert digest.size == api.head() and digest.position == api.head()


def test_a_proof_checks_alone_under_the_served_digest(api: Api) -> None:
    for position in (1, api.head() // 2, api.head()):
        response = api.client.get(f"/events/{position}/proof", headers=api.headers("auditor"))
        assert response.status_code == 200, response.text
        checked = check_proof(
            response.json(), trusted_key=public_hex(load_or_create_key(key_path()))
        )
        assert checked.event.position == position
        assert checked.digest.size == api.head()


def test_a_proof_under_an_earlier_size(api: Api) -> None:
    earlier = api.head() - 2
    response = api.client.get(f"/events/3/proof?size={earlier}", headers=api.headers("auditor"))
    assert response.status_code == 200, response.text
    assert check_proof(response.json()).digest.size == earlier
    late = api.client.get(
        f"/events/{api.head()}/proof?size={earlier}", headers=api.headers("auditor")
    )
    assert late.status_code == 404 and late.json()["field"] == "position"
    future = api.client.get(
        f"/events/3/proof?size={api.head() + 5}", headers=api.headers("auditor")
    )
    assert future.status_code == 404 and future.json()["field"] == "size"


def test_unknown_positions_and_strangers_are_refused(api: Api) -> None:
    missing = api.client.get(f"/events/{api.head() + 1}/proof", headers=api.headers("auditor"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert api.client.get("/ledger/digest").status_code == 401
    assert api.client.get("/events/1/proof").status_code == 401


def test_a_broken_chain_is_never_signed(api: Api) -> None:
    Insider(api.ledger).flip_byte(3, 10, 0)
    response = api.client.get("/ledger/digest", headers=api.headers("auditor"))
    assert response.status_code == 503
    body = response.json()
    assert body["type"].endswith("ledger_integrity") and "vị trí 3" in body["detail"]
