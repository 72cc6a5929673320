"""CLI for the audit trail (``parledger audit``) and an entity's timeline (``timeline``)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import (
    EXIT_OK,
    Add,
    date_arg,
    emit,
    entry_lines,
    moment_arg,
    vn,
)
from cli.views import known_at
from domain.errors import NotFound
from ledger.application import ParLedger
from ledger.refs import ENTITY_OF_KIND, parse_ref
from projections.audit import MAX_PAGE, audit_filter, audit_trail, timeline
from replay.engine import end_of_day, position_known_at


def cmd_audit(app: ParLedger, args: argparse.Namespace) -> int:
    if args.plan:
        app.get_plan(args.plan)  # a mistyped plan is named, not an empty trail
    where = audit_filter(
        plan=args.plan,
        entity=args.entity,
        kind=args.kind,
        event_type=args.type,
        actor=args.actor,
        agency=args.agency,
        role=args.role,
        recorded_from=args.recorded_from,
        recorded_to=args.recorded_to,
        effective_from=args.effective_from,
        effective_to=args.effective_to,
        upto=position_known_at(app, args.known_at) if args.known_at else None,
    )
    page = audit_trail(
        app, where, cursor=args.cursor, limit=args.limit, newest_first=args.newest_first
    )

    def text(d: dict[str, Any]) -> str:
        lines = [f"Nhật ký kiểm toán: {len(d['rows'])} sự kiện"]
        for row in d["rows"]:
            late = " (nhập muộn)" if row.backdated else ""
            lines += entry_lines(row.event, f"[{row.position}] {row.entity}{late}")
        if d["next_cursor"] is not None:
            lines.append(f"\nTrang sau: --cursor {d['next_cursor']}")
        return "\n".join(lines)

    emit(args, {"rows": page.rows, "next_cursor": page.next_cursor}, text)
    return EXIT_OK


def cmd_timeline(app: ParLedger, args: argparse.Namespace) -> int:

    entity_id = parse_ref(args.entity)
    upto = position_known_at(app, args.known_at) if args.known_at else None
    found = timeline(
        app,
        entity_id,
        as_of=end_of_day(args.as_of) if args.as_of else None,
        upto=upto,
    )
    if not found.entries:
        raise NotFound(
            f"không có sự kiện nào của {args.entity} trong phạm vi đã chọn", field="entity"
        )

    def text(t: Any) -> str:
        scope = f" đến ngày {vn(args.as_of)}" if args.as_of else ""
        known = f", theo những gì sổ cái biết lúc {vn(args.known_at)}" if args.known_at else ""
        lines = [f"Diễn biến {t.entity}{scope}{known}: {len(t.entries)} sự kiện"]
        for row in t.entries:
            late = " (nhập muộn)" if row.backdated else ""
            lines += entry_lines(row.event, f"{vn(row.event.effective_at)}{late}")
        return "\n".join(lines)

    emit(args, found, text)
    return EXIT_OK


def register_audit(add: Add) -> None:

    p = add(
        "audit",
        cmd_audit,
        "nhật ký kiểm toán: mọi sự kiện theo thực thể, người thực hiện, cơ quan, loại, thời gian",
    )
    p.add_argument("--plan", help="chỉ sự kiện của kế hoạch này")
    p.add_argument("--entity", help="một thực thể, ví dụ task:cat-hai-2023:1.b")
    p.add_argument("--kind", help=f"loại thực thể: {', '.join(sorted(ENTITY_OF_KIND))}")
    p.add_argument("--type", help="loại sự kiện, ví dụ ProgressReported hoặc Task.Completed")
    p.add_argument("--actor", help="mã người thực hiện (ví dụ user:lan hoặc os:root)")
    p.add_argument("--agency", help="cơ quan của người thực hiện")
    p.add_argument("--role", help="vai trò của người thực hiện")
    p.add_argument("--recorded-from", type=moment_arg, help="ghi từ (ngày hoặc thời điểm)")
    p.add_argument("--recorded-to", type=known_at, help="ghi đến (hết ngày nếu chỉ có ngày)")
    p.add_argument("--effective-from", type=moment_arg, help="hiệu lực từ")
    p.add_argument("--effective-to", type=known_at, help="hiệu lực đến")
    p.add_argument("--known-at", type=known_at, help="chỉ những gì sổ cái đã ghi lúc đó")
    p.add_argument("--cursor", type=int, default=0, help="vị trí trang trước kết thúc")
    p.add_argument("--limit", type=int, default=50, help=f"số dòng mỗi trang (tối đa {MAX_PAGE})")
    p.add_argument("--newest-first", action="store_true", help="mới nhất trước")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("timeline", cmd_timeline, "diễn biến của một thực thể theo ngày hiệu lực")
    p.add_argument("entity", help="ví dụ task:cat-hai-2023:1.b, target:cat-hai-2023:7")
    p.add_argument("--as-of", type=date_arg, help="chỉ những gì có hiệu lực đến hết ngày này")
    p.add_argument("--known-at", type=known_at, help="chỉ những gì sổ cái đã ghi lúc đó")
    p.add_argument("--format", choices=("text", "json"), default="text")
