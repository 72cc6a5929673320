"""One report model, assembled from the replay, that every format renders.

``build_report`` takes the period's content exactly as ``replay.reports.report_content``
hashes it (so a downloaded report and a submitted one share their SHA-256), and adds what a
reader needs and the hash does not cover: agency names, time frames as the plan wrote them,
the date of issue. ``reports.tables`` turns the facts into the five tables (tasks, targets,
scores, inspections, apologies) that Excel sheets, Word tables and CSV sections all show.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ
from integrity.digests import key_path, load_or_create_key
from integrity.sealing import PUBLISHED_ENV, Evidence, evidence_at
from ledger.application import ParLedger
from projections.state import LedgerState
from projections.views import plan_doc
from replay.engine import position_known_at, replay_state
from replay.reports import report_content, reporting_period

PERIOD_SYNTAX = re.compile(r"^(?:(\d{4})-)?([A-Za-z][A-Za-z0-9]{0,3})$")


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str
    name: str  # "Quý II năm 2023"
    start: date
    end: date
    cutoff_from: date  # the data window (Decree 09/2019/NĐ-CP art. 12)
    cutoff_to: date
    due: date
    # Recorded with the plan's periods since reporting rules are versioned (None before):
    # the deadline moved off a day off, the rule version and the calendar's version.
    due_effective: date | None = None
    rule: str | None = None
    calendar: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Period:
        day = date.fromisoformat
        return cls(
            due_effective=day(doc["due_effective"]) if doc.get("due_effective") else None,
            rule=doc.get("rule"),
            calendar=doc.get("calendar"),
            code=doc["code"],
            name=doc["name"],
            start=day(doc["start"]),
            end=day(doc["end"]),
            cutoff_from=day(doc["cutoff_from"]),
            cutoff_to=day(doc["cutoff_to"]),
            due=day(doc["due"]),
        )


def parse_period(text: str) -> tuple[int | None, str]:
    """``Q2`` or ``2023-Q2`` (any case) → (year or None, ``Q2``)."""
    m = PERIOD_SYNTAX.match(text.strip())
    if m is None:
        raise InvalidValue(
            f"kỳ báo cáo {text!r} không hợp lệ: dùng mã kỳ như Q2, H1, Y hoặc 2023-Q2",
            field="period",
        )
    return (int(m.group(1)) if m.group(1) else None, m.group(2).upper())


def find_period(app: ParLedger, plan: str, text: str, position: int | None = None) -> Period:
    """The plan's reporting period named by ``text``, as recorded at ``position`` (default:
    now); the year, when given, must be the plan's."""
    year, code = parse_period(text)
    period = Period.from_doc(reporting_period(app, plan, code, position))
    if year is not None and year != period.end.year:
        raise NotFound(
            f"kế hoạch {plan} không có kỳ báo cáo {text!r}: kỳ {code} của kế hoạch thuộc năm "
            f"{period.end.year}",
            field="period",
        )
    return period


# --- dates from query strings and arguments --------------------------------------------------


def parse_day(text: str, name: str) -> date:
    """ISO (2023-06-30) or the users' form (30/06/2023); ``InvalidValue`` naming ``name``."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise InvalidValue(f"ngày không hợp lệ {text!r} (dạng 2023-06-30 hoặc 30/06/2023)", field=name)


def parse_known_at(text: str, name: str = "known_at") -> datetime:
    """A moment with or without its zone (Vietnam time then); a date alone is the end of
    that day: what the ledger had recorded by then."""
    text = text.strip()
    if len(text) > 10:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValue(
                f"thời điểm không hợp lệ {text!r} (dạng 2023-07-05T17:00:00+07:00 hoặc 2023-07-05)",
                field=name,
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
    day = parse_day(text, name)
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=VN_TZ)


# --- the facts of a plan at one point of both time axes --------------------------------------


@dataclass(frozen=True)
class Facts:
    """The views of a plan as of ``as_of`` at ledger ``position``, with the names to show."""

    plan: str
    as_of: date
    position: int
    plan_doc: dict[str, Any]
    views: dict[str, Any]  # task_board, target_attainment, area_scores, inspection_history,
    # apology_register: the shapes of ``projections.views``
    names: dict[str, str] = field(default_factory=dict)  # agency and group code → name
    timeframes: dict[str, str] = field(default_factory=dict)  # task number → text as written
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → its rule

    @property
    def unit(self) -> str:
        return str(self.plan_doc.get("unit", ""))

    @property
    def title(self) -> str:
        return str(self.plan_doc.get("title", self.plan))

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def names_of(self, codes: Iterable[str]) -> str:
        return "; ".join(self.name(c) for c in codes)


def directory_names(state: LedgerState) -> dict[str, str]:
    names: dict[str, str] = {}
    for kind in ("groups", "agencies"):  # an agency's own name wins over a group's
        names |= {d["code"]: str(d.get("name") or d["code"]) for d in state.kind(kind).values()}
    return names


def timeframes_of(state: LedgerState, plan: str) -> dict[str, str]:
    return {
        d["number"]: d.get("timeframe_text", "")
        for d in state.kind("tasks").values()
        if d.get("plan") == plan
    }


def indicators_of(state: LedgerState, plan: str) -> dict[str, dict[str, Any]]:
    return {
        ind["code"]: ind
        for d in state.kind("targets").values()
        if d.get("plan") == plan
        for ind in d.get("indicators", [])
    }


def facts_of(
    state: LedgerState, plan: str, as_of: date, position: int, views: dict[str, Any]
) -> Facts:
    doc = plan_doc(state, plan)
    if doc is None:
        raise NotFound(f"không có kế hoạch {plan}", field="plan")
    return Facts(
        plan=plan,
        as_of=as_of,
        position=position,
        plan_doc=doc,
        views=views,
        names=directory_names(state),
        timeframes=timeframes_of(state, plan),
        indicators=indicators_of(state, plan),
    )


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    facts: Facts  # as of the period's data cut-off
    period: Period
    known_at: datetime | None
    issued_on: date  # the date the document bears
    sha256: str  # of ``content``, as ``parledger report submit`` records it
    content: dict[str, Any]
    evidence: Evidence | None = None  # the checkpoint at ``facts.position``, to seal files

    @property
    def plan(self) -> str:
        return self.facts.plan


def build_report(
    app: ParLedger,
    plan: str,
    period_text: str,
    known_at: datetime | None = None,
    issued_on: date | None = None,
    *,
    position: int | None = None,
) -> Report:
    """The report of ``plan`` for a period, as the ledger knew it at ``known_at`` (or at
    ledger ``position``; default: now)."""
    upto = position if position is not None else position_known_at(app, known_at)
    period = find_period(app, plan, period_text, upto)
    built = report_content(app, plan, period.code, position=upto)
    content = built["content"]
    state, _ = replay_state(app, plan, period.cutoff_to, position=content["position"])
    views = {k: v for k, v in content.items() if k not in ("plan", "period", "position")}
    facts = facts_of(state, plan, period.cutoff_to, content["position"], views)
    when = issued_on or (known_at.astimezone(VN_TZ).date() if known_at else None)
    published = os.environ.get(PUBLISHED_ENV)
    return Report(
        facts=facts,
        period=period,
        known_at=known_at,
        issued_on=when or datetime.now(VN_TZ).date(),
        sha256=built["sha256"],
        content=content,
        evidence=evidence_at(
            app.ledger_recorder,
            load_or_create_key(key_path()),
            content["position"],
            Path(published) if published else None,
        ),
    )
