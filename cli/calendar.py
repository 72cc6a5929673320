"""``parledger calendar show|add-days|between`` (the working-day calendar as the ledger knows
it, corrections included) and ``parledger rules list`` (the rule versions and their legal
sources). Recording a correction is the declared command ``parledger calendar correct``."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import EXIT_NOT_FOUND, EXIT_OK, Add, date_arg, emit
from cli.consistency import LEDGER_FREE
from cli.views import known_at, vn_day
from domain.errors import InvalidValue
from ledger.application import ParLedger
from replay.calendar import add_working_days, calendar_days, working_days_between
from rules.catalog import UnknownRule, listing
from rules.reporting import RULE_LEVEL
from rules.versions import LEVEL_VN, LEVELS


def _show_text(d: dict[str, Any]) -> str:
    lines = [
        f"Lịch ngày làm việc từ {vn_day(d['from'])} đến {vn_day(d['to'])}: "
        f"{d['working_days']} ngày làm việc (lịch {d['calendar']}, vị trí sổ cái {d['position']})"
    ]
    for day in d["days"]:
        mark = "làm việc" if day["working"] else "nghỉ    "
        source = f" — theo {day['source']}" if day["source"] else ""
        lines.append(f"  {vn_day(day['day'])} {day['weekday']:<9} {mark}  {day['why']}{source}")
    return "\n".join(lines)


def cmd_calendar_show(app: ParLedger, args: argparse.Namespace) -> int:
    end = args.to or args.from_
    emit(args, calendar_days(app, args.from_, end, args.known_at), _show_text)
    return EXIT_OK


def cmd_calendar_add_days(app: ParLedger, args: argparse.Namespace) -> int:
    found = add_working_days(app, args.day, args.count, args.known_at)
    emit(
        args,
        found,
        lambda d: (
            f"{vn_day(d['day'])} ({d['weekday']}): {d['count']} ngày làm việc kể từ "
            f"{vn_day(d['from'])} (lịch {d['calendar']})"
        ),
    )
    return EXIT_OK


def cmd_calendar_between(app: ParLedger, args: argparse.Namespace) -> int:
    found = working_days_between(app, args.start, args.end, args.known_at)
    emit(
        args,
        found,
        lambda d: (
            f"{d['working_days']} ngày làm việc sau {vn_day(d['from'])} đến hết "
            f"{vn_day(d['to'])} (lịch {d['calendar']})"
        ),
    )
    return EXIT_OK


def _rules_text(found: list[dict[str, Any]]) -> str:
    if not found:
        return "Không có quy định nào có hiệu lực."
    lines = []
    for v in found:
        until = f" đến {vn_day(v['in_force_to'])}" if v["in_force_to"] else ""
        level = f", {LEVEL_VN[v['level']]}" if v["level"] else ""
        lines.append(
            f"{v['ref']}: {v['title']}\n  hiệu lực từ {vn_day(v['in_force_from'])}{until}{level}"
            f"\n  căn cứ: {v['legal_source']}"
        )
    return "\n".join(lines)


def cmd_rules_list(_: ParLedger | None, args: argparse.Namespace) -> int:
    try:
        found = listing(args.rule, args.on, args.level)
    except UnknownRule as error:
        raise InvalidValue(str(error), field="rule") from None
    emit(args, found, _rules_text)
    return EXIT_OK if found or args.on is None else EXIT_NOT_FOUND


LEDGER_FREE.add(cmd_rules_list)


def register(add: Add) -> None:
    moment = "thời điểm ghi sổ: chỉ tính điều chỉnh đã ghi đến lúc đó (ISO 8601; ngày = cuối ngày)"

    def answered(p: argparse.ArgumentParser) -> None:
        """What every calendar question takes: the moment known, and the output format."""
        p.add_argument("--known-at", type=known_at, help=moment)
        p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "calendar show",
        cmd_calendar_show,
        "các ngày làm việc và ngày nghỉ trong một khoảng, kèm lý do và điều chỉnh đã ghi",
    )
    p.add_argument("--from", dest="from_", type=date_arg, required=True, help="ngày đầu")
    p.add_argument("--to", type=date_arg, help="ngày cuối (mặc định: ngày đầu)")
    answered(p)

    p = add(
        "calendar add-days",
        cmd_calendar_add_days,
        "ngày làm việc thứ N sau một ngày (N âm: trước ngày đó)",
    )
    p.add_argument("day", type=date_arg, help="ngày bắt đầu: 2025-01-24 hoặc 24/01/2025")
    p.add_argument("count", type=int, help="số ngày làm việc")
    answered(p)

    p = add(
        "calendar between",
        cmd_calendar_between,
        "số ngày làm việc sau ngày đầu đến hết ngày cuối",
    )
    p.add_argument("start", type=date_arg, help="ngày đầu")
    p.add_argument("end", type=date_arg, help="ngày cuối")
    answered(p)

    p = add(
        "rules list",
        cmd_rules_list,
        "các phiên bản quy định: căn cứ pháp lý, thời gian hiệu lực, cấp áp dụng",
    )
    p.add_argument("--rule", help="chỉ một bộ quy định, ví dụ reporting-periods")
    p.add_argument("--on", type=date_arg, help="chỉ phiên bản áp dụng vào ngày này")
    p.add_argument(
        "--level",
        choices=(*LEVELS[1:], *RULE_LEVEL),
        help="cấp: province, district, commune (ward, special_zone, town như commune)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
