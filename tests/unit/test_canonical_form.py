"""The bytes an event is hashed as must never change: a ledger written by an earlier release
verifies only if today's encoder writes the header exactly as the standard library's ``json``
did (``ensure_ascii=False``, compact separators). The chain now encodes with orjson for speed;
this holds the two equal on any text, control characters and astral planes included."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from integrity.chain import FORMAT, canonical

EARLIER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# Text as a database hands it back: any code point but a lone surrogate (not valid UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def earlier_canonical(
    originator: str, version: int, topic: str, state: bytes, facts: list[str | None]
) -> bytes:
    header = EARLIER([FORMAT, originator, version, topic, *facts, len(state)])
    return header.encode() + b"\n" + state


@settings(max_examples=200)
@given(
    originator=st.text("0123456789abcdef", min_size=32, max_size=32),
    version=st.integers(min_value=0, max_value=2**63 - 1),
    topic=TEXT,
    state=st.binary(max_size=64),
    facts=st.lists(st.none() | TEXT, min_size=8, max_size=8),
)
@example(
    originator="0" * 32,
    version=1,
    topic='domain.task:Task.Completed "\\',
    state=b"{}",
    facts=[
        "\x00\x1f\x7f",
        "\u2028\u2029",
        "Nhiệm vụ 1.b",
        "\U0001f600",
        "\t\n\r\b\f",
        None,
        "",
        "/",
    ],
)
def test_canonical_form_is_the_earlier_releases(
    originator: str, version: int, topic: str, state: bytes, facts: list[str | None]
) -> None:
    assert canonical(originator, version, topic, state, facts) == earlier_canonical(
        originator, version, topic, state, facts
    )
