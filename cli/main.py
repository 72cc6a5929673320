"""``parledger``: one CLI over the application layer. It translates; it decides nothing."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli.audit import register_audit
from cli.calendar import register as register_calendar
from cli.commands import register_commands
from cli.common import (
    EXIT_CONFLICT,
    EXIT_DENIED,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    context_of,
    emit,
    entry_lines,
    vn,
)
from cli.consistency import LEDGER_FREE
from cli.database import ledger_to_check, register_database
from cli.integrity import cmd_verify_proof, register_integrity
from cli.obligations import register_obligations
from cli.parser import Parser
from cli.rollup import register as register_rollup
from cli.scores import register as register_scores
from cli.views import register as register_views
from cli.views import register_reports
from cli.worker import register_worker
from domain.errors import DomainError, InvalidValue, NotFound
from domain.field_names import field_vn
from domain.ids import plan_id
from domain.value_names import TASK_STATUS_VN
from ledger.application import ParLedger
from ledger.errors import Conflict, Forbidden, IdempotencyConflict, StaleVersion, Unauthenticated
from ledger.importer import check_import, import_plan
from ledger.refs import parse_ref
from ledger.views import plan_overview
from persistence.migrations import migrate
from persistence.settings import ConfigurationError, database_from_env
from planfile.bundled import bundled_plan, read_plan_json
from planfile.parser import parse_plan_text, read_agency_mapping
from projections.history import fold_history
from replay.obligations import plan_codes

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
    return import_plan(app, plan, context_of(app, args)).as_dict()


def cmd_plan_import(app: ParLedger | None, args: argparse.Namespace) -> int:
    path = Path(args.file)
    mapping = read_agency_mapping(Path(args.agencies)) if args.agencies else None
    if path.suffix.lower() == ".json":
        if mapping:
            raise InvalidValue(
                "--agencies chỉ dùng với tệp văn bản kế hoạch (.txt), không với tệp .json",
                field="agencies",
            )
        plan = read_plan_json(path)
    else:
        plan = parse_plan_text(path, agencies=mapping)
    warnings = [w.model_dump() for w in plan.warnings]
    if args.check:
        with ledger_to_check() as found:
            changes = check_import(found, plan, context_of(found, args)).as_dict()["changes"]
        emit(
            args,
            {
                "plan": plan.id,
                "tasks": len(plan.tasks),
                "targets": len(plan.targets),
                "areas": len(plan.areas),
                "warnings": warnings,
                "changes": changes,
            },
            _check_text,
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
            f"{len(d['withdrawn'])} mục rút khỏi kế hoạch, "
            f"{len(d['warnings'])} cảnh báo về dữ liệu nguồn."
            + ("\nKhông có gì thay đổi so với lần nạp trước." if not d["changes"] else "")
        ),
    )
    return EXIT_OK


CHANGE_VN = {
    "added": "thêm mới",
    "changed": "thay đổi",
    "withdrawn": "rút khỏi kế hoạch",
    "reinstated": "đưa lại vào kế hoạch",
}


def _check_text(data: dict[str, Any]) -> str:
    lines = [
        f"Kế hoạch {data['plan']}: {data['areas']} lĩnh vực, {data['targets']} chỉ tiêu, "
        f"{data['tasks']} nhiệm vụ. {len(data['warnings'])} cảnh báo:"
    ]
    lines += [f"  dòng {w['line']:>4} [{w['code']}] {w['message']}" for w in data["warnings"]]
    changes = data["changes"]
    lines.append(
        f"So với sổ cái, nạp tệp này sẽ ghi {len(changes)} thay đổi:"
        if changes
        else "So với sổ cái: không có gì thay đổi, nạp tệp này sẽ không ghi gì."
    )
    for c in changes:
        where = f"dòng {c['line']:>4}" if c["line"] is not None else " " * 9
        what = f" ({', '.join(map(field_vn, c['fields']))})" if c["fields"] else ""
        lines.append(f"  {where} {CHANGE_VN[c['change']]:<20} {c['ref']}{what}")
        lines += [f"{'':>32}{d}" for d in c.get("detail", ())]
    return "\n".join(lines)


def cmd_plan_show(app: ParLedger, args: argparse.Namespace) -> int:
    overview = plan_overview(app, args.plan or _the_plan(app))
    emit(args, overview, _plan_text)
    return EXIT_OK


def _the_plan(app: ParLedger) -> str:
    """The plan meant when none is named: the ledger's only one (Cát Hải's seed where it was
    loaded with others, as before); never a plan the ledger does not hold."""
    codes = plan_codes(app)
    if "cat-hai-2023" in codes or len(codes) == 1:
        return "cat-hai-2023" if "cat-hai-2023" in codes else codes[0]
    if not codes:
        raise NotFound("sổ cái chưa có kế hoạch nào (nạp: parledger plan import TỆP)", field="plan")
    raise InvalidValue(f"hãy nêu mã kế hoạch; sổ cái có: {', '.join(codes)}", field="plan")


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
        f"  {t['number']:<5} [{TASK_STATUS_VN.get(t['status'], t['status'])}] hạn {vn(t['due'])}"
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


# -- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    p.add_argument(
        "--agencies",
        metavar="FILE",
        help="tệp JSON {“tên cơ quan như kế hoạch viết”: “mã”} cho các tên danh bạ chưa có",
    )
    p.add_argument("--reason")
    p.add_argument("--idempotency-key")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("plan show", cmd_plan_show, "hiện cấu trúc và trạng thái hiện tại của kế hoạch")
    p.add_argument("plan", nargs="?", help="mã kế hoạch; mặc định: kế hoạch duy nhất của sổ cái")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "history", cmd_history, "toàn bộ sự kiện của một thực thể: ai, khi nào, thay đổi gì, vì sao"
    )
    p.add_argument("entity", help="ví dụ task:cat-hai-2023:1.b, target:cat-hai-2023:7, dossier:MÃ")
    p.add_argument("--format", choices=("text", "json"), default="text")

    register_views(add)
    register_rollup(add)
    register_calendar(add)
    register_scores(add)
    register_obligations(add)
    register_reports(add)
    register_audit(add)

    register_integrity(add)
    register_database(add)
    register_worker(add)

    p = add("serve", cmd_serve, "chạy dịch vụ HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--plan", default="cat-hai-2023", help="kế hoạch đi kèm nạp khi sổ cái chưa có")
    p.add_argument("--no-seed", action="store_true", help="không tự nạp kế hoạch đi kèm")

    register_commands(add)
    return parser


_GROUP_HELP = {
    "plan": "kế hoạch",
    "unit": "đơn vị hành chính: tỉnh, xã, phường, đặc khu (và huyện trước 1/7/2025)",
    "projections": "khung nhìn trực tiếp: trạng thái, dựng lại, điểm chốt",
    "report": "báo cáo định kỳ: nội dung, nộp, đối chiếu",
    "users": "người dùng và mã truy cập",
    "task": "nhiệm vụ",
    "target": "chỉ tiêu và số đo",
    "area": "điểm lĩnh vực",
    "score": "điểm Chỉ số CCHC: điểm tiêu chí và điểm tính theo bộ chỉ số",
    "inspection": "kiểm tra",
    "dossier": "hồ sơ trễ hẹn và phiếu xin lỗi",
    "obligations": "nghĩa vụ sổ cái tự ghi: xin lỗi, báo cáo, khắc phục (sổ theo dõi, quét, miễn)",
    "agency": "danh mục cơ quan",
    "key": "khoá ký bản tóm lược của sổ cái",
    "db": "cơ sở dữ liệu: lược đồ và quyền của vai trò dịch vụ",
    "calendar": "lịch ngày làm việc: ngày nghỉ lễ, Tết, ngày làm bù và các điều chỉnh đã ghi",
    "rules": "các quy định theo phiên bản: căn cứ pháp lý và thời gian hiệu lực",
}


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

        if args.handler is cmd_verify_proof or args.handler in LEDGER_FREE:
            alone: int = args.handler(None, args)  # a proof is checked without the ledger
            return alone
        database = database_from_env()
        if args.handler is cmd_init:
            migrate(database)  # init creates the store: the schema first, on any backend
        app = ParLedger(database)
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
    except BrokenPipeError:
        # the reader went away ("parledger … | head"): not a fault of the ledger; silence the
        # interpreter's own flush at exit, as the Python docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a last line of defence: one line, never a traceback
        if os.environ.get("PARLEDGER_DEBUG"):
            raise
        print(f"parledger: lỗi hệ thống: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
