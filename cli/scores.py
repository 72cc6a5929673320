"""``parledger score show PLAN``: the plan's PAR Index scores computed from its criterion
scores under the rule version of its year, with the reason for every criterion's points,
beside the area scores typed in (``replay.scores``)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import EXIT_OK, Add, acting_user, emit
from cli.views import both_axes, vn_day
from ledger.application import ParLedger
from replay.readmodel import today
from replay.scores import plan_scores


def _points(value: str | None) -> str:
    return "—" if value is None else value


def _text(d: dict[str, Any]) -> str:
    rules, total = d["rules"], d["total"]
    source = rules["source"]
    lines = [
        f"Điểm Chỉ số CCHC của {d['plan']} tại ngày {vn_day(d['as_of'])} "
        f"(vị trí sổ cái {d['replay']['position']})",
        f"Bộ chỉ số: {rules['ref']} — {rules['title']}",
        f"  căn cứ: {source.get('document') or 'chưa ghi số văn bản'}"
        + ("" if rules["verified"] else f"; chưa đối chiếu văn bản gốc ({source.get('to_fill')})"),
        f"Tổng: {total['score']}/{total['max_points']} (tự đánh giá {total['self_assessed']}, "
        f"thẩm định {_points(total['appraised'])}; điểm nhập tay theo lĩnh vực: tự đánh giá "
        f"{_points(total['typed']['self_assessed'])}, thẩm định "
        f"{_points(total['typed']['appraised'])})",
    ]
    by_area: dict[str, list[dict[str, Any]]] = {}
    for row in d["criteria"]:
        by_area.setdefault(row["area"], []).append(row)
    for area in d["areas"]:
        typed = area["typed"]
        lines.append(
            f"{area['area']}. {area['name']}: {area['score']}/{area['max_points']} "
            f"(nhập tay: tự đánh giá {_points(typed['self_assessed'])}, thẩm định "
            f"{_points(typed['appraised'])})"
        )
        lines += [f"  {r['criterion']:<8} {r['why']}" for r in by_area.get(area["area"], [])]
    if d["unmatched"]:
        lines.append(
            f"Điểm đã ghi cho tiêu chí không có trong bộ chỉ số này: {', '.join(d['unmatched'])}"
        )
    return "\n".join(lines)


def cmd_score_show(app: ParLedger, args: argparse.Namespace) -> int:
    found = plan_scores(app, args.plan, args.as_of or today(), args.known_at, acting_user(app))
    emit(args, found, _text)
    return EXIT_OK


def register(add: Add) -> None:
    p = add(
        "score show",
        cmd_score_show,
        "điểm Chỉ số CCHC tính từ điểm tiêu chí theo bộ chỉ số của năm kế hoạch, với căn cứ "
        "từng điểm",
    )
    p.add_argument("plan", help="mã kế hoạch, ví dụ cat-hai-2023")
    both_axes(p, required=False)
    p.add_argument("--format", choices=("text", "json"), default="text")
