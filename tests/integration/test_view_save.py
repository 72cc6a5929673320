"""A view's ``save`` stores what upserting its rows one statement at a time stores.

PostgreSQL's ``save`` writes a whole save in one statement (arrays unnested server-side); the
simple path it replaced upserted row by row. Over successive saves of documents that overwrite
each other (a key given twice in one save included), both tables end with the same rows: the
same kinds, keys, document text and plan column, on either backend, whether a save
needs one statement or several."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import ParLedger
from persistence import viewstore
from persistence.viewbase import SHADOW_TABLE, Row, dumps_doc, plan_of
from persistence.viewstore import PostgresLedgerView

TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
DOCS = st.fixed_dictionaries(
    {"value": VALUES},
    optional={"plan": st.sampled_from(["p1", "p2"]) | st.integers(0, 3) | st.none()},
)
ROWS = st.lists(
    st.tuples(st.sampled_from(["tasks", "plans", "agencies"]), st.sampled_from("abcde"), DOCS),
    max_size=12,
)


def _upsert_one_by_one(app: ParLedger, rows: list[Row]) -> None:
    view = app.view
    if isinstance(view, PostgresLedgerView):
        schema = view.datastore.schema
        with view.datastore.transaction(commit=True) as curs:
            for kind, key, doc in rows:
                curs.execute(
                    f'INSERT INTO "{schema}".{SHADOW_TABLE} (kind, key, doc, plan) '
                    "VALUES (%s, %s, %s::jsonb, %s) ON CONFLICT (kind, key) "
                    "DO UPDATE SET doc = excluded.doc, plan = excluded.plan",
                    (kind, key, dumps_doc(doc), plan_of(doc)),
                )
    else:
        with view.datastore.transaction(commit=True) as c:
            for kind, key, doc in rows:
                c.execute(
                    f"INSERT INTO {SHADOW_TABLE} VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) "
                    "DO UPDATE SET doc = excluded.doc, plan = excluded.plan",
                    (kind, key, dumps_doc(doc), plan_of(doc)),
                )


def _stored(app: ParLedger, table: str) -> list[tuple[Any, ...]]:
    view = app.view
    if isinstance(view, PostgresLedgerView):
        with view.datastore.transaction(commit=False) as curs:
            curs.execute(
                f'SELECT kind, key, doc::text AS doc, plan FROM "{view.datastore.schema}".{table} '
                "ORDER BY kind, key"
            )
            return [(r["kind"], r["key"], r["doc"], r["plan"]) for r in curs.fetchall()]
    with view.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT kind, key, doc, plan FROM {table} ORDER BY kind, key")
        return [(r["kind"], r["key"], r["doc"], r["plan"]) for r in c.fetchall()]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(saves=st.lists(ROWS, min_size=1, max_size=4))
def test_save_stores_what_row_by_row_upserts_store(
    app: ParLedger, saves: list[list[Row]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viewstore, "UPSERT_ROWS", 4)  # saves of one statement and of several
    view = app.view
    view.reset(app.name)
    view.shadow().clear("unused")
    for rows in saves:
        view.save(rows, None)
        _upsert_one_by_one(app, rows)
    assert _stored(app, view.docs_table) == _stored(app, SHADOW_TABLE)
    assert sorted(view.load()) == sorted(view.shadow().load())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, names=st.sampled_from([("value",), ("value", "plan", "absent"), ("plan",)]))
def test_fields_of_reads_out_what_the_documents_hold(
    app: ParLedger, rows: list[Row], names: tuple[str, ...]
) -> None:
    # Scalars, lists and objects alike, a field a document lacks read as None.
    view = app.view
    view.reset(app.name)
    view.save(rows, None)
    stored = {(kind, key): doc for kind, key, doc in view.load()}
    for kind in ("tasks", "plans", "agencies"):
        expected = {
            key: {name: doc.get(name) for name in names}
            for (k, key), doc in stored.items()
            if k == kind
        }
        assert dict(view.fields_of(kind, names)) == expected
