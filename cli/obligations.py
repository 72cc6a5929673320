"""``parledger obligations list|sweep``: the register of obligations the ledger raised itself
(``replay.obligations``), and the sweep that records those whose due moment passed
(``ledger.obligations``). ``obligations waive`` is derived from its declaration."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from cli.common import EXIT_OK, Add, emit
from cli.views import asked, both_axes, vn_day
from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from projections.register import KIND_VN, STATUS_VN, STATUSES
from replay.obligations import register


def _line(r: dict[str, Any]) -> str:
    who = r["agency"] or r["unit"]
    late = ""
    if r["met"]:
        late = f", thực hiện ngày {vn_day(r['met']['on'])}"
    if r["missed"]:
        seen = datetime.fromisoformat(r["missed"]["seen_at"]).astimezone(VN_TZ)
        late += f", ghi nhận bỏ lỡ lúc {seen:%d/%m/%Y %H:%M}"
    if r["waived"]:
        late += f", miễn: {r['waived']['reason']}"
    return (
        f"  {KIND_VN[r['kind']]:<10} {STATUS_VN[r['status']]:<30} hạn {vn_day(r['due_on'])}  "
        f"{who:<24} {r['cause']}{late}\n      {r['detail']} [{r['rule']}] {r['id']}"
    )


def _text(d: dict[str, Any]) -> str:
    scope = f"kế hoạch {d['plan']}" if d["plan"] else "mọi kế hoạch"
    counts = ", ".join(f"{STATUS_VN[k]}: {v}" for k, v in sorted(d["by_status"].items()))
    c = d["compliance"]
    return "\n".join(
        [
            f"Nghĩa vụ của {scope} {asked(d)}: {len(d['obligations'])}",
            *(_line(r) for r in d["obligations"]),
            f"Tổng hợp: {counts or 'không có'}; đúng hạn {c['met_on_time']}/{c['due']} "
            "nghĩa vụ đã đến hạn",
        ]
    )


def cmd_list(app: ParLedger, args: argparse.Namespace) -> int:
    found = register(
        app,
        args.as_of or datetime.now(VN_TZ).date(),
        args.known_at,
        plan=args.plan,
        agency=args.agency,
        unit=args.unit,
        status=args.status,
        kind=args.kind,
    )
    emit(args, found, _text)
    return EXIT_OK


def cmd_sweep(app: ParLedger, args: argparse.Namespace) -> int:
    missed = ObligationsProcess(app).sweep(args.now)
    found = {
        "now": (args.now or datetime.now(VN_TZ)).isoformat(),
        "missed": [str(m) for m in missed],
    }
    emit(args, found, lambda d: f"Đã ghi nhận {len(d['missed'])} nghĩa vụ bỏ lỡ tại {d['now']}")
    return EXIT_OK


def register_obligations(add: Add) -> None:
    p = add(
        "obligations list",
        cmd_list,
        "sổ theo dõi nghĩa vụ (xin lỗi, báo cáo, khắc phục): đang mở, đã thực hiện, bỏ lỡ, được "
        "miễn — tại một ngày, theo hiểu biết tại một thời điểm",
    )
    p.add_argument("--plan", help="chỉ kế hoạch này (mặc định: mọi kế hoạch)")
    p.add_argument("--agency", help="chỉ cơ quan này")
    p.add_argument("--unit", help="chỉ đơn vị hành chính này")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--kind", choices=tuple(KIND_VN))
    both_axes(p, required=False)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add(
        "obligations sweep",
        cmd_sweep,
        "ghi nhận bỏ lỡ mọi nghĩa vụ đã quá thời điểm hết hạn tại --now (mặc định: bây giờ)",
    )
    p.add_argument("--now", type=_moment, help="thời điểm quét (ISO 8601, có múi giờ hoặc giờ VN)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def _moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)
