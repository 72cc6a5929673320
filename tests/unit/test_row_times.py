"""The fold's fast input parses an event's meta apart from the rest of its stored text, reads
the effective time from that text, and decodes ``meta``, ``timestamp`` and ``originator_id``
only when asked (``projections.rows``). For any moment, in any offset, with or without
microseconds, the register stamp and the local day are those the library's decoded event gives;
for any text in the meta and the fields, the keys in any order and a meta marker nested in a
field, every attribute is what the library's transcoder decodes from the same stored text; and
folding the row gives the document folding the library event gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from hypothesis import given, settings
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
# Offsets of whole minutes, as every zone has (the library's text round trip needs no more).
OFFSETS = st.sampled_from([UTC, VN_TZ]) | st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(9000, 12, 30), timezones=OFFSETS
)


def progress(
    effective_at: datetime,
    recorded_at: datetime,
    texts: tuple[str, str, str | None, str | None] = ("Nguyễn Văn A", "lý do", "SNV", "đã họp"),
) -> Task.ProgressReported:
    name, reason, agency, note = texts
    actor = Actor(id="u1", name=name, role=Role.AGENCY_OFFICER, agency=agency)
    meta = EventMeta(
        actor=actor,
        effective_at=effective_at,
        reason=reason,
        request_id=note,
        idempotency_key=reason,
        source=Source.API,
    )
    event: Task.ProgressReported = Task.ProgressReported(  # type: ignore[call-arg]
        originator_id=uuid4(),
        originator_version=2,
        timestamp=recorded_at,
        percent=40,
        note=note or "",
        meta=meta,
    )
    return event


def as_row(event: object) -> EventRow:
    return RowDecoder(MAPPER).row(MAPPER.to_stored_event(event))  # type: ignore[arg-type]


def state_text(event: object) -> str:
    return json.dumps(fold([(7, event)], LedgerState()).to_json(), sort_keys=True)


@settings(max_examples=300)  # no database: cheap
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


# Text that looks like the patterns the meta is found by: quotes, braces, backslashes.
TRICKY = st.text(alphabet=st.sampled_from([*'"{}:,\\ams_tyeocurdfiv', "ệ", "😀"]))
TRICKY |= st.sampled_from(
    ['"source":"cli"}}', '","source":"api"}}', '"meta":{"_type_":"meta","_data_":{', "\\"]
)


def same_as_transcoder(row: EventRow, data: bytes) -> None:
    """Every attribute the library's transcoder decodes from ``data`` reads the same on the
    row, of the same type, and the stamp and local day follow the decoded meta."""
    decoded = MAPPER.transcoder.decode(data)
    decoded.pop("class_version", None)
    for name, value in decoded.items():
        assert getattr(row, name) == value, name
        assert type(getattr(row, name)) is type(value), name
    assert effective_utc(row) == utc_text(decoded["meta"].effective_at)
    assert effective_day(row) == decoded["meta"].effective_at.astimezone(VN_TZ).date().isoformat()


def stored_with(stored: StoredEvent, state: dict[str, Any]) -> StoredEvent:
    """``stored`` with ``state`` written as the transcoder writes JSON."""
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, text)


@settings(max_examples=300)
@given(
    texts=st.tuples(TRICKY, TRICKY, st.none() | TRICKY, st.none() | TRICKY),
    order=st.permutations(["timestamp", "percent", "note", "meta", "decoy"]),
    decoy=st.booleans(),
)
def test_any_text_and_layout_reads_as_the_transcoder_decodes_it(
    texts: tuple[str, str, str | None, str | None], order: list[str], decoy: bool
) -> None:
    event = progress(datetime(2023, 6, 1, 9, tzinfo=VN_TZ), datetime.now(UTC), texts)
    stored = MAPPER.to_stored_event(event)
    row = as_row(event)
    same_as_transcoder(row, stored.state)
    assert state_text(row) == state_text(event)
    # The keys in another order, and a meta marker nested in a field (before or after the
    # event's own): the same attributes still.
    raw = json.loads(stored.state)
    raw["decoy"] = {"meta": raw["meta"]} if decoy else "meta"
    moved = stored_with(stored, {key: raw[key] for key in order})
    same_as_transcoder(RowDecoder(MAPPER).row(moved), moved.state)
