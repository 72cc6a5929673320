"""The calendar page's content: one month of the working-day calendar as the ledger knew it
(corrections included), and the rule versions in force for the plan's level on the page's date.
Read-only: a correction is recorded by an administrator (``parledger calendar correct``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from domain import ids
from domain.errors import InvalidValue, NotFound
from domain.plan import Plan
from domain.unit import LEGACY_UNIT
from ledger.application import ParLedger
from ledger.scope import scoring_rules
from replay.calendar import WEEKDAYS_VN, calendar_days
from replay.readmodel import Snapshot
from reports.data import Facts
from rules.catalog import listing
from rules.reporting import rule_level
from rules.scoring import packaged

MONTH = re.compile(r"^\s*(?:(\d{1,2})/(\d{4})|(\d{4})-(\d{1,2}))\s*$")


def parse_month(text: str, default: date) -> date:
    """``01/2025`` or ``2025-01`` → its first day; empty → ``default``'s month."""
    if not text.strip():
        return default.replace(day=1)
    m = MONTH.match(text)
    if m is not None:
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
            return date(int(year), int(month), 1)
    raise InvalidValue(f"tháng không hợp lệ {text!r} (dạng 01/2025)", field="month")


def plan_level(facts: Facts, units: Iterable[dict[str, Any]]) -> str | None:
    """The rule sets' level of the plan's unit (a plan from before units: Cát Hải district)."""
    unit = facts.plan_doc.get("unit_code") or LEGACY_UNIT
    for doc in units:
        if doc.get("code") == unit:
            return rule_level(str(doc.get("level") or "")) or None
    return "district" if unit == LEGACY_UNIT else None


def month_page(
    ledger: ParLedger, snap: Snapshot, facts: Facts, first: date, known_at: datetime | None
) -> dict[str, Any]:
    """The month from ``first``; the rule versions in force on the page's date."""
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    shown = calendar_days(ledger, first, last, known_at)
    # Weeks from Monday: blank cells before the 1st and after the last day.
    cells: list[dict[str, Any] | None] = [None] * first.weekday() + list(shown["days"])
    cells += [None] * (-len(cells) % 7)
    level = plan_level(facts, snap.state.kind("units").values())
    on = snap.as_of
    previous = (first - timedelta(days=1)).replace(day=1)
    return {
        "month": first,
        "previous": f"{previous:%m/%Y}",
        "following": f"{last + timedelta(days=1):%m/%Y}",
        "weekdays": WEEKDAYS_VN,
        "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
        "calendar": shown,
        "days_off": [d for d in shown["days"] if not d["working"] and d["why"] != "nghỉ cuối tuần"],
        "rules_on": on,
        "level": level,
        "rules": _of_the_plan(ledger, facts.plan, listing(on=on, level=level)),
    }


def _of_the_plan(ledger: ParLedger, plan: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of the PAR-index rule sets, only the one that scores this plan (none for a province
    without its own): another province's set is in force for its level, not for this unit."""
    try:
        own = scoring_rules(ledger, ledger.load(Plan, ids.plan_id(plan), "kế hoạch")).id
    except NotFound:
        own = None
    others = {r.id for r in packaged()} - {own}
    return [r for r in found if r["rule"] not in others]
