"""What users read, computed from a folded :class:`LedgerState` and the date asked about.

The fold keeps facts; statuses that depend on the calendar ("overdue", "not met") are decided
here, for the date of the question, so the same state answers for any date and the live views
need no event to notice that a deadline passed. Every function is pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from projections.scope import plan_areas, plan_unit, unit_agencies, withdrawn_by
from projections.state import Doc, LedgerState

TASK_STATUSES = (
    "not_started",
    "in_progress",
    "completed_on_time",
    "completed_late",
    "overdue",
    "cancelled",
)
STATUS_VN = {
    "not_started": "chưa thực hiện",
    "in_progress": "đang thực hiện",
    "completed_on_time": "hoàn thành đúng hạn",
    "completed_late": "hoàn thành quá hạn",
    "overdue": "quá hạn",
    "cancelled": "đã hủy",
    "met": "đạt",
    "not_met": "không đạt",
    "at_risk": "có nguy cơ không đạt",
    "no_data": "chưa có số liệu",
}
# Decree 61/2018/NĐ-CP on the one-stop-shop mechanism, art. 19, as amended by Decree
# 107/2021/NĐ-CP: for a dossier that will be late, the handling agency sends the applicant a
# written apology with a new appointment date ("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
# no later than one day before the due date.
APOLOGY_RULE = (
    "Nghị định 61/2018/NĐ-CP, Điều 19 (sửa đổi bởi Nghị định 107/2021/NĐ-CP): phiếu xin lỗi "
    "và hẹn lại ngày trả kết quả gửi chậm nhất 01 ngày trước ngày hết hạn giải quyết"
)
APOLOGY_LEAD_DAYS = 1
SPECIALISED_KINDS = ("office", "specialised_office")
COMMUNE_KINDS = ("commune", "town")


def _uuid(hex_key: str) -> str:
    return str(UUID(hex_key))


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _plan_docs(state: LedgerState, kind: str, plan: str) -> list[Doc]:
    return [d for d in state.kind(kind).values() if d.get("plan") == plan]


def in_plan(state: LedgerState, kind: str, plan: str, as_of: date) -> list[Doc]:
    """The plan's tasks or targets on ``as_of``, those withdrawn by then left out."""
    return [d for d in _plan_docs(state, kind, plan) if not withdrawn_by(d.get("withdrawn"), as_of)]


def plan_doc(state: LedgerState, plan: str) -> Doc | None:
    return next((d for d in state.kind("plans").values() if d.get("plan") == plan), None)


def plan_year(state: LedgerState, plan: str) -> int | None:
    doc = plan_doc(state, plan)
    return int(doc["year"]) if doc and "year" in doc else None


# --- task board -----------------------------------------------------------------------------


def _number_key(number: str) -> tuple[int, str]:
    head, _, tail = number.partition(".")
    return (int(head) if head.isdigit() else 10**6, tail)


def task_status(doc: Doc, as_of: date) -> str:
    lifecycle = doc.get("lifecycle", {}).get("state", "open")
    due = _d(doc.get("window", [None, None])[1])
    if lifecycle == "cancelled":
        return "cancelled"
    if lifecycle == "completed":
        done = _d(doc["lifecycle"]["on"])
        return "completed_on_time" if due is None or (done and done <= due) else "completed_late"
    if due is not None and as_of > due:
        return "overdue"
    if lifecycle == "reopened" or doc.get("started_on"):
        return "in_progress"
    return "not_started"


_SEVERITY = ["overdue", "not_started", "in_progress", "completed_late", "completed_on_time"]


