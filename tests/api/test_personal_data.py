"""Citizens' personal data: sealed before it reaches an event, shown only to roles that handle
it, erasable by destroying the person's key — after which it is unreadable in events, views,
replays and exports while the chain still verifies."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import psycopg

from integrity.digests import key_path, load_or_create_key
from integrity.operations import export
from integrity.verify import verify
from ledger.obligations import ObligationsProcess
from tests.api.conftest import PLAN, Api

NAME = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")  # NFD on purpose: stored NFC
CONTACT = "0912 345 678"


def _dossier_with_apology(api: Api) -> None:
    made = api.client.post(
        f"/plans/{PLAN}/dossiers",
        headers=api.headers("commune"),
        json={"dossier_code": "HS-7", "procedure": "Cấp phép xây dựng", "agency": "xa-dong-bai",
              "received_on": "2023-02-01", "due_on": "2023-02-10", "effective_at": "2023-02-10"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    apology = api.client.post(
        "/dossiers/HS-7/apologies",
        headers=api.headers("commune", **{"If-Match": "*"}),
        json={"issued_on": "2023-02-09", "reason_text": "Chờ ý kiến Sở Xây dựng",
              "new_appointment": "2023-02-20", "signer": "Phạm Văn Tùng",
              "apology_id": "XL-1", "citizen_name": NAME, "citizen_contact": CONTACT,
              "effective_at": "2023-02-09"},
    )  # fmt: skip
    assert apology.status_code == 200, apology.text


def _citizen(api: Api, who: str) -> Any:
    found = api.client.get("/dossiers/HS-7", headers=api.headers(who))
    assert found.status_code == 200, found.text
    return found.json()["apologies"]["XL-1"].get("citizen", "absent")


def _stored_text(api: Api) -> str:
    """Everything the database holds in the ledger and view tables, as text."""
    ledger = api.ledger
    if ledger.database.backend == "sqlite":
        path = ledger.database.env["SQLITE_DBNAME"]
        files = [Path(path), Path(path + "-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        return raw.decode("utf-8", errors="replace")
    env = ledger.database.env
    url = f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
    with psycopg.connect(url) as conn:
        conn.execute(f'SET search_path TO "{env["POSTGRES_SCHEMA"]}"')
        events = conn.execute(
            "SELECT string_agg(convert_from(state, 'UTF8'), ' ') FROM parledger_events"
        ).fetchone()
        docs = conn.execute("SELECT string_agg(doc::text, ' ') FROM parledger_view_docs").fetchone()
    return f"{events[0] if events else ''} {docs[0] if docs else ''}"


def test_the_name_is_sealed_shown_to_its_handlers_and_hidden_from_readers(api: Api) -> None:
    _dossier_with_apology(api)
    nfc = unicodedata.normalize("NFC", NAME)
    assert _citizen(api, "secretariat") == {"name": nfc, "contact": CONTACT}
    assert _citizen(api, "commune") == {"name": nfc, "contact": CONTACT}  # its own agency
    for who in ("reader", "other_officer"):
        assert _citizen(api, who) == "absent"
    register = api.client.get(f"/plans/{PLAN}/apologies", headers=api.headers("reader"))
    assert nfc not in register.text and CONTACT not in register.text
    api.client.get(f"/plans/{PLAN}/apologies", headers=api.headers("secretariat"))  # views fill
    stored = _stored_text(api)
    assert nfc not in stored and NAME not in stored and CONTACT not in stored
    assert "XL-1" in stored  # the apology itself is there, in clear


def test_erasure_destroys_the_key_and_the_chain_still_verifies(api: Api) -> None:
    _dossier_with_apology(api)
    # Reads record the obligations the log owes (ledger.obligations): caught up first, so the
    # events counted below are the erasure's alone.
    ObligationsProcess(api.ledger).run()
    before = api.head()
    denied = api.client.post(
        "/dossiers/HS-7/citizen-data/erase",
        headers=api.headers("secretariat", **{"If-Match": "*"}),
        json={"reason": "Yêu cầu của công dân"},
    )
    assert denied.status_code == 403 and api.head() == before
    erased = api.client.post(
        "/dossiers/HS-7/citizen-data/erase",
        headers=api.headers("admin", **{"If-Match": "*"}),
        json={"reason": "Công dân yêu cầu xoá theo Nghị định 13/2023/NĐ-CP"},
    )
    assert erased.status_code == 200, erased.text
    assert api.head() == before + 1
    assert _citizen(api, "secretariat") == {
        "subject": _citizen(api, "admin")["subject"],
        "erased": True,
    }
    # As of a date before the erasure the text is gone too: the key is what was destroyed.
    past = api.client.get(
        f"/plans/{PLAN}/apologies?as_of=2023-02-15", headers=api.headers("secretariat")
    )
    assert past.status_code == 200 and "XL-1" in past.text
    assert "Nhung" not in past.text and '"erased":true' in past.text
    history = api.client.get("/entities/dossier:HS-7/history", headers=api.headers("auditor"))
    assert history.status_code == 200 and "Nhung" not in history.text
    out = io.StringIO()
    export(api.ledger.ledger_recorder, load_or_create_key(key_path()), out)
    assert "Nhung" not in out.getvalue() and CONTACT not in out.getvalue()
    report = verify(api.ledger.ledger_recorder)
    assert report.ok and report.events == before + 1
    again = api.client.post(
        "/dossiers/HS-7/citizen-data/erase",
        headers=api.headers("admin", **{"If-Match": "*"}),
        json={"reason": "lần nữa"},
    )
    assert again.status_code == 409 and api.head() == before + 1
