"""Fixtures: the application on each real backend.

PostgreSQL tests use ``PARLEDGER_TEST_POSTGRES_URL`` (default: the local server at
127.0.0.1:5432, database ``test``). Each test gets a schema of its own, dropped afterwards.
Where the server cannot be reached the PostgreSQL tests skip — unless ``CI`` or
``PARLEDGER_REQUIRE_POSTGRES`` is set, where they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import uuid4

import psycopg
import pytest

import tests.hypothesis_profiles  # noqa: F401  (registers and loads the profile)
from domain.values import VN_TZ, Actor, Role, Source
from ledger.application import ParLedger
from ledger.context import CommandContext
from persistence.migrations import migrate
from persistence.settings import parse_database_url

POSTGRES_URL = os.environ.get(
    "PARLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = bool(os.environ.get("CI") or os.environ.get("PARLEDGER_REQUIRE_POSTGRES"))


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session", autouse=True)
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ledger's signing key lives in a temporary folder, never in the checkout."""
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    previous = os.environ.get("PARLEDGER_SIGNING_KEY")
    os.environ["PARLEDGER_SIGNING_KEY"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("PARLEDGER_SIGNING_KEY", None)
    else:
        os.environ["PARLEDGER_SIGNING_KEY"] = previous


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not postgres_available():
        message = f"PostgreSQL not reachable at {POSTGRES_URL}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    schema = f"t_{uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{postgres_url}?schema={schema}"
    migrate(parse_database_url(url))  # what `parledger db migrate` does before a service starts
    try:
        yield url
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return str(request.getfixturevalue("postgres_schema"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request.param, tmp_path, request)


@pytest.fixture
def app(db_url: str) -> Iterator[ParLedger]:
    ledger = ParLedger(parse_database_url(db_url))
    try:
        yield ledger
    finally:
        ledger.close()


ADMIN = Actor(id="os:tester", name="tester", role=Role.ADMIN)


def ctx(
    actor: Actor = ADMIN,
    *,
    effective: datetime | None = None,
    reason: str | None = None,
    key: str | None = None,
    version: int | None = None,
) -> CommandContext:
    return CommandContext(
        actor=actor,
        source=Source.CLI,
        effective_at=effective,
        reason=reason,
        idempotency_key=key,
        expected_version=version,
    )


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN_TZ)


def fresh_postgres_schemas(base: str, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A maker of fresh schemas (one per hypothesis example), all dropped after the test."""
    created: list[str] = []

    def fresh_url() -> str:
        schema = f"h_{len(created)}_{uuid4().hex[:12]}"  # unique across concurrent runs
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        created.append(schema)
        migrate(parse_database_url(f"{base}?schema={schema}"))
        return f"{base}?schema={schema}"

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in created:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    request.addfinalizer(drop)
    return fresh_url


@contextmanager
def fresh_database_urls(
    backend: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[], str]]:
    """A maker of empty stores on ``backend``, one per hypothesis example: SQLite files in a
    temporary directory, or PostgreSQL schemas; all removed afterwards."""
    if backend == "postgres":
        yield fresh_postgres_schemas(request.getfixturevalue("postgres_url"), request)
        return
    with TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        yield lambda: f"sqlite:///{Path(tmp) / f'ledger-{next(counter)}.sqlite3'}"


def run_machine(machine: type[Any], backend: str, request: pytest.FixtureRequest) -> None:
    """Run a hypothesis state machine whose ``url`` class attribute names its store, with a
    fresh store on ``backend`` for every example."""
    with fresh_database_urls(backend, request) as fresh_url:

        class Machine(machine):  # type: ignore[misc]
            def __init__(self) -> None:
                type(self).url = fresh_url()
                super().__init__()

        Machine.TestCase().runTest()
