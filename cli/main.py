"""``parledger``: one CLI over the application layer. It translates; it decides nothing."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from cli.audit import register_audit
from cli.common import (
    EXIT_CONFLICT,
    EXIT_DENIED,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    codes_arg,
    context_of,
    date_arg,
    emit,
    entry_lines,
    result_text,
    vn,
    write_flags,
)
from cli.integrity import cmd_verify_proof, register_integrity
from cli.views import register as register_views
from cli.views import register_reports
from domain.errors import DomainError, InvalidValue, NotFound
from domain.ids import plan_id
from ledger.application import ParLedger
from ledger.errors import Conflict, Forbidden, IdempotencyConflict, StaleVersion, Unauthenticated
from ledger.importer import import_plan
from ledger.refs import parse_ref
from ledger.views import plan_overview
from persistence.settings import ConfigurationError, database_from_env
from planfile.bundled import bundled_plan, read_plan_json
from planfile.parser import parse_plan_text
from projections.history import fold_history

# -- commands -----------------------------------------------------------------------------------


def cmd_init(app: ParLedger, args: argparse.Namespace) -> int:
    report = _import(app, args, bundled_plan(args.plan))
    emit(
        args,
        {"database": app.database.url, **report},
        lambda d: (
            f"Cơ sở dữ liệu: {d['database']}\n"
            + (
                f"Đã nạp kế hoạch {d['plan']}: {len(d['registered'])} thực thể mới."
                if d["registered"]
                else f"Kế hoạch {d['plan']} đã có sẵn; không ghi gì thêm."
            )
        ),
    )
    return EXIT_OK


def _import(app: ParLedger, args: argparse.Namespace, plan: Any) -> dict[str, Any]:
    report = import_plan(app, plan, context_of(app, args))
    return {
        "plan": report.plan,
        "registered": report.registered,
        "amended": report.amended,
        "positions": list(report.result.positions) if report.result else [],
    }


def cmd_plan_import(app: ParLedger | None, args: argparse.Namespace) -> int:
    path = Path(args.file)
    plan = read_plan_json(path) if path.suffix.lower() == ".json" else parse_plan_text(path)
    warnings = [w.model_dump() for w in plan.warnings]
    if args.check:
        emit(
            args,
            {
                "plan": plan.id,
                "tasks": len(plan.tasks),
                "targets": len(plan.targets),
                "areas": len(plan.areas),
                "warnings": warnings,
            },
            _warnings_text,
        )
        return EXIT_OK
    assert app is not None
    report = _import(app, args, plan)
    emit(
        args,
        {**report, "warnings": warnings},
        lambda d: (
            f"Kế hoạch {d['plan']}: {len(d['registered'])} thực thể mới, "
            f"{len(d['amended'])} thực thể được cập nhật, "
            f"{len(d['warnings'])} cảnh báo về dữ liệu nguồn."
            + (
                "\nKhông có gì thay đổi so với lần nạp trước."
                if not d["registered"] and not d["amended"]
                else ""
            )
        ),
    )
    return EXIT_OK


def _warnings_text(data: dict[str, Any]) -> str:
    lines = [
        f"Kế hoạch {data['plan']}: {data['areas']} lĩnh vực, {data['targets']} chỉ tiêu, "
        f"{data['tasks']} nhiệm vụ. {len(data['warnings'])} cảnh báo:"
    ]
    lines += [f"  dòng {w['line']:>4} [{w['code']}] {w['message']}" for w in data["warnings"]]
    return "\n".join(lines)


def cmd_plan_show(app: ParLedger, args: argparse.Namespace) -> int:
    overview = plan_overview(app, args.plan)
    emit(args, overview, _plan_text)
    return EXIT_OK


STATUS_VN = {
    "not_started": "chưa thực hiện",
    "in_progress": "đang thực hiện",
    "completed": "đã hoàn thành",
    "cancelled": "đã hủy",
}


def _score(value: Any) -> str:
    """A score as the plan writes it: 13, 9.5 (no trailing zeros)."""
    return f"{Decimal(str(value)).normalize():f}"


def _plan_text(d: dict[str, Any]) -> str:
    lines = [
        d["title"],
        f"Đơn vị: {d['unit']} — năm {d['year']} — người ký: {d['signer']['name']}",
        "",
        "Lĩnh vực (mục tiêu/tối đa):",
    ]
    lines += [
        f"  {a['code']:<4} {a['name']}: {_score(a['target_score'])}/{_score(a['max_score'])}"
        for a in d["areas"]
    ]
    lines.append(f"  Tổng: {_score(d['total_target'])}/{_score(d['total_max'])}")
    lines.append(f"\nChỉ tiêu: {len(d['targets'])}")
    lines += [
        f"  {t['number']:>2}. {t['text'][:90]}… ({len(t['indicators'])} chỉ số)"
        for t in d["targets"]
    ]
    lines.append(f"\nNhiệm vụ: {len(d['tasks'])}")
    lines += [
        f"  {t['number']:<5} [{STATUS_VN.get(t['status'], t['status'])}] hạn {vn(t['due'])}"
        f" — {t['content'][:70]}"
        for t in d["tasks"]
    ]
    if d["warnings"]:
        lines.append(
            f"\nCảnh báo về dữ liệu nguồn: {len(d['warnings'])} "
            "(xem: parledger plan import FILE --check)"
        )
    return "\n".join(lines)


def cmd_history(app: ParLedger, args: argparse.Namespace) -> int:
    aggregate_id = parse_ref(args.entity)
    events = list(app.events.get(aggregate_id))
    if not events:
        raise NotFound(f"không có lịch sử cho {args.entity}", field="entity")
    entries = fold_history(events)
    emit(args, {"entity": args.entity, "id": aggregate_id, "events": entries}, _history_text)
    return EXIT_OK


def _history_text(d: dict[str, Any]) -> str:
    lines = [f"Lịch sử {d['entity']} ({len(d['events'])} sự kiện)"]
    for e in d["events"]:
        lines += entry_lines(e, f"#{e.version}")
    return "\n".join(lines)


def cmd_serve(app: ParLedger, args: argparse.Namespace) -> int:
    import uvicorn

    if not args.no_seed and not app.exists(plan_id(args.plan)):
        _import(app, args, bundled_plan(args.plan))
    print(f"ParLedger: {app.database.url} — http://{args.host}:{args.port}/", file=sys.stderr)
    # By import string: the CLI never imports the HTTP entrypoints, and the service opens
    # its own connection to the store named by the same environment.
    uvicorn.run(
        "service.app:from_env", factory=True, host=args.host, port=args.port, log_level="info"
    )
    return EXIT_OK


def _simple(
    method: str, build: Callable[[argparse.Namespace], tuple[tuple[Any, ...], dict[str, Any]]]
) -> Callable[[ParLedger, argparse.Namespace], int]:
    """A write subcommand: call ``app.<method>(ctx, *args, **kwargs)`` and print the result."""

    def run(app: ParLedger, args: argparse.Namespace) -> int:
        positional, keywords = build(args)
        result = getattr(app, method)(context_of(app, args), *positional, **keywords)
        emit(args, result, result_text)
        return EXIT_OK

    return run


def cmd_users_add(app: ParLedger, args: argparse.Namespace) -> int:
    _, token = app.add_user(
        context_of(app, args),
        name=args.name,
        display_name=args.display_name or args.name,
        role=args.role,
        agency=args.agency,
    )
    emit(
        args,
        {"user": args.name, "role": args.role, "agency": args.agency, "token": token},
        lambda d: (
            f"Đã tạo người dùng {d['user']} ({d['role']}).\n"
            f"Mã truy cập (chỉ hiện một lần, hãy lưu lại):\n{d['token']}"
        ),
    )
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parledger",
        description="Sổ cái kiểm toán cải cách hành chính (ParLedger). "
        "PARLEDGER_DATABASE_URL chọn nơi lưu (mặc định sqlite:///var/parledger.sqlite3); "
        "PARLEDGER_TOKEN đặt người thực hiện (mặc định: tài khoản máy, vai trò admin).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        path: str, handler: Callable[..., int], help_: str, **kw: Any
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub_for(path).add_parser(
            path.split()[-1], help=help_, description=help_, **kw
        )
        p.set_defaults(handler=handler)
        return p

    groups: dict[str, Any] = {}

    def sub_for(path: str) -> Any:
        words = path.split()[:-1]
        if not words:
            return sub
        key = " ".join(words)
        if key not in groups:
            group_parser = sub_for(key).add_parser(
                words[-1], help=_GROUP_HELP[key], description=_GROUP_HELP[key]
            )
            groups[key] = group_parser.add_subparsers(
                dest=f"{key}_command", required=True, metavar="COMMAND"
            )
        return groups[key]

    p = add("init", cmd_init, "tạo cơ sở dữ liệu và nạp kế hoạch đi kèm (mặc định cat-hai-2023)")
    p.add_argument("--plan", default="cat-hai-2023")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("plan import", cmd_plan_import, "đọc tệp kế hoạch (.txt hoặc .json) và ghi vào sổ cái")
    p.add_argument("file")
    p.add_argument("--check", action="store_true", help="chỉ kiểm tra và in cảnh báo, không ghi gì")
    p.add_argument("--reason")
    p.add_argument("--idempotency-key")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("plan show", cmd_plan_show, "hiện cấu trúc và trạng thái hiện tại của kế hoạch")
    p.add_argument("plan", nargs="?", default="cat-hai-2023")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "history", cmd_history, "toàn bộ sự kiện của một thực thể: ai, khi nào, thay đổi gì, vì sao"
    )
    p.add_argument("entity", help="ví dụ task:cat-hai-2023:1.b, target:cat-hai-2023:7, dossier:MÃ")
    p.add_argument("--format", choices=("text", "json"), default="text")

    register_views(add)
    register_reports(add)
    register_audit(add)

    register_integrity(add)

    p = add("serve", cmd_serve, "chạy dịch vụ HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--plan", default="cat-hai-2023", help="kế hoạch đi kèm nạp khi sổ cái chưa có")
    p.add_argument("--no-seed", action="store_true", help="không tự nạp kế hoạch đi kèm")

    p = add("users add", cmd_users_add, "tạo người dùng và in mã truy cập (một lần)")
    p.add_argument("name")
    p.add_argument(
        "--role",
        required=True,
        choices=["admin", "secretariat", "agency_officer", "inspector", "auditor", "reader"],
    )
    p.add_argument("--agency")
    p.add_argument("--display-name")
    write_flags(p)

    p = add(
        "users revoke",
        _simple("revoke_user", lambda a: ((), {"name": a.name})),
        "thu hồi mã truy cập của người dùng",
    )
    p.add_argument("name")
    write_flags(p)

    _task_commands(add)
    _target_commands(add)
    _inspection_commands(add)
    _dossier_commands(add)
    _agency_commands(add)
    return parser


_GROUP_HELP = {
    "plan": "kế hoạch",
    "projections": "khung nhìn trực tiếp: trạng thái, dựng lại, điểm chốt",
    "report": "báo cáo định kỳ: nội dung, nộp, đối chiếu",
    "users": "người dùng và mã truy cập",
    "task": "nhiệm vụ",
    "target": "chỉ tiêu và số đo",
    "area": "điểm lĩnh vực",
    "inspection": "kiểm tra",
    "dossier": "hồ sơ trễ hẹn và phiếu xin lỗi",
    "agency": "danh mục cơ quan",
    "key": "khoá ký bản tóm lược của sổ cái",
    "db": "cơ sở dữ liệu: quyền của vai trò dịch vụ",
}


def _task_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    def task(a: argparse.Namespace) -> tuple[Any, ...]:
        return (a.plan, a.number)

    def base(
        name: str,
        method: str,
        help_: str,
        kw: Callable[[argparse.Namespace], dict[str, Any]],
        reason: bool = False,
    ) -> argparse.ArgumentParser:
        p = add(f"task {name}", _simple(method, lambda a: (task(a), kw(a))), help_)
        p.add_argument("plan")
        p.add_argument("number", help="số nhiệm vụ, ví dụ 7 hoặc 1.b")
        write_flags(p, reason_required=reason)
        return p

    p = base(
        "progress",
        "report_task_progress",
        "báo cáo tiến độ",
        lambda a: {"percent": a.percent, "note": a.note},
    )
    p.add_argument("--percent", type=int)
    p.add_argument("--note", required=True)
    p = base(
        "evidence",
        "add_task_evidence",
        "ghi sản phẩm/minh chứng",
        lambda a: {
            "title": a.title,
            "document_number": a.document_number,
            "document_date": a.document_date,
            "file_sha256": a.file_sha256,
            "evidence_id": a.evidence_id,
        },
    )
    p.add_argument("--title", required=True)
    p.add_argument("--document-number")
    p.add_argument("--document-date", type=date_arg)
    p.add_argument("--file-sha256")
    p.add_argument("--evidence-id")
    p = base(
        "complete",
        "complete_task",
        "đánh dấu hoàn thành (ngày hoàn thành = --effective)",
        lambda a: {"note": a.note},
    )
    p.add_argument("--note")
    base("reopen", "reopen_task", "mở lại nhiệm vụ", lambda a: {}, reason=True)
    base("cancel", "cancel_task", "hủy nhiệm vụ", lambda a: {}, reason=True)
    p = base(
        "reassign",
        "reassign_task",
        "đổi cơ quan chủ trì/phối hợp",
        lambda a: {"lead": a.lead, "coordinating": a.coordinating},
        reason=True,
    )
    p.add_argument(
        "--lead", type=codes_arg, required=True, help="mã cơ quan, cách nhau bởi dấu phẩy"
    )
    p.add_argument("--coordinating", type=codes_arg, default=[])
    p = base(
        "deadline",
        "change_task_deadline",
        "đổi thời hạn",
        lambda a: {"start": a.start, "due": a.due},
        reason=True,
    )
    p.add_argument("--start", type=date_arg)
    p.add_argument("--due", type=date_arg, required=True)


def _target_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    def figure(p: argparse.ArgumentParser) -> None:
        p.add_argument("--value", help="giá trị (số thập phân, ví dụ 92.5)")
        p.add_argument("--numerator")
        p.add_argument("--denominator")
        p.add_argument("--period-start", type=date_arg, required=True)
        p.add_argument("--period-end", type=date_arg, required=True)
        p.add_argument("--source", required=True, help="nguồn số liệu")
        p.add_argument("--evidence")
        p.add_argument("--measurement-id")

    def kw(a: argparse.Namespace) -> dict[str, Any]:
        return {
            "value": a.value,
            "numerator": a.numerator,
            "denominator": a.denominator,
            "period_start": a.period_start,
            "period_end": a.period_end,
            "source": a.source,
            "evidence": a.evidence,
            "measurement_id": a.measurement_id,
        }

    p = add(
        "target measure",
        _simple(
            "record_measurement",
            lambda a: ((a.plan, a.target), {"indicator": a.indicator, **kw(a)}),
        ),
        "ghi số đo cho một chỉ số",
    )
    p.add_argument("plan")
    p.add_argument("target", type=int)
    p.add_argument("--indicator", required=True)
    figure(p)
    write_flags(p)
    p = add(
        "target correct",
        _simple(
            "correct_measurement", lambda a: ((a.plan, a.target), {"replaces": a.replaces, **kw(a)})
        ),
        "sửa một số đo (ghi số đo mới thay thế)",
    )
    p.add_argument("plan")
    p.add_argument("target", type=int)
    p.add_argument("--replaces", required=True, help="mã số đo bị thay thế")
    figure(p)
    write_flags(p, reason_required=True)
    p = add(
        "target retract",
        _simple(
            "retract_measurement",
            lambda a: ((a.plan, a.target), {"measurement_id": a.measurement_id}),
        ),
        "rút lại một số đo",
    )
    p.add_argument("plan")
    p.add_argument("target", type=int)
    p.add_argument("--measurement-id", required=True)
    write_flags(p, reason_required=True)
    p = add(
        "area score",
        _simple(
            "record_area_score",
            lambda a: ((a.plan,), {"area": a.area, "kind": a.kind, "score": a.score}),
        ),
        "ghi điểm tự đánh giá hoặc thẩm định của lĩnh vực",
    )
    p.add_argument("plan")
    p.add_argument("area", help="I … VII")
    p.add_argument("--kind", choices=("self_assessed", "appraised"), required=True)
    p.add_argument("--score", required=True)
    write_flags(p)


def _inspection_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "inspection plan",
        _simple(
            "plan_inspection",
            lambda a: (
                (a.plan,),
                {
                    "agency": a.agency,
                    "kind": a.kind,
                    "scheduled_on": a.scheduled_on,
                    "scope": a.scope,
                },
            ),
        ),
        "lập kế hoạch kiểm tra một cơ quan",
    )
    p.add_argument("plan")
    p.add_argument("--agency", required=True)
    p.add_argument("--kind", choices=("periodic", "unannounced"), default="periodic")
    p.add_argument("--scheduled-on", type=date_arg, required=True)
    p.add_argument("--scope", required=True)
    write_flags(p)

    def one(
        name: str, method: str, help_: str, kw: Callable[[argparse.Namespace], dict[str, Any]]
    ) -> argparse.ArgumentParser:
        p = add(
            f"inspection {name}", _simple(method, lambda a: ((UUID(a.inspection),), kw(a))), help_
        )
        p.add_argument("inspection", help="mã (UUID) cuộc kiểm tra")
        write_flags(p)
        return p

    p = one(
        "conducted",
        "record_inspection_conducted",
        "ghi nhận đã tiến hành kiểm tra (ngày = --effective)",
        lambda a: {"note": a.note},
    )
    p.add_argument("--note")
    p = one(
        "finding",
        "record_finding",
        "ghi một phát hiện và kiến nghị",
        lambda a: {
            "finding": a.finding,
            "recommendation": a.recommendation,
            "remediation_deadline": a.deadline,
            "finding_id": a.finding_id,
        },
    )
    p.add_argument("--finding", required=True)
    p.add_argument("--recommendation", required=True)
    p.add_argument("--deadline", type=date_arg, help="hạn khắc phục")
    p.add_argument("--finding-id")
    p = one(
        "remediation",
        "add_remediation_evidence",
        "ghi minh chứng khắc phục",
        lambda a: {
            "finding_id": a.finding_id,
            "description": a.description,
            "document_number": a.document_number,
            "document_date": a.document_date,
        },
    )
    p.add_argument("--finding-id", required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--document-number")
    p.add_argument("--document-date", type=date_arg)
    p = one(
        "close-finding",
        "close_finding",
        "đóng một phát hiện đã khắc phục",
        lambda a: {"finding_id": a.finding_id},
    )
    p.add_argument("--finding-id", required=True)
    p = one(
        "conclude",
        "conclude_inspection",
        "ghi thông báo kết luận",
        lambda a: {
            "notice_number": a.notice_number,
            "notice_date": a.notice_date,
            "summary": a.summary,
        },
    )
    p.add_argument("--notice-number", required=True)
    p.add_argument("--notice-date", type=date_arg, required=True)
    p.add_argument("--summary", required=True)


def _dossier_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "dossier report",
        _simple(
            "report_late_dossier",
            lambda a: (
                (a.plan,),
                {
                    "dossier_code": a.code,
                    "procedure": a.procedure,
                    "agency": a.agency,
                    "received_on": a.received,
                    "due_on": a.due,
                },
            ),
        ),
        "ghi nhận một hồ sơ trễ hẹn",
    )
    p.add_argument("plan")
    p.add_argument("--code", required=True, help="mã hồ sơ")
    p.add_argument("--procedure", required=True, help="tên thủ tục hành chính")
    p.add_argument("--agency", required=True)
    p.add_argument("--received", type=date_arg, required=True)
    p.add_argument("--due", type=date_arg, required=True)
    write_flags(p)
    p = add(
        "dossier apologize",
        _simple(
            "issue_apology",
            lambda a: (
                (a.code,),
                {
                    "issued_on": a.issued_on,
                    "reason_text": a.text,
                    "new_appointment": a.new_appointment,
                    "signer": a.signer,
                    "apology_id": a.apology_id,
                    "citizen_name": a.citizen_name,
                    "citizen_contact": a.citizen_contact,
                },
            ),
        ),
        "ghi phiếu xin lỗi và hẹn lại ngày trả kết quả",
    )
    p.add_argument("code")
    p.add_argument("--issued-on", type=date_arg, required=True)
    p.add_argument("--text", required=True, help="lý do trễ hẹn ghi trong phiếu")
    p.add_argument("--new-appointment", type=date_arg, required=True)
    p.add_argument("--signer", required=True)
    p.add_argument("--apology-id")
    p.add_argument("--citizen-name", help="tên công dân (được mã hoá, xoá được)")
    p.add_argument("--citizen-contact", help="liên hệ của công dân (được mã hoá, xoá được)")
    write_flags(p)
    p = add(
        "dossier erase-citizen",
        _simple("erase_citizen_data", lambda a: ((a.code,), {})),
        "xoá dữ liệu cá nhân của công dân trong hồ sơ (huỷ khoá mã hoá)",
    )
    p.add_argument("code")
    write_flags(p, reason_required=True)
    p = add(
        "dossier return",
        _simple("return_dossier_result", lambda a: ((a.code,), {})),
        "ghi nhận đã trả kết quả (ngày = --effective)",
    )
    p.add_argument("code")
    write_flags(p)
    p = add(
        "dossier withdraw-apology",
        _simple("withdraw_apology", lambda a: ((a.code,), {"apology_id": a.apology_id})),
        "rút phiếu xin lỗi ghi nhầm",
    )
    p.add_argument("code")
    p.add_argument("--apology-id", required=True)
    write_flags(p, reason_required=True)


def _agency_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "agency add",
        _simple(
            "register_agency",
            lambda a: (
                (),
                {"agency_code": a.code, "name": a.name, "kind": a.kind, "aliases": a.alias or []},
            ),
        ),
        "thêm cơ quan vào danh mục",
    )
    p.add_argument("code")
    p.add_argument("--name", required=True)
    p.add_argument(
        "--kind",
        required=True,
        choices=(
            "district_peoples_committee",
            "office",
            "specialised_office",
            "public_service_unit",
            "commune",
            "town",
        ),
    )
    p.add_argument("--alias", action="append")
    write_flags(p)
    p = add(
        "agency rename",
        _simple("rename_agency", lambda a: ((a.code,), {"name": a.name})),
        "đổi tên cơ quan",
    )
    p.add_argument("code")
    p.add_argument("--name", required=True)
    write_flags(p, reason_required=True)
    p = add(
        "agency merge",
        _simple("merge_agency", lambda a: ((a.code,), {"successor": a.into})),
        "sáp nhập cơ quan vào cơ quan khác",
    )
    p.add_argument("code")
    p.add_argument("--into", required=True)
    write_flags(p, reason_required=True)
    p = add(
        "agency dissolve", _simple("dissolve_agency", lambda a: ((a.code,), {})), "giải thể cơ quan"
    )
    p.add_argument("code")
    write_flags(p, reason_required=True)


# -- entry point --------------------------------------------------------------------------------


def _exit_code(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, (Conflict, StaleVersion, IdempotencyConflict)):
        return EXIT_CONFLICT
    if isinstance(error, (Forbidden, Unauthenticated)):
        return EXIT_DENIED
    if isinstance(error, InvalidValue):
        return EXIT_USAGE
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if (
        argv[:1] == ["report"]
        and argv[1:2]
        and argv[1] not in ("show", "submit", "diff", "-h", "--help")
    ):
        argv.insert(1, "show")  # "parledger report PLAN PERIOD" reads like the issue asks
    args = parser.parse_args(argv)
    try:
        if args.handler is cmd_plan_import and args.check:
            checked: int = cmd_plan_import(None, args)  # validates only: no database needed
            return checked

        if args.handler is cmd_verify_proof:
            alone: int = args.handler(None, args)  # a proof is checked without the ledger
            return alone
        app = ParLedger(database_from_env())
        try:
            code: int = args.handler(app, args)
        finally:
            app.close()
        return code
    except DomainError as error:
        print(f"parledger: lỗi: {error}", file=sys.stderr)
        return _exit_code(error)
    except ConfigurationError as error:
        print(f"parledger: cấu hình: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a last line of defence: one line, never a traceback
        if os.environ.get("PARLEDGER_DEBUG"):
            raise
        print(f"parledger: lỗi hệ thống: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
