"""Kept bodies of present reads (``api/routes/bodies.py``) answer exactly what a fresh
computation answers, for every caller, query and position, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from api.routes.bodies import bodies_of
from ledger.usecases.task import ReportTaskProgress
from tests.api.conftest import PLAN, USERS, Api
from tests.conftest import ctx

PATHS = [
    f"/plans/{PLAN}/tasks",
    f"/plans/{PLAN}/targets",
    f"/plans/{PLAN}/scores",
]
QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "limit": st.integers(1, 5).map(str),
        "status": st.sampled_from(["overdue", "in_progress", "not_started", "done"]),
        "area": st.sampled_from(["1", "2", "x"]),
    },
)
READ = st.tuples(st.sampled_from(PATHS), QUERIES, st.sampled_from(sorted(USERS)))
WRITE = st.tuples(st.sampled_from(["1", "2"]), st.integers(0, 100))
STEPS = st.lists(st.one_of(READ.map(lambda r: ("read", r)), WRITE.map(lambda w: ("write", w))),
                 min_size=1, max_size=12)  # fmt: skip


def _get(api: Api, path: str, query: dict[str, str], who: str) -> httpx.Response:
    response: httpx.Response = api.client.get(path, params=query, headers=api.headers(who))
    return response


def _answer(response: httpx.Response) -> tuple[int, bytes, str | None]:
    return response.status_code, response.content, response.headers.get("etag")


@given(steps=STEPS)
def test_kept_and_fresh_answers_agree(api: Api, steps: list[tuple[str, Any]]) -> None:
    bodies = bodies_of(api.ledger)
    for kind, step in steps:
        if kind == "write":
            number, percent = step
            api.ledger.handle(
                ctx(), ReportTaskProgress(plan=PLAN, number=number, percent=percent, note="x")
            )
            continue
        path, query, who = step
        first = _get(api, path, query, who)  # kept or computed
        hits = bodies.hits
        again = _get(api, path, query, who)
        assert _answer(again) == _answer(first)
        if first.status_code == 200:
            assert bodies.hits == hits + 1  # the second was a kept body
        bodies.clear()
        fresh = _get(api, path, query, who)  # computed, nothing kept
        assert _answer(fresh) == _answer(first), (path, query, who)


def test_a_new_event_is_seen_at_once_and_callers_keep_their_own_view(api: Api) -> None:
    path = f"/plans/{PLAN}/tasks"
    before = _get(api, path, {}, "reader")
    api.ledger.handle(ctx(), ReportTaskProgress(plan=PLAN, number="1", percent=70, note="y"))
    after = _get(api, path, {}, "reader")
    assert after.json()["position"] == before.json()["position"] + 1
    assert after.headers["etag"] != before.headers["etag"]
    # One caller's kept body is never another's: the key holds role and agency.
    bodies = bodies_of(api.ledger)
    mine = bodies.hits
    _get(api, path, {}, "officer")
    assert bodies.hits == mine
    not_modified = api.client.get(
        path, headers=api.headers("reader", **{"If-None-Match": after.headers["etag"]})
    )
    assert not_modified.status_code == 304
