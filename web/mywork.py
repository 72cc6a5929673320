""" "Việc của tôi": what the signed-in person's agency owes, from the same views as every page.

* tasks their agency leads or coordinates by name that are overdue or due within
  :data:`HORIZON_DAYS`, soonest first (a group such as "Các cơ quan, đơn vị, địa phương"
  names no agency: it gives no write authority, so it puts nothing on anyone's list);
* indicators still without a figure, with the reporting window now open (the plan's
  reporting periods: the first whose due date has not passed);
* late dossiers of their agency whose apology is missing or late, and open inspection
  findings of their agency, with remediation deadlines.

Administrators, the secretariat, inspectors and auditors see the whole plan; an officer
their own agency only. Days are calendar days (the working-day calendar is not in the
ledger yet).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.values import Actor
from reports.data import Facts, Period

HORIZON_DAYS = 30
OPEN_TASK = ("not_started", "in_progress", "overdue")


def _days(due: str | None, today: date) -> int | None:
    return (date.fromisoformat(due) - today).days if due else None


def current_window(facts: Facts, today: date) -> Period | None:
    periods = [Period.from_doc(p) for p in facts.plan_doc.get("reporting", [])]
    upcoming = [p for p in periods if p.due >= today]
    return min(upcoming, key=lambda p: p.due) if upcoming else None


def my_work(facts: Facts, actor: Actor, today: date) -> dict[str, Any]:
    agency = actor.agency

    def mine(codes: list[str]) -> bool:
        return agency is None or agency in codes

    tasks = []
    for row in facts.views["task_board"]["tasks"]:
        if row["heading"] or row["status"] not in OPEN_TASK:
            continue
        left = _days(row["due"], today)
        soon = row["status"] == "overdue" or (left is not None and left <= HORIZON_DAYS)
        if soon and mine([*row["lead"], *row["coordinating"]]):
            tasks.append({**row, "days_left": left, "names": facts.name})
    tasks.sort(key=lambda r: (r["due"] or "9999", r["number"]))
    indicators = [
        r
        for r in facts.views["target_attainment"]["indicators"]
        if not r["derived"] and r.get("value") is None
    ]
    dossiers = [
        r
        for r in facts.views["apology_register"]["dossiers"]
        if not r["apology_in_time"] and r["returned_on"] is None and mine([r["agency"]])
    ]
    findings = [
        {**f, "days_left": _days(f.get("deadline"), today)}
        for f in facts.views["inspection_history"]["open_findings"]
        if mine([f["agency"]])
    ]
    findings.sort(key=lambda f: f.get("deadline") or "9999")
    return {
        "agency_name": facts.name(agency) if agency else None,
        "tasks": tasks,
        "overdue": sum(r["status"] == "overdue" for r in tasks),
        "indicators": indicators,
        "window": current_window(facts, today),
        "dossiers": dossiers,
        "findings": findings,
        "horizon": HORIZON_DAYS,
    }
