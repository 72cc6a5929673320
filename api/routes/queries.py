"""The query parameters the read routes share: dates and moments as ISO text, the ledger's
clock, cursors and page sizes."""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator

from projections.audit import MAX_PAGE


def _written_as(pattern: str, example: str) -> BeforeValidator:
    """Dates and moments as the document says, in ISO text: pydantic alone would also read a
    bare number as a Unix time (``as_of=0`` as 1970-01-01)."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValueError(f"cần dạng ISO 8601, ví dụ {example}")
        return value

    return BeforeValidator(check)


def _on_the_ledger_clock(moment: datetime | None) -> datetime | None:
    """A moment compared with the ledger's UTC record times: it needs its offset, and must
    exist in UTC (0001-01-01T00:00+23:00 does not)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("cần múi giờ, ví dụ +07:00")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("thời điểm nằm ngoài phạm vi lịch") from None
    return moment


IsoDay = Annotated[date, _written_as(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "2023-06-30")]
Day = IsoDay | None
Moment = Annotated[
    datetime | None,
    _written_as(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ].+", "2023-07-05T17:00:00+07:00"),
    AfterValidator(_on_the_ledger_clock),
]
AsOf = Annotated[
    Day,
    Query(description="Ngày hiệu lực (YYYY-MM-DD); mặc định hôm nay", examples=["2023-06-30"]),
]
KnownAt = Annotated[
    Moment,
    Query(
        description="Thời điểm hiểu biết (ISO 8601 có múi giờ): sổ cái đã ghi những gì lúc đó",
        examples=["2023-07-05T17:00:00+07:00"],
    ),
]
Cursor = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,15}-[0-9]{1,9}$", description="Con trỏ trang sau (next_cursor)"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Số dòng mỗi trang")]
Code = Annotated[str | None, Query(max_length=100)]
