"""What every ``parledger`` subcommand shares: argument types, output, the acting user,
the flags of a write, exit codes."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.aggregates import ENTITY_VN
from domain.field_names import field_vn
from domain.value_names import value_vn
from domain.values import VN_TZ, Actor, Source
from ledger.application import ParLedger, cli_operator
from ledger.context import CommandContext, CommandResult
from projections.event_names import event_vn

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_CONFLICT, EXIT_DENIED = 0, 1, 2, 3, 4, 5

# What each command module's ``register`` is given: adds a subcommand (name, handler, help).
Add = Callable[..., argparse.ArgumentParser]


# -- argument types ---------------------------------------------------------------------------


def date_arg(value: str) -> date:
    """ISO (2023-06-30) or the users' form (30/06/2023)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(
        f"ngày không hợp lệ {value!r} (dạng 2023-06-30 hoặc 30/06/2023)"
    )


def moment_arg(value: str) -> datetime:
    """A date (start of that day in Vietnam) or an ISO 8601 datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        day = date_arg(value)
        return datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


def codes_arg(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


# -- output -------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def emit(args: argparse.Namespace, data: Any, human: Callable[[Any], str]) -> None:
    if getattr(args, "format", "text") == "json":
        print(json.dumps(plain(data), ensure_ascii=False, indent=2))
    else:
        print(human(data))


def vn(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if value is None or value == "" or value == () or value == [] or value == {}:
        return "—"
    if isinstance(value, (list, tuple)):  # never Python's brackets and quotes
        return ", ".join(vn(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_vn(str(k))}: {vn(value_vn(str(k), v))}" for k, v in value.items())
    return str(value)


def result_text(result: CommandResult) -> str:
    if not result.changes:
        return "Không có gì thay đổi."
    lines = [
        f"{ENTITY_VN.get(c.entity, c.entity)} {c.id} → phiên bản {c.version}"
        for c in result.changes[:20]
    ]
    if len(result.changes) > 20:
        lines.append(f"… và {len(result.changes) - 20} thực thể khác")
    if result.replayed:
        lines.insert(0, "Yêu cầu đã được ghi trước đó (khóa chống lặp); trả lại kết quả lần đầu.")
    return "\n".join(lines)


# -- context ------------------------------------------------------------------------------------


def acting_user(app: ParLedger) -> Actor:
    """The token's principal when PARLEDGER_TOKEN is set, else the machine's operator."""
    token = os.environ.get("PARLEDGER_TOKEN")
    if token:
        return app.authenticate(token.strip())
    return cli_operator(getpass.getuser())


def context_of(app: ParLedger, args: argparse.Namespace) -> CommandContext:
    return CommandContext(
        actor=acting_user(app),
        source=Source.CLI,
        effective_at=getattr(args, "effective", None),
        reason=getattr(args, "reason", None),
        request_id=getattr(args, "request_id", None),
        idempotency_key=getattr(args, "idempotency_key", None),
        expected_version=getattr(args, "expected_version", None),
    )


def write_flags(parser: argparse.ArgumentParser, *, reason_required: bool = False) -> None:
    parser.add_argument(
        "--effective",
        type=moment_arg,
        help="ngày hiệu lực (khi việc xảy ra): 2023-06-30, 30/06/2023 hoặc ISO 8601; "
        "mặc định: bây giờ",
    )
    parser.add_argument("--reason", required=reason_required, help="lý do thay đổi")
    parser.add_argument(
        "--idempotency-key", help="khóa chống lặp: gửi lại cùng khóa không ghi hai lần"
    )
    parser.add_argument("--request-id", help="mã yêu cầu để đối chiếu")
    parser.add_argument(
        "--expected-version", type=int, help="chỉ ghi nếu thực thể đang ở phiên bản này"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def entry_lines(e: Any, title: str) -> list[str]:
    """One history entry as the text commands print it: who, both time axes, why, what."""
    agency = f", {e.actor_agency}" if e.actor_agency else ""
    who = f"{e.actor_name} ({e.actor_id}, {e.actor_role}{agency})"
    lines = [
        f"\n{title} {event_vn(e.event_type)} — ghi lúc {vn(e.recorded_at)}, "
        f"hiệu lực {vn(e.effective_at)}",
        f"   người thực hiện: {who}; nguồn: {e.source}",
    ]
    if e.reason:
        lines.append(f"   lý do: {e.reason}")
    for c in e.changes[:30]:
        before, after = (vn(value_vn(c.field, v)) for v in (c.before, c.after))
        lines.append(f"   {field_vn(c.field)}: {before} → {after}")
    return lines
