"""Scratch stores for the benchmarks: a SQLite file in a temporary folder, or fresh PostgreSQL
schemas dropped afterwards, so that every run starts empty and leaves nothing behind."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg

from persistence.migrations import migrate
from persistence.settings import parse_database_url

POSTGRES_URL = os.environ.get(
    "PARLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def backend_arguments(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--postgres-url``, for a benchmark that runs on either backend."""
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)


def postgres_reachable(url: str) -> bool:
    """Whether the server answers; if not, says that the PostgreSQL half is skipped."""
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL: skipped, server unreachable ({error})")
        return False


def growth_arguments(
    doc: str,
    sizes: str,
    queries: int,
    more: Callable[[argparse.ArgumentParser], object] | None = None,
) -> tuple[argparse.Namespace, list[int]]:
    """The command line of a benchmark that grows one store through ``--sizes`` events and
    asks ``--queries`` at each size, on either backend (and whatever ``more`` adds); with the
    sizes as numbers."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--sizes", default=sizes)
    backend_arguments(parser)
    parser.add_argument("--queries", type=int, default=queries)
    if more is not None:
        more(parser)
    args = parser.parse_args()
    return args, [int(s) for s in args.sizes.split(",")]


@contextmanager
def postgres_schemas(url: str, count: int = 1, *, migrated: bool = True) -> Iterator[list[str]]:
    """``count`` fresh schemas on ``url`` (migrated, unless told not to), dropped on the way
    out; yields their names."""
    schemas = [f"bench_{uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        for schema in schemas if migrated else ():
            migrate(parse_database_url(f"{url}?schema={schema}"))
        yield schemas
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def scratch_store(backend: str, postgres_url: str) -> Iterator[str]:
    """The database URL of an empty store on ``backend``, gone afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    else:
        with postgres_schemas(postgres_url) as (schema,):
            yield f"{postgres_url}?schema={schema}"
