"""Jinja2 templates with the filters the pages share: dates and numbers as Vietnamese write
them, statuses in Vietnamese, links that keep the page's point in time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from domain.field_names import field_vn
from domain.value_names import (
    FINDING_STATUS_VN,
    INSPECTION_KIND_VN,
    INSPECTION_STATUS_VN,
    ROLE_VN,
    value_vn,
)
from projections.event_names import event_vn
from projections.views import STATUS_VN
from reports.tables import YES_NO
from reports.vn_dates import iso_day, vn_date, vn_moment, vn_number, vn_short


def _day(value: Any) -> str:
    """A date, or ISO date text, in the long form."""
    if isinstance(value, datetime):
        return vn_moment(value)
    if isinstance(value, date):
        return vn_date(value)
    day = iso_day(value) if isinstance(value, str) else None
    return vn_date(day) if day else "—"


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return vn_short(value)
    return vn_short(iso_day(value)) if isinstance(value, str) and value else "—"


def _moment(value: Any) -> str:
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value)
    return vn_moment(value) if isinstance(value, datetime) else "—"


def _dmy(value: Any) -> str:
    """A date typed or stored as ISO, shown as Vietnamese type it (30/06/2023); other text
    (already dd/mm/yyyy, or a mistake to correct) as it is."""
    if not value:
        return ""
    if isinstance(value, date):
        return vn_short(value)
    try:
        return vn_short(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _status(value: str) -> str:
    return (
        STATUS_VN.get(value)
        or INSPECTION_STATUS_VN.get(value)
        or FINDING_STATUS_VN.get(value)
        or INSPECTION_KIND_VN.get(value)
        or value
    )


def _shown(value: Any, field: str = "") -> str:
    """A before/after value of the audit trail (of ``field``, whose enumerated values are said
    in Vietnamese)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return ", ".join(_shown(v, field) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_vn(str(k))}: {_shown(v, str(k))}" for k, v in value.items())
    return str(value_vn(field, value))


environment = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(
    vn_date=_day,
    vn_short=_short,
    vn_moment=_moment,
    vn_number=vn_number,
    status_vn=_status,
    yes_no=lambda v: YES_NO.get(v, "—"),
    role_vn=lambda v: ROLE_VN.get(v, v),
    event_vn=event_vn,
    field_vn=field_vn,
    shown=_shown,
    dmy=_dmy,
)


def query(params: dict[str, Any], **changes: Any) -> str:
    """``?as_of=…&known_at=…`` with ``changes`` applied; empty values left out."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


environment.globals.update(query=query)


def html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(environment.get_template(template).render(**context), status_code=status)
