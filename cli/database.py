"""``parledger db migrate`` and ``db version``: the schema, versioned (persistence/migrations).

Both run without opening the ledger (``LEDGER_FREE``): the ledger refuses to open on a store
at another schema version, which is exactly when these are needed.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from cli.common import EXIT_OK, Add, emit
from cli.consistency import LEDGER_FREE
from ledger.application import ParLedger
from persistence.migrations import CURRENT, migrate, open_datastore, schema_version
from persistence.settings import database_from_env, parse_database_url


def cmd_db_migrate(_: None, args: argparse.Namespace) -> int:
    database = database_from_env()
    done = migrate(database)
    emit(
        args,
        {"database": database.url, "before": done.before, "after": done.after},
        lambda d: (
            f"Lược đồ đã ở phiên bản {d['after']}; không đổi gì."
            if d["before"] == d["after"]
            else f"Đã nâng lược đồ từ phiên bản {d['before']} lên {d['after']}."
        ),
    )
    return EXIT_OK


def cmd_db_version(_: None, args: argparse.Namespace) -> int:
    database = database_from_env()
    datastore, close = open_datastore(database)
    try:
        found = schema_version(datastore, database.backend)
    finally:
        close()
    emit(
        args,
        {"database": database.url, "version": found, "current": CURRENT},
        lambda d: f"Lược đồ ở phiên bản {d['version']}; bản ParLedger này cần {d['current']}.",
    )
    return EXIT_OK


@contextmanager
def ledger_to_check() -> Iterator[ParLedger]:
    """The ledger a ``--check`` compares a file with: the configured one, or, where the
    embedded store has not been created yet, an empty ledger in memory (a check creates
    nothing)."""
    database = database_from_env()
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        database = parse_database_url("memory://")
    app = ParLedger(database)
    try:
        yield app
    finally:
        app.close()


LEDGER_FREE.update({cmd_db_migrate, cmd_db_version})


def register_database(add: Add) -> None:
    p = add(
        "db migrate",
        cmd_db_migrate,
        "tạo hoặc nâng lược đồ cơ sở dữ liệu lên phiên bản hiện tại (chạy đồng thời vẫn an toàn)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add("db version", cmd_db_version, "phiên bản lược đồ của cơ sở dữ liệu")
    p.add_argument("--format", choices=("text", "json"), default="text")
