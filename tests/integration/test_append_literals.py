"""The append's arrays as the PostgreSQL recorder writes them (array and row literals, not
psycopg's dumpers): any text and any bytes come back as they went in, on both backends, and
the chain over them verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from integrity.verify import verify
from ledger.application import ParLedger
from persistence.records import IndexFilter, IndexRow

# Any text PostgreSQL can hold (no NUL), quotes, backslashes, braces and commas included.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("\"\\{},() 'NULL\n\tđ"),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=20,
)
MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.astimezone(UTC))


@settings(max_examples=40, deadline=None)
@given(
    events=st.lists(
        st.tuples(TEXT, st.binary(max_size=64), TEXT, TEXT, MOMENT, st.one_of(st.none(), TEXT)),
        min_size=1,
        max_size=3,
    )
)
def test_any_text_and_bytes_come_back_as_appended(
    app: ParLedger, events: list[tuple[str, bytes, str, str, datetime, str | None]]
) -> None:
    recorder = app.ledger_recorder
    stored, rows = [], []
    for topic, state, entity, actor, moment, plan in events:
        event = StoredEvent(uuid4(), 1, topic, state)
        stored.append(event)
        rows.append(
            IndexRow(
                originator_id=event.originator_id,
                originator_version=1,
                entity=entity,
                event_type=topic,
                recorded_at=moment,
                effective_at=moment - timedelta(days=1),
                actor_id=actor,
                plan=plan,
                actor_role=None if plan is None else entity,
                actor_agency=plan,
            )
        )
    positions = app.recorder.insert_events(stored, index_rows=rows)
    assert positions is not None and len(positions) == len(stored)
    for event, row in zip(stored, rows, strict=True):
        (back,) = app.recorder.select_events(event.originator_id)
        assert (back.topic, back.state) == (event.topic, event.state)
        ((_, indexed),) = recorder.select_filtered(IndexFilter(originator_id=event.originator_id))
        assert indexed.entity == row.entity and indexed.event_type == row.event_type
        assert indexed.actor_id == row.actor_id and indexed.plan == row.plan
        assert (indexed.actor_role, indexed.actor_agency) == (row.actor_role, row.actor_agency)
        assert indexed.recorded_at == row.recorded_at
        assert indexed.effective_at == row.effective_at
    report = verify(recorder)
    assert report.ok, report.problems
