"""PAR Index scores computed, not typed: every criterion's points from the scores recorded for
it (appraised before self-assessed) or, where the rules allow, from the ledger's own facts,
summed into area and total scores under one rule version, with the reason for every point.

A pure function of the folded state, the date asked and the rules, like every view: the caller
chooses the rules (``rules.scoring.lookup`` for the plan's level and year, as known at the
moment asked), so adding a rule version for another year changes nothing here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from projections.state import LedgerState
from projections.views import (
    COMMUNE_KINDS,
    SPECIALISED_KINDS,
    apology_register,
    inspected_share,
    plan_doc,
    plan_year,
    task_board,
)
from rules.scoring import Criterion, ScoringRules

SOURCE_VN = {
    "appraised": "điểm thẩm định",
    "self_assessed": "điểm tự đánh giá",
    "derived": "tính từ dữ kiện sổ cái",
}
ROLE_ORDER = ("appraised", "self_assessed")  # the appraisal decides where there is one


def text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _vn_day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def facts(state: LedgerState, plan: str, as_of: date) -> dict[str, tuple[Decimal | None, str]]:
    """Each ledger fact a criterion may be derived from: (share in percent or None, basis)."""
    year = plan_year(state, plan) or as_of.year
    board = task_board(state, plan, as_of)
    leaves = [r for r in board["tasks"] if not r["heading"] and r["status"] != "cancelled"]
    on_time = sum(r["status"] == "completed_on_time" for r in leaves)
    found: dict[str, tuple[Decimal | None, str]] = {
        "tasks_completed_on_time": (
            _share(on_time, len(leaves)),
            f"{on_time}/{len(leaves)} nhiệm vụ của kế hoạch hoàn thành đúng hạn",
        )
    }
    compliance = apology_register(state, plan, as_of)["compliance"]
    late, in_time = compliance["late_dossiers"], compliance["apologies_in_time"]
    found["apologies_in_time"] = (
        (Decimal(100), "không có hồ sơ trễ hạn nào phải xin lỗi")
        if late == 0
        else (_share(in_time, late), f"{in_time}/{late} hồ sơ trễ hạn được xin lỗi đúng hạn")
    )
    for fact, kinds in (
        ("specialised_offices_inspected", SPECIALISED_KINDS),
        ("communes_inspected", COMMUNE_KINDS),
    ):
        share = inspected_share(state, plan, kinds, year, as_of)
        found[fact] = (share["value"], share["basis"])
    return found


def _share(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) * 100 / whole).quantize(Decimal("0.01"))


def _recorded(doc: dict[str, Any], code: str, kind: str) -> dict[str, Any] | None:
    found = doc.get("criteria", {}).get(f"{code}:{kind}")
    return None if found is None else dict(found)


def _derived(c: Criterion, known: dict[str, tuple[Decimal | None, str]]) -> dict[str, Any] | None:
    if c.derive is None:
        return None
    share, basis = known[c.derive.fact]
    if share is None:
        return {"fact": c.derive.fact, "share": None, "score": None, "basis": basis}
    points, band = c.derive.points(share)
    rule = (
        f"mức ≥ {text(band.at_least)}% được {text(band.points)} điểm"
        if band
        else f"dưới mức thấp nhất ({text(c.derive.bands[-1].at_least)}%): 0 điểm"
    )
    return {
        "fact": c.derive.fact,
        "share": text(share),
        "score": text(points),
        "basis": f"{basis} ({text(share)}%); {rule}",
    }


def _why(c: Criterion, source: str | None, row: dict[str, Any], rules: ScoringRules) -> str:
    of = f"theo bộ chỉ số {rules.ref}, tối đa {text(c.max_points)} điểm"
    if source is None:
        how = (
            "dữ kiện sổ cái chưa đủ để tính"
            if c.derive is not None
            else "tiêu chí này không tính được từ dữ kiện sổ cái"
        )
        return f"chưa có điểm: chưa ghi điểm tự đánh giá hay thẩm định; {how} ({of})"
    if source == "derived":
        return f"{row['score']} điểm {SOURCE_VN[source]}: {row['derived']['basis']} ({of})"
    rec = row[source]
    by = rec["by"]
    said = f"{rec['score']} điểm" if rec["score"] == row["score"] else (
        f"{row['score']} điểm (đã ghi {rec['score']}, giới hạn ở điểm tối đa)"
    )  # fmt: skip
    parts = [
        f"{said}: {SOURCE_VN[source]} do {by['name']} ({by['role']}) ghi, hiệu lực "
        f"{_vn_day(rec['on'])}, sự kiện vị trí {rec['position']}, chấm theo {rec['rules']}",
    ]
    if rec.get("evidence"):
        parts.append(f"minh chứng: {rec['evidence']}")
    if rec.get("reason"):
        parts.append(f"lý do: {rec['reason']}")
    return "; ".join(parts) + f" ({of})"


def _criterion(
    c: Criterion, doc: dict[str, Any], known: dict[str, Any], rules: ScoringRules
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "criterion": c.code,
        "name": c.name,
        "area": c.area,
        "parent": c.parent,
        "kind": c.kind,
        "max_points": text(c.max_points),
        "derivable": c.derive is not None,
        **{kind: _recorded(doc, c.code, kind) for kind in ROLE_ORDER},
        "derived": _derived(c, known),
    }
    source = next((k for k in ROLE_ORDER if row[k] is not None), None)
    if source is None and row["derived"] is not None and row["derived"]["score"] is not None:
        source = "derived"
    score = None
    if source is not None:
        # A score recorded under an older rule version may exceed a corrected maximum.
        score = min(Decimal(row[source]["score"]), c.max_points)
    row.update(score=None if score is None else text(score), source=source)
    row["why"] = _why(c, source, row, rules)
    return row


def _sum(values: list[str | None]) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def _self_or_derived(row: dict[str, Any]) -> str | None:
    if row["self_assessed"] is not None:
        return str(min(Decimal(row["self_assessed"]["score"]), Decimal(row["max_points"])))
    derived = row["derived"]
    return None if derived is None else derived["score"]


def computed_scores(
    state: LedgerState, plan: str, as_of: date, rules: ScoringRules
) -> dict[str, Any]:
    """Area and total scores of ``plan`` as of ``as_of`` computed under ``rules``, beside the
    area scores typed in (``Plan.AreaScored``)."""
    doc = plan_doc(state, plan) or {}
    known = facts(state, plan, as_of)
    typed = doc.get("scores", {})
    targets = {a["code"]: a for a in doc.get("areas", [])}
    criteria: list[dict[str, Any]] = []
    areas: list[dict[str, Any]] = []
    for area in rules.areas:
        leaves = [_criterion(c, doc, known, rules) for c in area.criteria if c.scored]
        criteria += leaves
        appraised = [r["appraised"]["score"] for r in leaves if r["appraised"] is not None]
        score = _sum([r["score"] for r in leaves])
        areas.append(
            {
                "area": area.code,
                "name": area.name,
                "max_points": text(area.max_points),
                "target_score": targets.get(area.code, {}).get("target_score"),
                "score": text(score),
                "self_assessed": text(_sum([_self_or_derived(r) for r in leaves])),
                "appraised": text(_sum(appraised)) if appraised else None,
                "scored": sum(r["score"] is not None for r in leaves),
                "criteria": len(leaves),
                "typed": {k: typed.get(f"{area.code}:{k}") for k in ("self_assessed", "appraised")},
            }
        )
    codes = {c.code for c in rules.leaves()}
    unmatched = sorted(
        {key.rpartition(":")[0] for key in doc.get("criteria", {}) if key != "_s"} - codes
    )
    return {
        "plan": plan,
        "as_of": as_of.isoformat(),
        "rules": rules.summary(),
        "areas": areas,
        "criteria": criteria,
        "total": _total(areas, rules),
        "unmatched": unmatched,
    }


def _total(areas: list[dict[str, Any]], rules: ScoringRules) -> dict[str, Any]:
    appraised = [a["appraised"] for a in areas if a["appraised"] is not None]
    typed = {
        kind: text(_sum([a["typed"][kind] for a in areas])) if any(
            a["typed"][kind] is not None for a in areas
        ) else None
        for kind in ("self_assessed", "appraised")
    }  # fmt: skip
    return {
        "score": text(_sum([a["score"] for a in areas])),
        "max_points": text(rules.max_points),
        "self_assessed": text(_sum([a["self_assessed"] for a in areas])),
        "appraised": text(_sum(appraised)) if appraised else None,
        "typed": typed,
        "rules": rules.ref,
    }
