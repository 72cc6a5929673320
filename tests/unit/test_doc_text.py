"""A view document is stored as the text ``json.dumps(doc, ensure_ascii=False,
separators=(",", ":"), sort_keys=True)`` wrote; ``persistence.viewbase.dumps_doc`` writes it
with orjson for speed. The two are equal on any document of text, integers, booleans and
nulls (control characters and astral planes included), and give the same value when it holds
floats or what orjson refuses (keys not text, integers past 64 bits)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from persistence.viewbase import dumps_doc

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | TEXT


def documents(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=5),
        max_leaves=25,
    )


def earlier(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@settings(max_examples=300)
@given(doc=documents(SCALARS))
def test_the_same_text_as_the_standard_library(doc: Any) -> None:
    assert dumps_doc(doc) == earlier(doc)


@given(
    doc=documents(
        SCALARS
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.integers(min_value=2**64, max_value=2**80)
    ),
    int_keys=st.dictionaries(st.integers(0, 10**6), TEXT, max_size=3),
)
def test_floats_and_what_orjson_refuses_read_back_the_same(
    doc: Any, int_keys: dict[int, str]
) -> None:
    for value in (doc, int_keys, {"nested": int_keys}):
        assert json.loads(dumps_doc(value)) == json.loads(earlier(value))
