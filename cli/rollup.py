"""``parledger rollup UNIT``: a province's (or the whole ledger's) plans side by side as of a
date, as known at a time (``replay.rollup``), within what the acting user may read; and
``parledger unit list``, the recorded units (as ``GET /units``)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import EXIT_OK, Add, acting_user, emit
from cli.views import asked, both_axes
from domain.unit import LEVEL_NAMES, UNIT_LEVELS
from ledger.application import ParLedger
from projections.audit import MAX_PAGE
from replay.rollup import WHOLE_LEDGER, list_units, rollup, unit_name

STATE_NAMES = {"active": "đang tồn tại", "merged": "đã sáp nhập", "split": "đã chia tách"}
STATE_NAMES["dissolved"] = "đã giải thể"


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


def _unit_line(u: dict[str, Any]) -> str:
    status: dict[str, Any] = u["status"] or {}
    how = str(status.get("state") or "—")
    state = STATE_NAMES.get(how, how)
    if status.get("successors"):
        state += f" → {', '.join(status['successors'])}"
    under = f", trực thuộc {u['parent']}" if u["parent"] else ""
    level = LEVEL_NAMES.get(u["level"], u["level"])
    return f"  {u['code']}: {u['name']} ({level}{under}; {state})"


def _units_text(d: dict[str, Any]) -> str:
    lines = [f"Đơn vị hành chính: {len(d['items'])}", *map(_unit_line, d["items"])]
    if d["next_cursor"] is not None:
        lines.append(f"\nTrang sau: --cursor {d['next_cursor']}")
    return "\n".join(lines)


def cmd_unit_list(app: ParLedger, args: argparse.Namespace) -> int:
    acting_user(app)
    found = list_units(
        app, level=args.level, parent=args.parent, after=args.cursor, limit=args.limit
    )
    emit(args, found, _units_text)
    return EXIT_OK


def register(add: Add) -> None:
    p = add("unit list", cmd_unit_list, "các đơn vị hành chính đã ghi: mã, tên, cấp, cấp trên")
    p.add_argument("--level", choices=UNIT_LEVELS, help="chỉ các đơn vị cấp này")
    p.add_argument("--parent", help="chỉ các đơn vị trực thuộc trực tiếp đơn vị mã này")
    p.add_argument("--cursor", help="mã đơn vị cuối của trang trước (next_cursor)")
    p.add_argument("--limit", type=int, default=50, help=f"số dòng mỗi trang (tối đa {MAX_PAGE})")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "rollup",
        cmd_rollup,
        "tổng hợp các kế hoạch của một đơn vị và các đơn vị trực thuộc (hoặc toàn sổ cái) tại "
        "một ngày: chỉ tiêu, nhiệm vụ quá hạn, điểm, kiểm tra",
    )
    p.add_argument("unit", help=f"mã đơn vị, ví dụ hai-phong; {WHOLE_LEDGER}: toàn sổ cái")
    both_axes(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
