"""Passwords and sign-in sessions: mutable tables beside the ledger, never in its events.

A password hash, a failed-attempt counter or a session is a secret or a passing state, not a
fact of the record: keeping it in the append-only log would make a hash permanent and let
anyone with the log guess passwords offline. So these live in two ordinary tables in the
ledger's own database (SQLite or PostgreSQL), like the person keys of ``vault.py``; the ledger
records *that* a password was set, changed or reset, by whom, and that a sign-in was locked
out (``domain/user.py``), never the hash.

Hashes are argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended profile);
a session id is 32 random bytes whose SHA-256 alone is stored, so a copy of the table signs
nobody in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CREDENTIALS_TABLE = "parledger_credentials"
SESSIONS_TABLE = "parledger_sessions"
SESSION_HOURS = 8
MAX_FAILURES = 5  # consecutive failed sign-ins before the account is locked
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong
    password and the timing does not tell which names exist. Made on first use: hashing takes
    the hasher's 64 MiB, which every process importing this module (a rebuild's workers, the
    command line) would otherwise carry as its peak memory."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Session:
    name: str  # the user's name
    csrf: str  # the form token of this session
    expires_at: datetime


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in attempt."""

    ok: bool
    locked_until: datetime | None = None  # set when the account is (now or still) locked
    just_locked: bool = False  # this attempt locked it: record the event once


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Credentials:
    """Password hashes, lockouts, remembered choices and sessions of the pages' users."""

    def __init__(self, datastore: Any, backend: str, *, create: bool = True) -> None:
        self.datastore = datastore
        self.postgres = backend == "postgres"
        self.mark = "%s" if self.postgres else "?"
        prefix = f'"{datastore.schema}".' if self.postgres else ""
        self.users, self.sessions = prefix + CREDENTIALS_TABLE, prefix + SESSIONS_TABLE
        if create:
            self._run(
                f"CREATE TABLE IF NOT EXISTS {self.users} (name text PRIMARY KEY, "
                "hash text, failures integer NOT NULL DEFAULT 0, locked_until text, "
                "plan text, updated_at text NOT NULL)"
            )
            self._run(
                f"CREATE TABLE IF NOT EXISTS {self.sessions} (id_sha256 text PRIMARY KEY, "
                "name text NOT NULL, csrf text NOT NULL, created_at text NOT NULL, "
                "expires_at text NOT NULL)"
            )

    def _run(self, sql: str, *params: Any) -> list[Any]:
        reads = sql.lstrip().upper().startswith("SELECT")
        with self.datastore.transaction(commit=not reads) as cursor:
            cursor.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if reads else []

    def _row(self, name: str) -> Any:
        rows = self._run(f"SELECT * FROM {self.users} WHERE name = ?", name)
        return rows[0] if rows else None

    def _upsert(self, name: str, column: str, value: Any) -> None:
        self._run(
            f"INSERT INTO {self.users} (name, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (name) DO UPDATE SET {column} = excluded.{column}, "
            "updated_at = excluded.updated_at",
            name,
            value,
            _now().isoformat(),
        )

    # -- passwords ---------------------------------------------------------------------------

    def set_password(self, name: str, password: str) -> None:
        """Store the argon2id hash of a new password; unlocks, and ends every session."""
        self._upsert(name, "hash", _hasher.hash(password))
        self._run(f"UPDATE {self.users} SET failures = 0, locked_until = NULL WHERE name = ?", name)
        self.end_all(name)

    def has_password(self, name: str) -> bool:
        row = self._row(name)
        return row is not None and row["hash"] is not None

    def verify(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s, without counting the attempt."""
        row = self._row(name)
        stored = row["hash"] if row is not None and row["hash"] else None
        try:
            return _hasher.verify(stored or _dummy(), password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def attempt(self, name: str, password: str) -> Attempt:
        """A sign-in attempt: locked accounts are refused without checking the password;
        the :data:`MAX_FAILURES`-th consecutive failure locks the account for :data:`LOCKOUT`."""
        row = self._row(name)
        now = _now()
        stamp = row["locked_until"] if row is not None else None
        locked = datetime.fromisoformat(stamp) if stamp else None
        if locked is not None and locked > now:
            return Attempt(ok=False, locked_until=locked)
        if self.verify(name, password):
            self._run(
                f"UPDATE {self.users} SET failures = 0, locked_until = NULL WHERE name = ?", name
            )
            return Attempt(ok=True)
        if row is None:
            return Attempt(ok=False)  # an unknown name: nothing to count or lock
        failures = (0 if locked is not None else int(row["failures"])) + 1
        until = now + LOCKOUT if failures >= MAX_FAILURES else None
        self._run(
            f"UPDATE {self.users} SET failures = ?, locked_until = ? WHERE name = ?",
            0 if until else failures,
            until.isoformat() if until else None,
            name,
        )
        return Attempt(ok=False, locked_until=until, just_locked=until is not None)

    # -- remembered choices ------------------------------------------------------------------

    def remember_plan(self, name: str, plan: str) -> None:
        self._upsert(name, "plan", plan)

    def plan(self, name: str) -> str | None:
        row = self._row(name)
        return str(row["plan"]) if row is not None and row["plan"] else None

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, name: str) -> tuple[str, Session]:
        """A new session: the token for the cookie (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        session = Session(
            name=name,
            csrf=secrets.token_urlsafe(32),
            expires_at=_now() + timedelta(hours=SESSION_HOURS),
        )
        self._run(
            f"INSERT INTO {self.sessions} (id_sha256, name, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            _digest(token),
            name,
            session.csrf,
            _now().isoformat(),
            session.expires_at.isoformat(),
        )
        return token, session

    def session(self, token: str) -> Session | None:
        rows = self._run(f"SELECT * FROM {self.sessions} WHERE id_sha256 = ?", _digest(token))
        if not rows:
            return None
        expires = datetime.fromisoformat(rows[0]["expires_at"])
        if expires <= _now():
            self.end(token)
            return None
        return Session(name=rows[0]["name"], csrf=rows[0]["csrf"], expires_at=expires)

    def end(self, token: str) -> None:
        self._run(f"DELETE FROM {self.sessions} WHERE id_sha256 = ?", _digest(token))

    def end_all(self, name: str) -> None:
        """Sign a user out everywhere (password set, role changed, revoked)."""
        self._run(f"DELETE FROM {self.sessions} WHERE name = ?", name)
