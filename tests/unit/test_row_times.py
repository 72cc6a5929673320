"""The fold's fast input reads an event's effective time from the stored text and decodes
``meta``, ``timestamp`` and ``originator_id`` only when asked (``projections.rows``). For any
moment, in any offset, with or without microseconds, the register stamp and the local day are
those the library's decoded event gives, the lazy attributes equal the library's, and folding
the row gives the document folding the library event gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from domain.task import Task
from domain.values import VN_TZ, Actor, EventMeta, Role, Source
from integrity.chain import utc_text
from ledger.transcodings import register_ledger_transcodings
from projections.rows import EventRow, RowDecoder, effective_day, effective_utc, key_of
from projections.state import LedgerState, fold


def ledger_mapper() -> Mapper[object]:
    """The application's transcodings: the library's defaults and the ledger's own."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_ledger_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


MAPPER = ledger_mapper()
OFFSETS = st.sampled_from([UTC, VN_TZ]) | st.builds(
    timezone,
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23)),
)
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(9000, 12, 30), timezones=OFFSETS
)


def progress(effective_at: datetime, recorded_at: datetime) -> Task.ProgressReported:
    actor = Actor(id="u1", name="Nguyễn Văn A", role=Role.AGENCY_OFFICER, agency="SNV")
    meta = EventMeta(actor=actor, effective_at=effective_at, reason="lý do", source=Source.API)
    event: Task.ProgressReported = Task.ProgressReported(  # type: ignore[call-arg]
        originator_id=uuid4(),
        originator_version=2,
        timestamp=recorded_at,
        percent=40,
        note="đã họp",
        meta=meta,
    )
    return event


def as_row(event: object) -> EventRow:
    return RowDecoder(MAPPER).row(MAPPER.to_stored_event(event))  # type: ignore[arg-type]


def state_text(event: object) -> str:
    return json.dumps(fold([(7, event)], LedgerState()).to_json(), sort_keys=True)


@given(effective_at=MOMENTS, recorded_at=MOMENTS)
def test_stamp_and_day_come_from_the_stored_text_as_from_the_event(
    effective_at: datetime, recorded_at: datetime
) -> None:
    event = progress(effective_at, recorded_at)
    row = as_row(event)
    assert effective_utc(row) == effective_utc(event) == utc_text(effective_at)
    day = effective_day(event)
    assert effective_day(row) == day == effective_at.astimezone(VN_TZ).date().isoformat()
    assert key_of(row) == key_of(event) == event.originator_id.hex
    assert state_text(row) == state_text(event)
    # Asked for, the lazy attributes are the library's, and the times read the same after.
    assert (row.meta, row.timestamp, row.originator_id) == (
        event.meta,
        event.timestamp,
        event.originator_id,
    )
    assert type(row.meta) is EventMeta and type(row.timestamp) is datetime
    assert (effective_utc(row), effective_day(row)) == (utc_text(effective_at), day)
    # A second row of the same stored time (the memo of UTC texts) reads the same again.
    assert effective_utc(as_row(event)) == utc_text(effective_at)


def test_a_row_not_wanted_has_no_meta() -> None:
    stored = MAPPER.to_stored_event(progress(datetime.now(VN_TZ), datetime.now(UTC)))
    row = RowDecoder(MAPPER).row(stored, wanted=())
    assert not hasattr(row, "meta") and not hasattr(row, "timestamp")
    assert row.originator_id.hex == key_of(row)
