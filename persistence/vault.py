"""Citizens' personal data, encrypted with a key per person (crypto-shredding).

Events never hold a citizen's name or contact in clear: they hold ``{"subject", "sealed"}``, the
text sealed with AES-256-GCM under the subject's own key (the subject id as associated data).
The keys live in one table beside the ledger that is *not* append-only: erasing a person under
the personal data protection rules (Nghị định 13/2023/NĐ-CP) destroys their key, after which every
copy of the text — in events, views, exports and backups of the ledger tables — is unreadable,
while the events themselves, and so the hash chain, stay exactly as they were.

A person is found again across dossiers by a keyed hash of their normalised name and contact
(the ``lookup`` column), which erasure clears too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VAULT_TABLE = "parledger_person_keys"
_SECRET_SUBJECT = "~lookup-secret"


@dataclass(frozen=True)
class Citizen:
    name: str
    contact: str | None = None


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def vault_table_statement(backend: str, schema: str | None) -> str:
    """The key table (schema version 1, ``persistence/migrations``)."""
    table = f'"{schema}".{VAULT_TABLE}' if backend == "postgres" else VAULT_TABLE
    blob = "bytea" if backend == "postgres" else "BLOB"
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (subject text PRIMARY KEY, "
        f"lookup text UNIQUE, key {blob}, created_at text NOT NULL, erased_at text)"
    )


class PersonVault:
    """Keys per person in the ledger's own database (SQLite or PostgreSQL)."""

    def __init__(self, datastore: Any, backend: str, *, create: bool = True) -> None:
        self.datastore = datastore
        self.postgres = backend == "postgres"
        self.mark = "%s" if self.postgres else "?"
        self._lookup_secret: bytes | None = None
        self.table = f'"{datastore.schema}".{VAULT_TABLE}' if self.postgres else VAULT_TABLE
        if create:
            self._run(vault_table_statement(backend, datastore.schema if self.postgres else None))

    def _run(self, sql: str, *params: Any) -> list[Any]:
        reads = sql.lstrip().upper().startswith("SELECT")
        with self.datastore.transaction(commit=not reads) as cursor:
            if not reads and not self.postgres:
                cursor.execute("PRAGMA secure_delete = ON")  # erased keys leave no trace
            cursor.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if reads else []

    def _secret(self) -> bytes:
        """The lookup key; made once per store and never changed, so kept once read."""
        if self._lookup_secret is not None:
            return self._lookup_secret
        rows = self._run(f"SELECT key FROM {self.table} WHERE subject = ?", _SECRET_SUBJECT)
        if rows:
            self._lookup_secret = bytes(rows[0]["key"])
            return self._lookup_secret
        self._run(
            f"INSERT INTO {self.table} (subject, key, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (subject) DO NOTHING",
            _SECRET_SUBJECT,
            os.urandom(32),
            _now(),
        )
        return self._secret()

    def subject_for(self, citizen: Citizen) -> str:
        """The subject id of this person, created with a fresh key on first mention."""
        lookup = hmac.new(
            self._secret(),
            f"{_normal(citizen.name)}\n{_normal(citizen.contact or '')}".encode(),
            hashlib.sha256,
        ).hexdigest()
        rows = self._run(f"SELECT subject FROM {self.table} WHERE lookup = ?", lookup)
        if rows:
            return str(rows[0]["subject"])
        subject = str(uuid4())
        self._run(
            f"INSERT INTO {self.table} (subject, lookup, key, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (lookup) DO NOTHING",
            subject,
            lookup,
            AESGCM.generate_key(bit_length=256),
            _now(),
        )
        return self.subject_for(citizen)  # a concurrent first mention may have won

    def _key(self, subject: str) -> bytes | None:
        rows = self._run(f"SELECT key FROM {self.table} WHERE subject = ?", subject)
        return bytes(rows[0]["key"]) if rows and rows[0]["key"] is not None else None

    def seal(self, citizen: Citizen) -> dict[str, str]:
        subject = self.subject_for(citizen)
        key = self._key(subject)
        assert key is not None, "a subject found by lookup always has its key"
        nonce = os.urandom(12)
        plain = json.dumps({"name": citizen.name, "contact": citizen.contact}, ensure_ascii=False)
        sealed = nonce + AESGCM(key).encrypt(nonce, plain.encode(), subject.encode())
        return {"subject": subject, "sealed": base64.b64encode(sealed).decode()}

    def unseal(self, value: Any) -> dict[str, Any]:
        """The citizen's name and contact, or ``{"subject", "erased": True}`` once the key is
        destroyed."""
        if not isinstance(value, dict):
            return {"erased": True}
        gone = {"subject": value.get("subject"), "erased": True}
        if "sealed" not in value:
            return gone
        key = self._key(str(value["subject"]))
        if key is None:
            return gone
        raw = base64.b64decode(str(value["sealed"]))
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], str(value["subject"]).encode())
        except InvalidTag:
            return gone
        found: dict[str, Any] = json.loads(plain)
        return found

    def erase(self, subject: str) -> bool:
        """Destroy the subject's key and lookup; True if there was a key to destroy."""
        if self._key(subject) is None:
            return False
        self._run(
            f"UPDATE {self.table} SET key = NULL, lookup = NULL, erased_at = ? WHERE subject = ?",
            _now(),
            subject,
        )
        if self.postgres:
            # The old row version holds the key until vacuumed: vacuum now, outside a
            # transaction, so the key is gone from the heap too.
            with self.datastore.get_connection() as conn:
                conn.autocommit = True
                conn.execute(f"VACUUM {self.table}")
                conn.autocommit = False
        return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