def task_board(state: LedgerState, plan: str, as_of: date) -> dict[str, Any]:
    docs = sorted(in_plan(state, "tasks", plan, as_of), key=lambda d: _number_key(d["number"]))
    children: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        if doc.get("parent"):
            children[doc["parent"]].append(doc)
    rows: list[dict[str, Any]] = []
    for doc in docs:
        kids = children.get(doc["number"], [])
        if kids:
            # A heading row: its status is the worst of its sub-items that still count.
            statuses = [task_status(k, as_of) for k in kids]
            live = [s for s in statuses if s != "cancelled"] or ["cancelled"]
            status = min(live, key=lambda s: _SEVERITY.index(s) if s in _SEVERITY else 99)
        else:
            status = task_status(doc, as_of)
        window = doc.get("window", [None, None])
        lifecycle = doc.get("lifecycle", {})
        rows.append(
            {
                "number": doc["number"],
                "parent": doc.get("parent"),
                "heading": bool(kids),
                "area": doc["area"],
                "content": doc.get("content", ""),
                "lead": doc.get("lead", []),
                "coordinating": doc.get("coordinating", []),
                "start": window[0],
                "due": window[1],
                "status": status,
                "completed_on": lifecycle.get("on")
                if lifecycle.get("state") == "completed"
                else None,
                "percent": doc.get("percent"),
                "evidence": len(doc.get("evidence", {})),
                "version": doc.get("version"),
            }
        )
    leaves = [r for r in rows if not r["heading"]]
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "tasks": rows,
        "by_status": dict(Counter(r["status"] for r in leaves)),
        "by_area": tally((r["area"], r["status"]) for r in leaves),
        "by_lead": tally(
            (agency, r["status"]) for r in leaves for agency in r["lead"] or ["(chưa giao)"]
        ),
    }


