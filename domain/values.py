"""Value types shared by every aggregate: who acted, when it took effect, why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypedDict

from domain.errors import InvalidValue

# Dates outside this window are typing errors, not plans (a year 20233, a 1900 default).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
MAX_TEXT = 10_000
MAX_SHORT_TEXT = 500

# Vietnam keeps one offset all year; calendar dates are read in it.
VN_TZ = timezone(timedelta(hours=7), "ICT")


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    AGENCY_OFFICER = "agency_officer"
    INSPECTOR = "inspector"
    AUDITOR = "auditor"
    READER = "reader"


class Source(StrEnum):
    API = "api"
    CLI = "cli"
    IMPORT = "import"
    POLICY = "policy"  # recorded by the ledger itself (the obligations process)


@dataclass(frozen=True)
class Actor:
    """The authenticated principal (never taken from a request body)."""

    id: str
    name: str
    role: Role
    agency: str | None = None


@dataclass(frozen=True)
class EventMeta:
    """What every event carries besides its own fields.

    ``recorded_at`` is not here: it is the event's own timestamp, set by the server.
    """

    actor: Actor
    effective_at: datetime  # valid time: when it happened in the world
    reason: str | None = None  # why; required for corrections and other changes of record
    request_id: str | None = None
    idempotency_key: str | None = None
    source: Source = Source.CLI

    def require_reason(self) -> str:
        if not self.reason or not self.reason.strip():
            raise InvalidValue("cần nêu lý do cho thay đổi này", field="reason")
        return self.reason


def nfc(value: str) -> str:
    """All text is stored in Unicode NFC, whatever form it arrived in."""
    return unicodedata.normalize("NFC", value)


def nfc_deep(value: object) -> object:
    """NFC for every string inside nested dicts and lists (structured fields of a plan)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    return value


# Unicode's control characters (category Cc: C0, DEL and C1) but for newline and tab.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Validate and normalise free text: a str, NFC, trimmed, within ``limit`` characters."""
    if not isinstance(value, str):
        raise InvalidValue(f"phải là chuỗi ký tự, nhận được {type(value).__name__}", field=field)
    cleaned = nfc(value).strip()
    if required and not cleaned:
        raise InvalidValue("không được để trống", field=field)
    if len(cleaned) > limit:
        raise InvalidValue(f"dài quá {limit} ký tự ({len(cleaned)})", field=field)
    if _CONTROL.search(cleaned):
        raise InvalidValue("chứa ký tự điều khiển", field=field)
    return cleaned


def optional_text(value: object, field: str, *, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    cleaned = text(value, field, required=False, limit=limit)
    return cleaned or None


def day(value: object, field: str) -> date:
    """A calendar date within the ledger's sane range."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidValue("phải là một ngày (YYYY-MM-DD)", field=field)
    if not MIN_DATE <= value <= MAX_DATE:
        raise InvalidValue(
            f"ngày {value:%d/%m/%Y} nằm ngoài khoảng {MIN_DATE:%d/%m/%Y}–{MAX_DATE:%d/%m/%Y}",
            field=field,
        )
    return value


def optional_day(value: object, field: str) -> date | None:
    return None if value is None else day(value, field)


class DocumentRef(TypedDict):
    """The official document (văn bản) a fact cites, as the fields of its event."""

    document_number: str | None  # số hiệu
    document_date: date | None


def document_ref(number: object, dated: object) -> DocumentRef:
    return DocumentRef(
        document_number=optional_text(number, "document_number", limit=100),
        document_date=optional_day(dated, "document_date"),
    )


def decimal(value: object, field: str, *, minimum: Decimal | None = None) -> Decimal:
    """A finite decimal; floats are refused because they cannot carry an exact figure."""
    if isinstance(value, (bool, float)):
        raise InvalidValue("phải là số thập phân dạng chuỗi hoặc số nguyên", field=field)
    try:
        number = Decimal(value) if isinstance(value, (str, int, Decimal)) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidValue(f"không phải là số hợp lệ: {value!r}", field=field)
    if minimum is not None and number < minimum:
        raise InvalidValue(f"không được nhỏ hơn {minimum}", field=field)
    if abs(number.as_tuple().exponent) > 6 or number.adjusted() > 15:  # type: ignore[arg-type]
        raise InvalidValue("quá nhiều chữ số", field=field)
    return number


def code(value: object, field: str) -> str:
    """An identifier-like code: short, no spaces."""
    cleaned = text(value, field, limit=100)
    if any(ch.isspace() for ch in cleaned):
        raise InvalidValue("không được chứa khoảng trắng", field=field)
    return cleaned


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam of an aware datetime."""
    return moment.astimezone(VN_TZ).date()
