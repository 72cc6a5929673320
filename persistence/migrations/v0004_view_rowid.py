"""Version 4: SQLite keeps the views' documents in rowid tables, keyed by a unique index.

The documents (hundreds of bytes to several kilobytes each) were kept in ``WITHOUT ROWID``
tables, which hold each row whole in the primary key's B-tree: SQLite advises them for rows
under about a twentieth of a page, and with rows this size every insert moved much of the tree.
Writing the documents of a 1M-event ledger took about three times as long as into a rowid table
with a unique index on (kind, key) (2.7 against 0.95 s, measured with the sqlite3 shell on the
same 176,000 documents in random order). The documents are copied as they are; the shadow table,
which holds only a rebuild in progress, is made again empty (a rebuild clears it first anyway).
PostgreSQL's tables are heap tables already: nothing to do there.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from persistence.viewbase import DOCS_TABLE, SHADOW_TABLE
from persistence.viewstore import SQLITE_DOCS, SQLITE_PLAN_INDEX

NAME = "views: SQLite documents in rowid tables with a unique (kind, key) index"


def _without_rowid(c: SQLiteCursor, table: str) -> bool:
    c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    row = c.fetchone()
    return row is not None and "WITHOUT ROWID" in str(row[0]).upper()


def sqlite(datastore: SQLiteDatastore, c: SQLiteCursor, events_table: str) -> None:
    if _without_rowid(c, DOCS_TABLE):
        moved = f"{DOCS_TABLE}_v4"
        c.execute(SQLITE_DOCS.format(table=moved))
        columns = "kind, key, doc, plan"
        c.execute(f"INSERT INTO {moved} ({columns}) SELECT {columns} FROM {DOCS_TABLE}")
        c.execute(f"DROP TABLE {DOCS_TABLE}")
        c.execute(f"ALTER TABLE {moved} RENAME TO {DOCS_TABLE}")
        c.execute(SQLITE_PLAN_INDEX)
    if _without_rowid(c, SHADOW_TABLE):
        c.execute(f"DROP TABLE {SHADOW_TABLE}")
        c.execute(SQLITE_DOCS.format(table=SHADOW_TABLE))


def postgres(datastore: PostgresDatastore, events_table: str) -> None:
    return None
