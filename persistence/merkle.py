"""Stored Merkle subtree roots (``integrity.subtrees``) on both backends: one table
``parledger_merkle (level, idx, hash)``, created by schema version 1 (``persistence/migrations``,
which adopts stores of earlier releases); rows are only ever inserted.

Mixins for the two recorders, kept apart from them: they use only the datastore.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.sql import SQL, Composed, Identifier

from persistence.records import CHAIN_TABLE

MERKLE_TABLE = "parledger_merkle"
Key = tuple[int, int]


def _split_keys(keys: Sequence[Key]) -> tuple[list[int], list[Key]]:
    leaves = [index for level, index in keys if level == 0]
    return leaves, [key for key in keys if key[0] > 0]


def merkle_table_statement() -> str:
    """The SQLite table (schema version 1, ``persistence/migrations``)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {MERKLE_TABLE} (level INTEGER NOT NULL, "
        "idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID"
    )


def postgres_merkle_table_statement(schema: str) -> Composed:
    """The PostgreSQL table (schema version 1)."""
    return SQL(
        "CREATE TABLE IF NOT EXISTS {schema}.{merkle} (level smallint NOT NULL, "
        "idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))"
    ).format(schema=Identifier(schema), merkle=Identifier(MERKLE_TABLE))


class SQLiteMerkleNodes:
    datastore: Any

    def merkle_extent(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(idx) FROM {MERKLE_TABLE} WHERE level = 1")
            top = c.fetchone()[0]
        return 0 if top is None else (int(top) + 1) * 2

    def select_merkle_nodes(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        leaves, inner = _split_keys(keys)
        found: dict[Key, bytes] = {}
        with self.datastore.transaction(commit=False) as c:
            if leaves:
                c.execute(
                    f"SELECT leaf_index, leaf FROM {CHAIN_TABLE} WHERE leaf_index IN "
                    f"({','.join('?' * len(leaves))})",
                    leaves,
                )
                found.update({(0, row[0]): bytes(row[1]) for row in c.fetchall()})
            if inner:
                # A join on VALUES searches the primary key; a row-value IN scans the table.
                c.execute(
                    f"SELECT m.level, m.idx, m.hash FROM "
                    f"(VALUES {','.join(['(?, ?)'] * len(inner))}) AS k "
                    f"JOIN {MERKLE_TABLE} m ON m.level = k.column1 AND m.idx = k.column2",
                    [part for key in inner for part in key],
                )
                found.update({(row[0], row[1]): bytes(row[2]) for row in c.fetchall()})
        return found

    def select_leaf_range(self, start: int, stop: int) -> list[bytes]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT leaf FROM {CHAIN_TABLE} WHERE leaf_index >= ? AND leaf_index < ? "
                "ORDER BY leaf_index",
                (start, stop),
            )
            return [bytes(row[0]) for row in c.fetchall()]

    def insert_merkle_nodes(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(
                f"INSERT INTO {MERKLE_TABLE} VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows
            )


class PostgresMerkleNodes:
    datastore: Any

    def _merkle_sql(self, text: str) -> Any:
        return SQL(text).format(
            schema=Identifier(self.datastore.schema),
            merkle=Identifier(MERKLE_TABLE),
            chain=Identifier(CHAIN_TABLE),
        )

    def merkle_extent(self) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._merkle_sql("SELECT MAX(idx) AS top FROM {schema}.{merkle} WHERE level = 1")
            )
            row = curs.fetchone()
        top = row["top"] if row else None
        return 0 if top is None else (int(top) + 1) * 2

    def select_merkle_nodes(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        leaves, inner = _split_keys(keys)
        found: dict[Key, bytes] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if leaves:
                curs.execute(
                    self._merkle_sql(
                        "SELECT leaf_index, leaf FROM {schema}.{chain} WHERE leaf_index = ANY(%s)"
                    ),
                    (leaves,),
                )
                found.update({(0, r["leaf_index"]): bytes(r["leaf"]) for r in curs.fetchall()})
            if inner:
                curs.execute(
                    self._merkle_sql(
                        "SELECT m.level, m.idx, m.hash FROM {schema}.{merkle} m "
                        "JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx) "
                        "ON m.level = k.level AND m.idx = k.idx"
                    ),
                    ([level for level, _ in inner], [index for _, index in inner]),
                )
                found.update({(r["level"], r["idx"]): bytes(r["hash"]) for r in curs.fetchall()})
        return found

    def select_leaf_range(self, start: int, stop: int) -> list[bytes]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._merkle_sql(
                    "SELECT leaf FROM {schema}.{chain} WHERE leaf_index >= %s "
                    "AND leaf_index < %s ORDER BY leaf_index"
                ),
                (start, stop),
            )
            return [bytes(r["leaf"]) for r in curs.fetchall()]

    def insert_merkle_nodes(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        if not rows:
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._merkle_sql(
                    "INSERT INTO {schema}.{merkle} (level, idx, hash) "
                    "SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[]) "
                    "ON CONFLICT DO NOTHING"
                ),
                ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
            )
