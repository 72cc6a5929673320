"""The live views' tables on each backend (SQLite, PostgreSQL); what they promise, and why a
rebuild never disturbs a reader, is in ``persistence.viewbase``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from persistence.records import PG_TRACKING_TABLE
from persistence.viewbase import (
    CHECKPOINTS_TABLE,
    DOCS_TABLE,
    GENERATION,
    SHADOW_TABLE,
    STANDING,
    LedgerView,
    Row,
    StaleGeneration,
    dumps_doc,
    plan_of,
)

__all__ = [
    "CHECKPOINTS_TABLE",
    "DOCS_TABLE",
    "LedgerView",
    "PostgresLedgerView",
    "Row",
    "SQLiteLedgerView",
    "StaleGeneration",
]

UPSERT_ROWS = 5_000  # documents a PostgreSQL save writes per statement
# A rowid table with a unique index (migration 4 says why not WITHOUT ROWID).
SQLITE_DOCS = (
    "CREATE TABLE IF NOT EXISTS {table} (kind TEXT NOT NULL, key TEXT NOT NULL, "
    "doc TEXT NOT NULL, plan TEXT, UNIQUE (kind, key))"
)
SQLITE_PLAN_INDEX = f"CREATE INDEX IF NOT EXISTS {DOCS_TABLE}_plan ON {DOCS_TABLE} (plan)"


class SQLiteLedgerView(SQLiteTrackingRecorder, LedgerView):
    def __init__(self, datastore: SQLiteDatastore, docs_table: str = DOCS_TABLE, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.docs_table = docs_table

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            SQLITE_DOCS.format(table=DOCS_TABLE),
            SQLITE_PLAN_INDEX,
            SQLITE_DOCS.format(table=SHADOW_TABLE),
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} (plan TEXT NOT NULL, "
            "valid_to TEXT NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL, "
            "PRIMARY KEY (plan, valid_to, position))",
        ]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            self.create_tables_in(c)

    def create_tables_in(self, c: SQLiteCursor) -> None:
        """Schema version 1 of the view tables, in the caller's transaction
        (``persistence/migrations``), with the library's tracking-table upgrade."""
        c.execute(f"PRAGMA table_info({DOCS_TABLE})")
        present = {row["name"] for row in c.fetchall()}
        if present and "plan" not in present:  # a store from before the plan column
            c.execute(f"DROP TABLE {DOCS_TABLE}")
            c.execute("DELETE FROM tracking")  # the view is rebuilt on the next catch-up
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tracking'")
        if c.fetchone() is not None:
            self.tracking_table_exists = True
            self.tracking_migration_current = self.tracking_migration_previous = (
                self._max_tracking_id(self.table_migration_identifier, c)
            )
        self._create_table(c)

    def save(
        self, rows: Sequence[Row], tracking: Tracking | None, generation: int | None = None
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            if generation is not None and self._generation(c) != generation:
                raise StaleGeneration(f"view generation {generation} was replaced")
            c.executemany(
                f"INSERT INTO {self.docs_table} VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc, plan = excluded.plan",
                # Written as consumed: a save of many documents never holds all their text.
                ((kind, key, dumps_doc(doc), plan_of(doc)) for kind, key, doc in rows),
            )
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def load(self, keys: Sequence[tuple[str, str]] | None = None) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            if keys is None:
                c.execute(f"SELECT kind, key, doc FROM {self.docs_table}")
                found = c.fetchall()
            else:
                found = []
                for kind, key in keys:
                    c.execute(
                        f"SELECT kind, key, doc FROM {self.docs_table} WHERE kind=? AND key=?",
                        (kind, key),
                    )
                    found += c.fetchall()
        return [(r["kind"], r["key"], json.loads(r["doc"])) for r in found]

    def fields_of(self, kind: str, names: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        # With two paths or more, json_extract answers one JSON array of the values, nested
        # ones as JSON (with one it would answer a bare SQL value): the paths go as
        # parameters, quoted, whatever a name holds.
        paths = [f'$."{name}"' for name in names]
        paths += paths[-1:] if len(paths) == 1 else []
        marks = ", ".join("?" for _ in paths)
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT key, json_extract(doc, {marks}) FROM {self.docs_table} WHERE kind = ?",
                (*paths, kind),
            )
            found = c.fetchall()
        return [(r[0], dict(zip(names, json.loads(r[1]), strict=False))) for r in found]

    def load_plan(self, plan: str) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT kind, key, doc FROM {self.docs_table} WHERE plan = ? OR plan IS NULL",
                (plan,),
            )
            return [(r["kind"], r["key"], json.loads(r["doc"])) for r in c.fetchall()]

    def _generation(self, c: SQLiteCursor) -> int:
        return self._max_tracking_id(GENERATION, c) or 0

    def generation(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            return self._generation(c)

    def standing(self, application_name: str) -> tuple[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(STANDING.format(tracking="tracking", p="?"), (application_name, GENERATION))
            position, generation = c.fetchone()
        return position or 0, generation or 0

    def shadow(self) -> SQLiteLedgerView:
        return SQLiteLedgerView(self.datastore, docs_table=SHADOW_TABLE)

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.docs_table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (application_name,))

    def promote(self, shadow_name: str, application_name: str) -> bool:
        # A writing transaction: BEGIN IMMEDIATE (persistence.sqlite) holds the write lock
        # from the first statement, so no live save can slip in between check and swap.
        with self.datastore.transaction(commit=True) as c:
            shadow_at = self._max_tracking_id(shadow_name, c) or 0
            if shadow_at < (self._max_tracking_id(application_name, c) or 0):
                return False
            # The shadow becomes the live table by name: a rename, not a copy of every
            # document (which took as long as a sixth of the rebuild). Readers in a read
            # transaction go on with the old table until they end it (WAL).
            c.execute(f"DROP TABLE {DOCS_TABLE}")
            c.execute(f"ALTER TABLE {SHADOW_TABLE} RENAME TO {DOCS_TABLE}")
            c.execute(SQLITE_PLAN_INDEX)
            c.execute(SQLITE_DOCS.format(table=SHADOW_TABLE))
            c.execute(f"DELETE FROM {CHECKPOINTS_TABLE}")
            c.execute(
                "DELETE FROM tracking WHERE application_name IN (?, ?)",
                (shadow_name, application_name),
            )
            if shadow_at:
                self._insert_tracking(c, Tracking(application_name, shadow_at))
            self._insert_tracking(c, Tracking(GENERATION, self._generation(c) + 1))
        return True

    def snapshot(self, application_name: str) -> tuple[int, list[Row]]:
        # One read transaction: in WAL mode it sees one state of the file throughout.
        with self.datastore.transaction(commit=False) as c:
            position = self._max_tracking_id(application_name, c) or 0
            c.execute(f"SELECT kind, key, doc FROM {self.docs_table}")
            rows = [(r["kind"], r["key"], json.loads(r["doc"])) for r in c.fetchall()]
        return position, rows

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.docs_table}")
            c.execute(f"DELETE FROM {CHECKPOINTS_TABLE}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (application_name,))

    def put_checkpoint(self, plan: str, valid_to: str, position: int, state: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT OR REPLACE INTO {CHECKPOINTS_TABLE} VALUES (?, ?, ?, ?)",
                (plan, valid_to, position, state),
            )

    def find_checkpoint(
        self, plan: str, valid_to_le: str, position_le: int
    ) -> tuple[str, int, str] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT valid_to, position, state FROM {CHECKPOINTS_TABLE} "
                "WHERE plan=? AND valid_to<=? AND position<=? "
                "ORDER BY valid_to DESC, position DESC LIMIT 1",
                (plan, valid_to_le, position_le),
            )
            row = c.fetchone()
        return None if row is None else (row["valid_to"], row["position"], row["state"])

    def checkpoints(self) -> list[tuple[str, str, int]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT plan, valid_to, position FROM {CHECKPOINTS_TABLE} ORDER BY 1, 2, 3")
            return [(r["plan"], r["valid_to"], r["position"]) for r in c.fetchall()]


class PostgresLedgerView(PostgresTrackingRecorder, LedgerView):
    def __init__(self, datastore: PostgresDatastore, docs_table: str = DOCS_TABLE, **kwargs: Any):
        super().__init__(datastore, tracking_table_name=PG_TRACKING_TABLE, **kwargs)
        self.docs_table = docs_table
        self.names = {
            "schema": Identifier(self.datastore.schema),
            "docs": Identifier(docs_table),
            "live": Identifier(DOCS_TABLE),
            "shadow": Identifier(SHADOW_TABLE),
            "docs_plan": Identifier(f"{DOCS_TABLE}_plan"),
            "checkpoints": Identifier(CHECKPOINTS_TABLE),
            "tracking": Identifier(self.tracking_table_name),
        }
        self.upsert = SQL(
            "INSERT INTO {schema}.{docs} (kind, key, doc, plan) "
            "SELECT r->>0, r->>1, r->2, r->>3 FROM jsonb_array_elements(%s::jsonb) AS r "
            "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc, plan = excluded.plan"
        ).format(**self.names)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{live} (kind text NOT NULL, "
                "key text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (kind, key))"
            ).format(**self.names),
            SQL("ALTER TABLE {schema}.{live} ADD COLUMN IF NOT EXISTS plan text").format(
                **self.names
            ),
            SQL("CREATE INDEX IF NOT EXISTS {docs_plan} ON {schema}.{live} (plan)").format(
                **self.names
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{shadow} (kind text NOT NULL, "
                "key text NOT NULL, doc jsonb NOT NULL, plan text, PRIMARY KEY (kind, key))"
            ).format(**self.names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} (plan text NOT NULL, "
                "valid_to text NOT NULL, position bigint NOT NULL, state text NOT NULL, "
                "PRIMARY KEY (plan, valid_to, position))"
            ).format(**self.names),
        ]

    def save(
        self, rows: Sequence[Row], tracking: Tracking | None, generation: int | None = None
    ) -> None:
        # A statement per UPSERT_ROWS documents rather than per document: one parameter, a
        # JSON array of (kind, key, document, plan) written by orjson (each document the text
        # dumps_doc gives) and unpacked server-side. Half the client time of a statement per
        # row, a third of unnesting text arrays (psycopg escapes each element); chunked so a
        # save of many documents never holds all their text. A key given twice keeps its
        # last document, as successive upserts would.
        unique = list({(kind, key): doc for kind, key, doc in rows}.items())
        with self.datastore.transaction(commit=True) as curs:
            # Writing first: a promotion in progress holds the table in EXCLUSIVE mode, so
            # this waits for it, and the generation read next sees its outcome.
            for start in range(0, len(unique), UPSERT_ROWS):
                payload = orjson.dumps(
                    [
                        [kind, key, orjson.Fragment(dumps_doc(doc)), plan_of(doc)]
                        for (kind, key), doc in unique[start : start + UPSERT_ROWS]
                    ]
                )
                curs.execute(self.upsert, (payload.decode(),))
            if generation is not None and self._generation(curs) != generation:
                raise StaleGeneration(f"view generation {generation} was replaced")
            if tracking is not None:
                self._insert_tracking(curs, tracking)

    def load(self, keys: Sequence[tuple[str, str]] | None = None) -> list[Row]:
        # Plain reads on an autocommit connection, prepared once per connection (a statement
        # prepared inside a transaction that is then rolled back is lost and prepared again).
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if keys is None:
                curs.execute(SQL("SELECT kind, key, doc FROM {schema}.{docs}").format(**self.names))
            else:
                curs.execute(
                    SQL(
                        "SELECT kind, key, doc FROM {schema}.{docs} "
                        "WHERE (kind, key) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
                    ).format(**self.names),
                    ([k for k, _ in keys], [key for _, key in keys]),
                    prepare=True,
                )
            return [(r["kind"], r["key"], r["doc"]) for r in curs.fetchall()]

    def fields_of(self, kind: str, names: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        columns = SQL(", ").join(
            SQL("doc -> %s AS {}").format(Identifier(f"f{n}")) for n in range(len(names))
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT key, {columns} FROM {schema}.{docs} WHERE kind = %s").format(
                    columns=columns, **self.names
                ),
                (*names, kind),
            )
            found = curs.fetchall()
        return [(r["key"], {name: r[f"f{n}"] for n, name in enumerate(names)}) for r in found]

    def load_plan(self, plan: str) -> list[Row]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT kind, key, doc FROM {schema}.{docs} WHERE plan = %s OR plan IS NULL"
                ).format(**self.names),
                (plan,),
                prepare=True,
            )
            return [(r["kind"], r["key"], r["doc"]) for r in curs.fetchall()]

    def _generation(self, curs: Cursor[DictRow]) -> int:
        return self._max_tracking_id(GENERATION, curs) or 0

    def generation(self) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._generation(curs)

    def standing(self, application_name: str) -> tuple[int, int]:
        tracking = "{schema}.{tracking}"
        statement = SQL(STANDING.format(tracking=tracking, p="%s")).format(**self.names)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, (application_name, GENERATION), prepare=True)
            row = curs.fetchone()
        assert row is not None
        return row[0] or 0, row[1] or 0

    def shadow(self) -> PostgresLedgerView:
        return PostgresLedgerView(self.datastore, docs_table=SHADOW_TABLE)

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {schema}.{docs}").format(**self.names))
            curs.execute(
                SQL("DELETE FROM {schema}.{tracking} WHERE application_name = %s").format(
                    **self.names
                ),
                (application_name,),
            )

    def promote(self, shadow_name: str, application_name: str) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            # EXCLUSIVE: live saves wait, plain reads (ACCESS SHARE) go on with the old rows.
            curs.execute(SQL("LOCK TABLE {schema}.{live} IN EXCLUSIVE MODE").format(**self.names))
            shadow_at = self._max_tracking_id(shadow_name, curs) or 0
            if shadow_at < (self._max_tracking_id(application_name, curs) or 0):
                return False
            for statement in (
                "DELETE FROM {schema}.{live}",
                "INSERT INTO {schema}.{live} (kind, key, doc, plan) "
                "SELECT kind, key, doc, plan FROM {schema}.{shadow}",
                "DELETE FROM {schema}.{shadow}",
                "DELETE FROM {schema}.{checkpoints}",
            ):
                curs.execute(SQL(statement).format(**self.names))
            curs.execute(
                SQL("DELETE FROM {schema}.{tracking} WHERE application_name IN (%s, %s)").format(
                    **self.names
                ),
                (shadow_name, application_name),
            )
            if shadow_at:
                self._insert_tracking(curs, Tracking(application_name, shadow_at))
            self._insert_tracking(curs, Tracking(GENERATION, self._generation(curs) + 1))
        return True

    def snapshot(self, application_name: str) -> tuple[int, list[Row]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            position = self._max_tracking_id(application_name, curs) or 0
            curs.execute(SQL("SELECT kind, key, doc FROM {schema}.{docs}").format(**self.names))
            rows = [(r["kind"], r["key"], r["doc"]) for r in curs.fetchall()]
        return position, rows

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {schema}.{docs}").format(**self.names))
            curs.execute(SQL("DELETE FROM {schema}.{checkpoints}").format(**self.names))
            curs.execute(
                SQL("DELETE FROM {schema}.{tracking} WHERE application_name = %s").format(
                    **self.names
                ),
                (application_name,),
            )

    def put_checkpoint(self, plan: str, valid_to: str, position: int, state: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {schema}.{checkpoints} VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (plan, valid_to, position) DO UPDATE SET state = excluded.state"
                ).format(**self.names),
                (plan, valid_to, position, state),
            )

    def find_checkpoint(
        self, plan: str, valid_to_le: str, position_le: int
    ) -> tuple[str, int, str] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT valid_to, position, state FROM {schema}.{checkpoints} "
                    "WHERE plan = %s AND valid_to <= %s AND position <= %s "
                    "ORDER BY valid_to DESC, position DESC LIMIT 1"
                ).format(**self.names),
                (plan, valid_to_le, position_le),
                prepare=True,
            )
            row = curs.fetchone()
        return None if row is None else (row["valid_to"], row["position"], row["state"])

    def checkpoints(self) -> list[tuple[str, str, int]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT plan, valid_to, position FROM {schema}.{checkpoints} ORDER BY 1, 2, 3"
                ).format(**self.names)
            )
            return [(r["plan"], r["valid_to"], r["position"]) for r in curs.fetchall()]


def view_class(backend: str) -> type[SQLiteLedgerView] | type[PostgresLedgerView]:
    """The live view's tables on ``backend`` (the embedded memory store keeps SQLite's)."""
    return PostgresLedgerView if backend == "postgres" else SQLiteLedgerView
