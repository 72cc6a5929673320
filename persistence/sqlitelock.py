"""SQLite transactions that wait their turn to write (``PERSISTENCE_MODULE`` for SQLite stores).

The library opens every transaction with a plain ``BEGIN``: the write lock is asked for only at
the first write, after the transaction has read. In WAL mode a transaction whose snapshot is
older than the last commit cannot be upgraded, so SQLite answers "database is locked" at once,
without the busy timeout: a CLI write beside a serving process failed after a second or two
instead of waiting the configured 30. Here a transaction that will commit starts with
``BEGIN IMMEDIATE``: it waits (up to the busy timeout) for the write lock before it reads, and
then cannot be refused. If the timeout still expires, :class:`StoreBusy` says so in Vietnamese:
nothing was written, and the same command can be sent again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import eventsourcing.sqlite as library
from eventsourcing.persistence import OperationalError
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTransaction,
)
from eventsourcing.utils import Environment, EnvType

from domain.errors import StoreBusy


def _is_busy(error: BaseException) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


def busy(seconds: float | None) -> StoreBusy:
    return StoreBusy(
        f"cơ sở dữ liệu đang bận: một tiến trình khác giữ quyền ghi quá {seconds or 5:g} giây; "
        "chưa ghi gì, hãy thử lại sau ít giây"
    )


class ImmediateTransaction(SQLiteTransaction):
    """``BEGIN IMMEDIATE`` for a transaction that will commit; plain ``BEGIN`` to read."""

    def __init__(self, connection: SQLiteConnection, *, commit: bool, seconds: float | None):
        super().__init__(connection, commit=commit)
        self.seconds = seconds

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if self.commit else "BEGIN")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise busy(self.seconds) from error
            raise OperationalError(error) from error
        return cursor

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc_val, exc_tb)
        except OperationalError as error:
            if _is_busy(error):
                raise busy(self.seconds) from error
            raise


class ImmediateConnection(SQLiteConnection):
    def __init__(
        self, sqlite_conn: sqlite3.Connection, max_age: float | None, seconds: float | None
    ):
        super().__init__(sqlite_conn, max_age)
        self.seconds = seconds

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        with ImmediateTransaction(self, commit=commit, seconds=self.seconds) as curs, curs:
            yield curs


class ImmediatePool(SQLiteConnectionPool):
    def __init__(self, *, db_name: str, lock_timeout: int | None, synchronous: str) -> None:
        super().__init__(db_name=db_name, lock_timeout=lock_timeout)
        self.synchronous = synchronous

    def _create_connection(self) -> SQLiteConnection:
        made = super()._create_connection()
        # A per-connection setting (``?synchronous=``, persistence/settings.py); FULL is
        # SQLite's own default, so only NORMAL needs saying.
        if self.synchronous != "FULL":
            made._sqlite_conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return ImmediateConnection(made._sqlite_conn, self.max_age, self.lock_timeout)


class ImmediateDatastore(SQLiteDatastore):
    def __init__(self, made: SQLiteDatastore, synchronous: str = "FULL") -> None:
        super().__init__(
            made.pool.db_name,
            lock_timeout=made.pool.lock_timeout,
            single_row_tracking=made.single_row_tracking,
            originator_id_type=made.originator_id_type,
        )
        pool = self.pool
        self.pool = ImmediatePool(
            db_name=pool.db_name, lock_timeout=pool.lock_timeout, synchronous=synchronous
        )
        pool.close()


class Factory(library.SQLiteFactory):
    """The library's SQLite factory, with :class:`ImmediateDatastore`."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        made = self.datastore
        self.datastore = ImmediateDatastore(made, self.env.get("SQLITE_SYNCHRONOUS") or "FULL")
        made.close()
