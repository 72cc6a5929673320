"""What each page shows, shaped from :class:`reports.data.Facts` and the audit index.

Filters are checked here: an unknown area, agency or status is an error naming the field,
never an empty page that looks like "no tasks".
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ
from ledger import scope
from ledger.application import ParLedger
from ledger.refs import parse_ref
from projections.audit import AuditRow, audit_filter, audit_trail
from projections.audit import timeline as entity_timeline
from projections.register import KIND_VN, obligation_register
from projections.register import STATUS_VN as OBLIGATION_STATUS_VN
from projections.scope import plan_areas
from projections.scoring import computed_scores
from projections.state import LedgerState
from projections.views import STATUS_VN, TASK_STATUSES, in_plan
from replay.engine import end_of_day
from replay.reports import diff
from reports.charts import CHARTS
from reports.data import Facts, Period, find_period
from reports.tables import status_counts

AUDIT_PAGE = 50


def _choice(value: str, allowed: dict[str, str], field: str, what: str) -> str:
    if value and value not in allowed:
        raise InvalidValue(
            f"{what} {value!r} không có; chọn một trong: {', '.join(allowed)}", field=field
        )
    return value


def periods(facts: Facts) -> list[dict[str, Any]]:
    """The reporting periods with the submissions of each (newest last)."""
    submitted: dict[str, list[dict[str, Any]]] = {}
    reports = facts.plan_doc.get("reports", {})
    for position in sorted(reports, key=int):
        submitted.setdefault(reports[position]["period"], []).append(reports[position])
    return [
        {"period": Period.from_doc(p), "submissions": submitted.get(p["code"], [])}
        for p in facts.plan_doc.get("reporting", [])
    ]


def computed(
    ledger: ParLedger, state: LedgerState, plan: str, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    """The PAR Index scores computed under the rules of the plan's level and year (as known
    at ``known_at``), or why there are none."""
    known_on = None if known_at is None else known_at.astimezone(VN_TZ).date()
    try:
        rules = scope.scoring_rules(ledger, ledger.get_plan(plan), known_on=known_on)
    except NotFound as missing:
        return {"computed": None, "computed_missing": missing.message}
    return {"computed": computed_scores(state, plan, as_of, rules), "computed_missing": None}


def overview(facts: Facts) -> dict[str, Any]:
    counts = status_counts(facts)
    indicators = facts.views["target_attainment"]["indicators"]
    return {
        "counts": counts,
        "total_tasks": sum(counts.values()),
        "target_counts": Counter(r["status"] for r in indicators),
        "indicator_total": len(indicators),
        "scores": facts.views["area_scores"],
        "coverage": facts.views["inspection_history"]["coverage"],
        "open_findings": len(facts.views["inspection_history"]["open_findings"]),
        "compliance": facts.views["apology_register"]["compliance"],
        "periods": periods(facts),
        "warnings": facts.plan_doc.get("warnings", []),
        "charts": CHARTS,
    }


def task_board(facts: Facts, filters: dict[str, str]) -> dict[str, Any]:
    board = facts.views["task_board"]
    areas = {a["code"]: a["name"] for a in plan_areas(facts.plan_doc, facts.as_of)}
    codes = sorted({c for r in board["tasks"] for c in (*r["lead"], *r["coordinating"])})
    agencies = {c: facts.name(c) for c in sorted(codes, key=facts.name)}
    statuses = {s: STATUS_VN[s] for s in TASK_STATUSES}
    area = _choice(filters["area"], areas, "area", "lĩnh vực")
    agency = _choice(filters["agency"], agencies, "agency", "cơ quan")
    status = _choice(filters["status"], statuses, "status", "trạng thái")
    rows = [
        r
        for r in board["tasks"]
        if (not area or r["area"] == area)
        and (not status or r["status"] == status)
        and (not agency or agency in r["lead"] or agency in r["coordinating"])
    ]
    return {
        "rows": rows,
        "filters": filters,
        "areas": areas,
        "agencies": agencies,
        "statuses": statuses,
        "counts": Counter(r["status"] for r in rows if not r["heading"]),
    }


def targets(state: LedgerState, facts: Facts) -> dict[str, Any]:
    """Each target with its indicators' attainment and every figure ever recorded for it."""
    rows = facts.views["target_attainment"]["indicators"]
    found = []
    docs = in_plan(state, "targets", facts.plan, facts.as_of)
    for doc in sorted(docs, key=lambda d: d["number"]):
        history = sorted(
            (
                {"id": mid, **{k: v for k, v in m.items() if k != "_s"}}
                for mid, m in doc.get("measurements", {}).items()
            ),
            key=lambda m: m["recorded"][1],
        )
        found.append(
            {
                "number": doc["number"],
                "wording": doc.get("wording", ""),
                "indicators": [r for r in rows if r["target"] == doc["number"]],
                "history": history,
            }
        )
    return {
        "targets": found,
        "compliance": facts.views["target_attainment"]["apology_compliance"],
    }


def _agencies_of(facts: Facts, codes: list[str]) -> dict[str, str]:
    return {c: facts.name(c) for c in sorted(set(codes), key=facts.name)}