def tally(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """How many of each status under each key, from ``(key, status)`` pairs; keys sorted."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for key, status in pairs:
        found[key][status] += 1
    return {key: dict(counts) for key, counts in sorted(found.items())}


# --- target attainment --------------------------------------------------------------------


def _satisfies(value: Decimal, ind: Doc) -> bool:
    threshold = Decimal(str(ind["threshold"]))
    comparator = ind["comparator"]
    if comparator == "between":
        return threshold <= value <= Decimal(str(ind["upper"]))
    if comparator == ">=":
        return value >= threshold
    if comparator == "<=":
        return value <= threshold
    return value == threshold


def _rule(ind: Doc) -> str:
    unit = ind.get("unit", "")
    if ind["comparator"] == "between":
        return f"trong khoảng {ind['threshold']}–{ind['upper']} ({unit})"
    return f"{ind['comparator']} {ind['threshold']}{unit}"


def _share(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def _derived(state: LedgerState, plan: str, ind: Doc, as_of: date, year: int) -> dict[str, Any]:
    source = ind["derived_from"]
    if source == "tasks_completed_on_time":
        board = task_board(state, plan, as_of)
        leaves = [r for r in board["tasks"] if not r["heading"] and r["status"] != "cancelled"]
        on_time = sum(r["status"] == "completed_on_time" for r in leaves)
        failed = sum(r["status"] in ("completed_late", "overdue") for r in leaves)
        value = _share(on_time, len(leaves))
        best = _share(len(leaves) - failed, len(leaves))
        basis = f"{on_time}/{len(leaves)} nhiệm vụ hoàn thành đúng hạn; {failed} quá hạn"
        return {"value": value, "best_possible": best, "basis": basis}
    kinds = SPECIALISED_KINDS if source == "specialised_offices_inspected" else COMMUNE_KINDS
    return inspected_share(state, plan, kinds, year, as_of)


def inspected_share(
    state: LedgerState, plan: str, kinds: tuple[str, ...], year: int, as_of: date
) -> dict[str, Any]:
    population = unit_agencies(state, plan_unit(state, plan), kinds, as_of)
    inspected = {
        d["agency"]
        for d in _plan_docs(state, "inspections", plan)
        if d.get("conducted") and d["conducted"]["on"][:4] == str(year)
    } & population
    value = _share(len(inspected), len(population))
    return {
        "value": value,
        "best_possible": Decimal(100) if population else None,
        "basis": f"{len(inspected)}/{len(population)} đơn vị đã được kiểm tra trong năm {year}",
    }


def target_attainment(state: LedgerState, plan: str, as_of: date) -> dict[str, Any]:
    year = plan_year(state, plan) or as_of.year
    year_over = as_of >= date(year, 12, 31)
    out: list[dict[str, Any]] = []
    for target in sorted(in_plan(state, "targets", plan, as_of), key=lambda d: d["number"]):
        for ind in target.get("indicators", []):
            row: dict[str, Any] = {
                "target": target["number"],
                "indicator": ind["code"],
                "label": ind["label"],
                "threshold": _rule(ind),
                "derived": bool(ind.get("derived_from")),
            }
            if ind.get("derived_from"):
                d = _derived(state, plan, ind, as_of, year)
                value, best = d["value"], d["best_possible"]
                row.update(value=value, basis=d["basis"], measurement=None)
                closed = year_over or (best is not None and not _satisfies(best, ind))
            else:
                valid = [
                    (mid, m)
                    for mid, m in target.get("measurements", {}).items()
                    if m.get("status") == "valid" and m.get("indicator") == ind["code"]
                ]
                latest = max(
                    valid, key=lambda p: (p[1]["period_end"], p[1]["recorded"]), default=None
                )
                value = Decimal(latest[1]["value"]) if latest else None
                row.update(
                    value=value,
                    measurement=latest[0] if latest else None,
                    basis=(
                        f"số liệu kỳ {latest[1]['period_start']}–{latest[1]['period_end']}, "
                        f"nguồn: {latest[1]['source']}"
                        if latest
                        else "chưa có số liệu báo cáo"
                    ),
                )
                closed = year_over or bool(latest and latest[1]["period_end"] >= f"{year}-12-31")
            if value is None:
                status, why = "no_data", "chưa có số liệu"
            elif _satisfies(value, ind):
                status, why = "met", f"{value} thỏa {_rule(ind)}"
            elif closed:
                status, why = "not_met", f"{value} không thỏa {_rule(ind)}; không còn khả năng đạt"
            else:
                status, why = "at_risk", f"{value} chưa thỏa {_rule(ind)}; năm {year} chưa kết thúc"
            row.update(status=status, rule=why, value=None if value is None else str(value))
            out.append(row)
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "indicators": out,
        "apology_compliance": apology_register(state, plan, as_of)["compliance"],
    }


# --- area scores ------------------------------------------------------------------------------


def area_scores(state: LedgerState, plan: str, as_of: date) -> dict[str, Any]:
    doc = plan_doc(state, plan) or {}
    scores = doc.get("scores", {})
    rows = []
    totals = {
        "target": Decimal(0),
        "max": Decimal(0),
        "self_assessed": Decimal(0),
        "appraised": Decimal(0),
    }
    for area in plan_areas(doc, as_of):
        row = {
            "area": area["code"],
            "name": area["name"],
            "target_score": area["target_score"],
            "max_score": area["max_score"],
            "self_assessed": scores.get(f"{area['code']}:self_assessed"),
            "appraised": scores.get(f"{area['code']}:appraised"),
        }
        totals["target"] += Decimal(area["target_score"])
        totals["max"] += Decimal(area["max_score"])
        for kind in ("self_assessed", "appraised"):
            if row[kind] is not None:
                totals[kind] += Decimal(row[kind])
        rows.append(row)
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "areas": rows,
        "total": {k: format(v.normalize(), "f") for k, v in totals.items()},
    }


# --- inspections ------------------------------------------------------------------------------


def inspection_history(
    state: LedgerState, plan: str, as_of: date, agency: str | None = None
) -> dict[str, Any]:
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    open_findings: list[dict[str, Any]] = []
    for key, doc in state.kind("inspections").items():
        if doc.get("plan") != plan or (agency and doc["agency"] != agency):
            continue
        findings = []
        for fid, f in sorted(doc.get("findings", {}).items()):
            state_ = f.get("status", {}).get("state", "open")
            deadline = _d(f.get("deadline"))
            overdue = state_ == "open" and deadline is not None and as_of > deadline
            item = {
                "finding_id": fid,
                "finding": f.get("finding"),
                "recommendation": f.get("recommendation"),
                "deadline": f.get("deadline"),
                "status": state_,
                "closed_on": f["status"]["on"] if state_ == "closed" else None,
                "overdue": overdue,
                "remediation": [f["remediation"][k] for k in sorted(f["remediation"], key=int)],
            }
            findings.append(item)
            if state_ == "open":
                open_findings.append({"agency": doc["agency"], **item})
        conclusion = doc.get("conclusion")
        by_agency[doc["agency"]].append(
            {
                "inspection": f"inspection:{_uuid(key)}",
                "kind": doc["kind"],
                "scope": doc["scope"],
                "scheduled_on": doc["scheduled_on"],
                "conducted_on": (doc.get("conducted") or {}).get("on"),
                "status": "concluded"
                if conclusion
                else "conducted"
                if doc.get("conducted")
                else "planned",
                "conclusion": conclusion,
                "findings": findings,
            }
        )
    year = plan_year(state, plan) or as_of.year
    coverage = {}
    for name, kinds in (("specialised_offices", SPECIALISED_KINDS), ("communes", COMMUNE_KINDS)):
        share = inspected_share(state, plan, kinds, year, as_of)
        value = share["value"]
        coverage[name] = {"value": None if value is None else str(value), "basis": share["basis"]}
    for rows in by_agency.values():
        rows.sort(key=lambda r: r["scheduled_on"])
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "agencies": dict(sorted(by_agency.items())),
        "open_findings": open_findings,
        "overdue_findings": [f for f in open_findings if f["overdue"]],
        "coverage": coverage,
    }


# --- apologies --------------------------------------------------------------------------------


def apology_register(
    state: LedgerState,
    plan: str,
    as_of: date,
    agency: str | None = None,
    period: tuple[date, date] | None = None,
) -> dict[str, Any]:
    rows = []
    for doc in _plan_docs(state, "dossiers", plan):
        if agency and doc["agency"] != agency:
            continue
        due = date.fromisoformat(doc["due_on"])
        if period and not period[0] <= due <= period[1]:
            continue
        apologies = [
            {"apology_id": k, **{f: v for f, v in a.items() if f != "_s"}}
            for k, a in sorted(doc.get("apologies", {}).items())
            if not a.get("withdrawn")
        ]
        first = min(apologies, key=lambda a: a["issued_on"], default=None)
        latest = max(apologies, key=lambda a: a["issued_on"], default=None)
        deadline = due - timedelta(days=APOLOGY_LEAD_DAYS)
        in_time = first is not None and date.fromisoformat(first["issued_on"]) <= deadline
        returned = _d(doc.get("returned_on"))
        appointment = _d(latest["new_appointment"]) if latest else None
        if appointment is None:
            kept = None
        elif returned is not None:
            kept = returned <= appointment
        elif as_of > appointment:
            kept = False
        else:
            kept = None  # the new appointment has not come yet
        rows.append(
            {
                "dossier": doc["code"],
                "procedure": doc["procedure"],
                "agency": doc["agency"],
                "received_on": doc["received_on"],
                "due_on": doc["due_on"],
                "apologies": apologies,
                "apology_in_time": in_time,
                "returned_on": doc.get("returned_on"),
                "new_appointment": latest["new_appointment"] if latest else None,
                "appointment_kept": kept,
            }
        )
    rows.sort(key=lambda r: (r["agency"], r["due_on"], r["dossier"]))
    late = len(rows)
    in_time_count = sum(r["apology_in_time"] for r in rows)
    kept_count = sum(r["appointment_kept"] is True for r in rows)
    missed = sum(r["appointment_kept"] is False for r in rows)
    share = _share(in_time_count, late)
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "rule": APOLOGY_RULE,
        "dossiers": rows,
        "compliance": {
            "late_dossiers": late,
            "apologies_in_time": in_time_count,
            "apologies_missing_or_late": late - in_time_count,
            "appointments_kept": kept_count,
            "appointments_missed": missed,
            "share_in_time": None if share is None else str(share),
        },
    }
