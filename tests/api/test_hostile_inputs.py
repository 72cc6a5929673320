"""Inputs that slipped through (issue 12, item 5), on both backends: refused as the user's
mistake, naming the field, before they reach the store."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


@pytest.mark.parametrize("value", ["99999999999999999999", "4611686018427387905", "-1", "1e3"])
def test_last_event_id_out_of_range_is_refused(api: Api, value: str) -> None:
    headers = {**api.headers("auditor"), "Last-Event-ID": value}
    answer = api.client.get("/events/stream?timeout=0.3", headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == "Last-Event-ID"


def test_last_event_id_at_the_bound_streams(api: Api) -> None:
    headers = {**api.headers("auditor"), "Last-Event-ID": str(2**62)}
    answer = api.client.get("/events/stream?timeout=0.3", headers=headers)
    assert answer.status_code == 200 and "id:" not in answer.text