def inspections(facts: Facts, agency: str) -> dict[str, Any]:
    history = facts.views["inspection_history"]
    agencies = _agencies_of(facts, list(history["agencies"]))
    if agency and agency not in facts.names:
        raise InvalidValue(f"cơ quan {agency!r} không có trong danh mục", field="agency")
    shown = {
        code: items for code, items in history["agencies"].items() if not agency or code == agency
    }
    return {
        "by_agency": shown,
        "agencies": agencies,
        "agency": agency,
        "coverage": history["coverage"],
        "overdue": history["overdue_findings"],
        "open_findings": history["open_findings"],
    }


def apologies(facts: Facts, agency: str) -> dict[str, Any]:
    register = facts.views["apology_register"]
    if agency and agency not in facts.names:
        raise InvalidValue(f"cơ quan {agency!r} không có trong danh mục", field="agency")
    rows = [r for r in register["dossiers"] if not agency or r["agency"] == agency]
    return {
        "rows": rows,
        "agencies": _agencies_of(facts, [r["agency"] for r in register["dossiers"]]),
        "agency": agency,
        "rule": register["rule"],
        "compliance": register["compliance"],
    }


def obligations(state: LedgerState, facts: Facts, filters: dict[str, str]) -> dict[str, Any]:
    """The register of the plan's obligations (``projections.register``), filtered."""
    if filters["agency"] and filters["agency"] not in facts.names:
        raise InvalidValue(f"cơ quan {filters['agency']!r} không có trong danh mục", field="agency")
    if filters["status"] and filters["status"] not in OBLIGATION_STATUS_VN:
        raise InvalidValue(f"không có trạng thái {filters['status']!r}", field="status")
    every = obligation_register(state, facts.plan, facts.as_of)
    found = obligation_register(
        state,
        facts.plan,
        facts.as_of,
        agency=filters["agency"] or None,
        status=filters["status"] or None,
    )
    return {
        **found,
        "agencies": _agencies_of(facts, [r["agency"] for r in every["obligations"] if r["agency"]]),
        "statuses": OBLIGATION_STATUS_VN,
        "kinds": KIND_VN,
        "filters": filters,
    }


def audit(
    ledger: ParLedger,
    plan: str,
    as_of: date | None,
    position: int,
    filters: dict[str, str],
    cursor: str,
) -> dict[str, Any]:
    """One page of the plan's audit trail, newest first, up to what was known at
    ``position`` and (with ``as_of``) effective by the end of that day."""

    if cursor and not cursor.isdigit():
        raise InvalidValue(f"con trỏ trang {cursor!r} phải là số", field="cursor")
    where = audit_filter(
        plan=plan,
        entity=filters["entity"] or None,
        event_type=filters["type"] or None,
        actor=filters["by"] or None,
        effective_to=end_of_day(as_of) if as_of else None,
        upto=position,
    )
    found = audit_trail(ledger, where, cursor=int(cursor or 0), limit=AUDIT_PAGE, newest_first=True)
    return {"rows": [_row(r) for r in found.rows], "next_cursor": found.next_cursor}


def _row(row: AuditRow) -> dict[str, Any]:
    """An audit row as plain data, with its late-entry mark."""
    shown: dict[str, Any] = jsonable_encoder(row)
    return {**shown, "backdated": row.backdated}


def timeline(ledger: ParLedger, ref: str, as_of: date | None, position: int) -> dict[str, Any]:
    found = entity_timeline(
        ledger, parse_ref(ref), as_of=end_of_day(as_of) if as_of else None, upto=position
    )
    if not found.entries:
        raise NotFound(f"không có sự kiện nào của {ref} trong phạm vi đã chọn", field="ref")
    return {
        "entity": found.entity,
        "state": jsonable_encoder(found.state),
        "entries": [_row(r) for r in found.entries],
    }


def reports(facts: Facts) -> dict[str, Any]:
    return {"periods": periods(facts), "formats": ("docx", "xlsx", "csv", "json")}


def changes(ledger: ParLedger, facts: Facts, period_text: str) -> dict[str, Any]:
    """What changed about a submitted report: the report as known at its submission against
    the report as known now, task by task and indicator by indicator, with the events."""

    period = find_period(ledger, facts.plan, period_text)
    found = diff(ledger, facts.plan, period.code)
    changed = found["changes"]

    def rows_changed(view: str, rows: str, key: str) -> list[dict[str, Any]]:
        """The rows of ``view`` that differ now from then, matched by ``key``."""
        if view not in changed:
            return []
        then = {r[key]: r for r in changed[view]["then"][rows]}
        return [
            {"now": row, "then": then.get(row[key])}
            for row in changed[view]["now"][rows]
            if then.get(row[key]) != row
        ]

    return {
        "period": period,
        "diff": found,
        "task_changes": rows_changed("task_board", "tasks", "number"),
        "indicator_changes": rows_changed("target_attainment", "indicators", "indicator"),
        "other_views": [
            v for v in found["changed_views"] if v not in ("task_board", "target_attainment")
        ],
    }
