"""Where the ledger lives: ``PARLEDGER_DATABASE_URL`` turned into the library's environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import uuid4

DEFAULT_DATABASE_URL = "sqlite:///var/parledger.sqlite3"
# Opening a ledger runs no DDL (the library's CREATE_TABLE is off): the factories check the
# schema version, and migrate first only where this is on (persistence/migrations/).
AUTO_MIGRATE = "SCHEMA_AUTO_MIGRATE"
SQLITE_FACTORY = "persistence.migrations.factories:SQLiteFactory"
POSTGRES_FACTORY = "persistence.migrations.factories:LedgerPostgresFactory"


class ConfigurationError(ValueError):
    """The database URL cannot be used."""


@dataclass(frozen=True)
class Database:
    url: str
    backend: str  # "sqlite" | "postgres" | "memory"
    env: dict[str, str]

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.env["SQLITE_DBNAME"]) if self.backend == "sqlite" else None


def database_from_env(environ: dict[str, str] | None = None) -> Database:
    environ = dict(os.environ) if environ is None else environ
    database = parse_database_url(environ.get("PARLEDGER_DATABASE_URL") or DEFAULT_DATABASE_URL)
    auto = environ.get("PARLEDGER_AUTO_MIGRATE") or (
        # A service role that may not run DDL (persistence/roles.py) never migrates.
        "no" if _off(environ.get("PARLEDGER_CREATE_TABLES", "")) else ""
    )
    if auto:
        if auto.lower() not in _FLAGS:
            raise ConfigurationError(
                f"PARLEDGER_AUTO_MIGRATE phải là yes hoặc no, không phải {auto!r}"
            )
        database.env[AUTO_MIGRATE] = "no" if _off(auto) else "yes"
    return database


def read_databases_from_env(environ: dict[str, str] | None = None) -> list[Database]:
    """The read targets ``PARLEDGER_READ_DATABASE_URL`` names (comma-separated; none if unset).
    They are read only, so never migrated: their schema comes from the primary."""
    environ = dict(os.environ) if environ is None else environ
    urls = [u.strip() for u in environ.get("PARLEDGER_READ_DATABASE_URL", "").split(",")]
    databases = [parse_database_url(url) for url in urls if url]
    for database in databases:
        database.env[AUTO_MIGRATE] = "no"
    return databases


_FLAGS = ("yes", "y", "true", "1", "on", "no", "n", "false", "0", "off")


def _off(value: str) -> bool:
    return value.lower() in ("no", "n", "false", "0", "off")


def _seconds(query: dict[str, list[str]], name: str, default: str, top: int) -> str:
    value = query.get(name, [default])[0]
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= top:
        raise ConfigurationError(
            f"PARLEDGER_DATABASE_URL: {name} phải là số giây từ 1 đến {top}: {value!r}"
        )
    return value


def _busy_timeout(query: dict[str, list[str]]) -> str:
    """Seconds a write waits for another writer's lock (``?busy_timeout=S``; 30 by default)."""
    return _seconds(query, "busy_timeout", "30", 3600)


# SQLite's durability of a commit (``?synchronous=``): FULL syncs the write-ahead log at every
# commit; NORMAL syncs it only at checkpoints, so a power cut (not a crash of the process) can
# lose the last acknowledged commands, never corrupt the file. FULL unless asked:
# README "Choosing the store" says why.
SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}


def _synchronous(query: dict[str, list[str]]) -> str:
    value = query.get("synchronous", ["full"])[0]
    if value.lower() not in SYNCHRONOUS:
        raise ConfigurationError(
            f"PARLEDGER_DATABASE_URL: synchronous phải là full hoặc normal, không phải {value!r}"
        )
    return SYNCHRONOUS[value.lower()]


def parse_database_url(url: str) -> Database:
    """``sqlite:///PATH``, ``postgresql://user:pw@host:port/db?schema=s`` or ``memory://NAME``."""
    parts = urlsplit(url)
    sqlite_recorder = "persistence.sqlite:LedgerSQLiteRecorder"
    postgres_recorder = "persistence.postgres:LedgerPostgresRecorder"
    if parts.scheme == "sqlite":
        if parts.netloc:
            raise ConfigurationError(
                f"PARLEDGER_DATABASE_URL: sqlite URL takes a path, not a host: {url!r} "
                "(use sqlite:///relative/path or sqlite:////absolute/path)"
            )
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ConfigurationError("PARLEDGER_DATABASE_URL: sqlite URL has no file path")
        query = parse_qs(parts.query)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return Database(
            url=url,
            backend="sqlite",
            env={
                "PERSISTENCE_MODULE": SQLITE_FACTORY,
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": _busy_timeout(query),
                "SQLITE_SYNCHRONOUS": _synchronous(query),
                "APPLICATION_RECORDER_TOPIC": sqlite_recorder,
                "CREATE_TABLE": "no",
                # An embedded store: one file, migrations serialised by its write lock.
                AUTO_MIGRATE: "yes",
            },
        )
    if parts.scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise ConfigurationError("PARLEDGER_DATABASE_URL: postgresql URL names no database")
        query = parse_qs(parts.query)
        env = {
            "PERSISTENCE_MODULE": POSTGRES_FACTORY,
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            # Seconds to wait for a pooled connection; dead ones are noticed before use.
            "POSTGRES_CONNECT_TIMEOUT": _seconds(query, "pool_timeout", "2", 600),
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Seconds to reach the server, and a statement's longest run (factories.py).
            "PG_CONNECT_TIMEOUT": _seconds(query, "connect_timeout", "3", 600),
            "PG_STATEMENT_TIMEOUT": _seconds(query, "statement_timeout", "30", 3600),
            "APPLICATION_RECORDER_TOPIC": postgres_recorder,
            "CREATE_TABLE": "no",
            # A shared server: `parledger db migrate` (or init) migrates; services check.
            AUTO_MIGRATE: "no",
        }
        return Database(url=url, backend="postgres", env=env)
    if parts.scheme == "memory":
        # In-process only: for unit tests, never for data anyone keeps.
        return Database(
            url=url,
            backend="memory",
            env={
                "PERSISTENCE_MODULE": SQLITE_FACTORY,
                "SQLITE_DBNAME": f"file:{parts.netloc or uuid4().hex}?mode=memory&cache=shared",
                "APPLICATION_RECORDER_TOPIC": sqlite_recorder,
                "CREATE_TABLE": "no",
                AUTO_MIGRATE: "yes",
            },
        )
    raise ConfigurationError(
        f"PARLEDGER_DATABASE_URL: unsupported scheme {parts.scheme!r} in {url!r} "
        "(expected sqlite:///PATH or postgresql://…)"
    )
