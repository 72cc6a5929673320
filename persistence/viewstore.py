"""Tables of the live views and checkpoints, beside the events, on the library's tracking recorders.

A view row and the tracking record of the event that produced it are written in one
transaction (the library's tracking-recorder pattern), so an event is applied exactly once and a
restarted projection resumes from the position the tracking table holds.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Identifier

DOCS_TABLE = "parledger_view_docs"
CHECKPOINTS_TABLE = "parledger_checkpoints"

Row = tuple[str, str, dict[str, Any]]  # (kind, key, document)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _plan(doc: dict[str, Any]) -> str | None:
    plan = doc.get("plan")
    return plan if isinstance(plan, str) else None


class LedgerView(TrackingRecorder, ABC):
    """Entity documents of the folded ledger state, and checkpoints of replay."""

    @abstractmethod
    def save(self, rows: Sequence[Row], tracking: Tracking | None) -> None:
        """Upsert documents and record the tracking position, atomically."""

    @abstractmethod
    def load(self, keys: Sequence[tuple[str, str]] | None = None) -> list[Row]:
        """The documents asked for, or all of them."""

    @abstractmethod
    def load_plan(self, plan: str) -> list[Row]:
        """The documents of one plan and of the agency directory (one indexed query)."""

    @abstractmethod
    def reset(self, application_name: str) -> None:
        """Forget every document and the position: the next run rebuilds from scratch."""

    @abstractmethod
    def put_checkpoint(self, plan: str, valid_to: str, position: int, state: str) -> None: ...

    @abstractmethod
    def find_checkpoint(
        self, plan: str, valid_to_le: str, position_le: int
    ) -> tuple[str, int, str] | None:
        """The most advanced checkpoint usable for (valid date, position): (valid_to,
        position, state JSON)."""

    @abstractmethod
    def checkpoints(self) -> list[tuple[str, str, int]]: ...


class SQLiteLedgerView(SQLiteTrackingRecorder, LedgerView):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {DOCS_TABLE} (kind TEXT NOT NULL, key TEXT NOT NULL, "
            "doc TEXT NOT NULL, plan TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {DOCS_TABLE}_plan ON {DOCS_TABLE} (plan)",
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} (plan TEXT NOT NULL, "
            "valid_to TEXT NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL, "
            "PRIMARY KEY (plan, valid_to, position))",
        ]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"PRAGMA table_info({DOCS_TABLE})")
            present = {row["name"] for row in c.fetchall()}
            if present and "plan" not in present:  # a store from before the plan column
                c.execute(f"DROP TABLE {DOCS_TABLE}")
                c.execute("DELETE FROM tracking")  # the view is rebuilt on the next catch-up
        super().create_table()

    def save(self, rows: Sequence[Row], tracking: Tracking | None) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(
                f"INSERT INTO {DOCS_TABLE} VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc, plan = excluded.plan",
                [(kind, key, _dumps(doc), _plan(doc)) for kind, key, doc in rows],
            )
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def load(self, keys: Sequence[tuple[str, str]] | None = None) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            if keys is None:
                c.execute(f"SELECT kind, key, doc FROM {DOCS_TABLE}")
                found = c.fetchall()
            else:
                found = []
                for kind, key in keys:
                    c.execute(
                        f"SELECT kind, key, doc FROM {DOCS_TABLE} WHERE kind=? AND key=?",
                        (kind, key),
                    )
                    found += c.fetchall()
        return [(r["kind"], r["key"], json.loads(r["doc"])) for r in found]

    def load_plan(self, plan: str) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT kind, key, doc FROM {DOCS_TABLE} WHERE plan = ? OR plan IS NULL", (plan,)
            )
            return [(r["kind"], r["key"], json.loads(r["doc"])) for r in c.fetchall()]

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {DOCS_TABLE}")
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
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, tracking_table_name="parledger_view_tracking", **kwargs)
        self.names = {
            "schema": Identifier(self.datastore.schema),
            "docs": Identifier(DOCS_TABLE),
            "docs_plan": Identifier(f"{DOCS_TABLE}_plan"),
            "checkpoints": Identifier(CHECKPOINTS_TABLE),
            "tracking": Identifier(self.tracking_table_name),
        }
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{docs} (kind text NOT NULL, "
                "key text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (kind, key))"
            ).format(**self.names),
            SQL("ALTER TABLE {schema}.{docs} ADD COLUMN IF NOT EXISTS plan text").format(
                **self.names
            ),
            SQL("CREATE INDEX IF NOT EXISTS {docs_plan} ON {schema}.{docs} (plan)").format(
                **self.names
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} (plan text NOT NULL, "
                "valid_to text NOT NULL, position bigint NOT NULL, state text NOT NULL, "
                "PRIMARY KEY (plan, valid_to, position))"
            ).format(**self.names),
        ]

    def save(self, rows: Sequence[Row], tracking: Tracking | None) -> None:
        statement = SQL(
            "INSERT INTO {schema}.{docs} (kind, key, doc, plan) VALUES (%s, %s, %s::jsonb, %s) "
            "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc, plan = excluded.plan"
        ).format(**self.names)
        with self.datastore.transaction(commit=True) as curs:
            if rows:
                curs.executemany(
                    statement, [(k, key, _dumps(doc), _plan(doc)) for k, key, doc in rows]
                )
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
