"""``parledger rollup UNIT``: a province's (or the whole ledger's) plans side by side as of a
date, as known at a time (``replay.rollup``), within what the acting user may read."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import EXIT_OK, Add, acting_user, emit
from cli.views import asked, both_axes
from ledger.application import ParLedger
from replay.rollup import WHOLE_LEDGER, rollup, unit_name


def _pct(value: str | None) -> str:
    return "—" if value is None else f"{value}%"


def _line(p: dict[str, Any]) -> str:
    a, t, s, c = p["attainment"], p["tasks"], p["scores"], p["coverage"]
    below = ", ".join(s["areas_below_target"]) or "không"
    return (
        f"  {p['plan']} ({p['unit']}, năm {p['year']})\n"
        f"    chỉ tiêu: đạt {a['met']}, có nguy cơ {a['at_risk']}, không đạt {a['not_met']}, "
        f"chưa có số liệu {a['no_data']} / {a['total']}\n"
        f"    nhiệm vụ: quá hạn {t['overdue']}, hoàn thành {t['completed']} / {t['total']}\n"
        f"    điểm: tự đánh giá {s['self_assessed']}, thẩm định {s['appraised']}, mục tiêu "
        f"{s['target']} / tối đa {s['max']}; lĩnh vực dưới mục tiêu: {below}\n"
        f"    kiểm tra: cơ quan chuyên môn {_pct(c['specialised_offices'])}, "
        f"xã {_pct(c['communes'])}"
    )


def _text(d: dict[str, Any]) -> str:
    totals = d["totals"]
    a, t = totals["attainment"], totals["tasks"]
    lines = [
        f"Tổng hợp {d['name']} {asked(d)}: {totals['plans']} kế hoạch",
        *(_line(p) for p in d["plans"]),
        f"Cộng: chỉ tiêu đạt {a['met']}, không đạt {a['not_met']}, chưa có số liệu "
        f"{a['no_data']} / {a['total']}; nhiệm vụ quá hạn {t['overdue']} / {t['total']}; "
        f"{totals['plans_below_target']} kế hoạch có lĩnh vực dưới mục tiêu",
    ]
    if d["withheld"]:
        lines.append(f"{d['withheld']} kế hoạch không hiện vì người dùng không có quyền xem")
    if d["not_yet"]:
        lines.append(f"Chưa có trong sổ cái tại thời điểm đó: {', '.join(d['not_yet'])}")
    return "\n".join(lines)


def cmd_rollup(app: ParLedger, args: argparse.Namespace) -> int:
    found = rollup(app, args.unit, args.as_of, args.known_at, acting_user(app))
    emit(args, {"name": unit_name(app, args.unit), **found}, _text)
    return EXIT_OK


def register(add: Add) -> None:
    p = add(
        "rollup",
        cmd_rollup,
        "tổng hợp các kế hoạch của một đơn vị và các đơn vị trực thuộc (hoặc toàn sổ cái) tại "
        "một ngày: chỉ tiêu, nhiệm vụ quá hạn, điểm, kiểm tra",
    )
    p.add_argument("unit", help=f"mã đơn vị, ví dụ hai-phong; {WHOLE_LEDGER}: toàn sổ cái")
    both_axes(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
