"""The library's persistence factories, with the schema checked instead of created on start.

``PERSISTENCE_MODULE`` names one of these (``persistence/settings.py``), and the library's own
``CREATE_TABLE`` is off: opening a ledger runs no DDL. It reads the schema version and refuses
another one (:class:`SchemaMismatch`), or, where ``SCHEMA_AUTO_MIGRATE`` is on (an embedded
SQLite store, ``parledger init``, tests), migrates under the migrators' lock first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, strtobool

import persistence.sqlitelock as sqlitelock
from persistence.connections import BoundedPostgresDatastore
from persistence.migrations.runner import Migrated, check, migrate_store

AUTO_MIGRATE = "SCHEMA_AUTO_MIGRATE"


def bounded_waits(datastore: Any, env: Environment) -> None:
    """Every wait on the server bounded: reaching it (libpq ``connect_timeout``), a statement
    (``statement_timeout``), and a server that vanished without closing its sockets (TCP
    keepalives and ``tcp_user_timeout``): a request then fails within seconds, and answers
    503, instead of hanging for the whole outage."""
    statement_ms = int(env.get("PG_STATEMENT_TIMEOUT") or "30") * 1000
    datastore.pool.kwargs.update(
        connect_timeout=int(env.get("PG_CONNECT_TIMEOUT") or "3"),
        options=f"-c statement_timeout={statement_ms}",
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=2,
        tcp_user_timeout=5000,
    )


def _auto(env: Environment) -> bool:
    return bool(strtobool(env.get(AUTO_MIGRATE) or "no"))


def _ready(datastore: Any, backend: str, recorder: Any, env: Environment) -> None:
    if _auto(env):
        migrate_store(datastore, backend, recorder.events_table_name)
    else:
        check(datastore, backend)


class SQLiteFactory(sqlitelock.Factory):
    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        _ready(self.datastore, "sqlite", recorder, self.env)
        return recorder


class LedgerPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment | Any):
        super().__init__(env)
        bounded_waits(self.datastore, self.env)
        self.datastore = BoundedPostgresDatastore.adopt(self.datastore)

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        _ready(self.datastore, "postgres", recorder, self.env)
        return recorder


def open_datastore(database: Any) -> tuple[Any, Callable[[], None]]:
    """A datastore for the store ``database`` names, and how to close it."""
    env = Environment("parledger", database.env)
    factory: Any = (
        LedgerPostgresFactory(env) if database.backend == "postgres" else SQLiteFactory(env)
    )
    return factory.datastore, factory.close


def migrate(database: Any) -> Migrated:
    """Migrate the store a :class:`persistence.settings.Database` names (``db migrate``)."""
    datastore, close = open_datastore(database)
    try:
        return migrate_store(datastore, database.backend)
    finally:
        close()
