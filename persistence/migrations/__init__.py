"""Versioned schema migrations: one module per version, each for SQLite and PostgreSQL.

A store records the versions applied in ``parledger_schema_version``. ``migrate`` brings a store
to :data:`CURRENT` under a lock only one migrator holds at a time (PostgreSQL: a session
advisory lock keyed by the schema; SQLite: one ``BEGIN IMMEDIATE`` transaction), so any number of
processes may run it at once. Services never run DDL on start: they call ``check`` and refuse a
store at another version with a message saying what to do (``persistence/migrations/factories.py``).

A store without the version table is version 0: empty, or written by a release from before
migrations (0.2, 0.3). Version 1 is exactly what those releases created, written with
``IF NOT EXISTS`` and the same upgrade steps they ran on start, so their stores are adopted
unchanged.
"""

from __future__ import annotations

from persistence.migrations.factories import migrate, open_datastore
from persistence.migrations.runner import (
    CURRENT,
    EVENTS_TABLES,
    MIGRATIONS,
    Migrated,
    SchemaMismatch,
    check,
    migrate_store,
    schema_version,
)

__all__ = [
    "CURRENT",
    "EVENTS_TABLES",
    "MIGRATIONS",
    "Migrated",
    "SchemaMismatch",
    "check",
    "migrate",
    "migrate_store",
    "open_datastore",
    "schema_version",
]
