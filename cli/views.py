"""CLI for reading: ``replay`` and ``projections status|rebuild|checkpoint``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Add,
    date_arg,
    emit,
)
from domain.errors import NotFound
from domain.values import VN_TZ
from ledger.application import ParLedger
from projections.live import NAME, status
from projections.views import STATUS_VN
from replay import replay
from replay.engine import make_checkpoints, position_known_at, rebuild
from replay.reports import diff, report_content
from reports.data import build_report, find_period
from reports.formats import render


def known_at(value: str) -> datetime:
    """A moment; a date alone means the end of that day (what was known by then)."""

    try:
        parsed = datetime.fromisoformat(value)
        if len(value) > 10:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)
    except ValueError:
        pass
    return datetime.combine(date_arg(value), time.max, VN_TZ)


def vn_day(iso: str | None) -> str:
    return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y") if iso else "—"


def as_known(iso: str | None) -> str:
    """The clause ", theo hiểu biết lúc …" of an answer asked as known at a moment."""
    if not iso:
        return ""
    return f", theo hiểu biết lúc {datetime.fromisoformat(iso).astimezone(VN_TZ):%d/%m/%Y %H:%M}"


def asked(d: dict[str, Any]) -> str:
    """Where an answer stands on both time axes and in the ledger, for its heading."""
    return f"tại ngày {vn_day(d['as_of'])}{as_known(d['known_at'])} (vị trí sổ cái {d['position']})"


def _replay_text(d: dict[str, Any]) -> str:
    info = d["replay"]
    lines = [
        f"Kế hoạch {info['plan']} tại ngày {vn_day(info['as_of'])}{as_known(info['known_at'])}",
        f"(vị trí sổ cái {info['position']}, {info['events']} sự kiện"
        + (
            f"; từ điểm chốt ngày {vn_day(info['checkpoint']['valid_to'])}"
            if info["checkpoint"]
            else ""
        )
        + ")",
    ]
    if "task_board" in d:
        board = d["task_board"]
        lines.append("\nNhiệm vụ:")
        for row in board["tasks"]:
            lines.append(
                f"  {row['number']:<5} {STATUS_VN[row['status']]:<22} hạn {vn_day(row['due'])}"
                f"  {row['content'][:60]}"
            )
        summary = ", ".join(f"{STATUS_VN[k]}: {v}" for k, v in sorted(board["by_status"].items()))
        lines.append(f"  Tổng hợp: {summary}")
    if "target_attainment" in d:
        lines.append("\nChỉ tiêu:")
        for row in d["target_attainment"]["indicators"]:
            lines.append(f"  {row['indicator']:<4} {STATUS_VN[row['status']]:<22} {row['rule']}")
        c = d["target_attainment"]["apology_compliance"]
        lines.append(
            f"  Xin lỗi đúng hạn: {c['apologies_in_time']}/{c['late_dossiers']} hồ sơ trễ hạn"
        )
    if "area_scores" in d:
        total = d["area_scores"]["total"]
        lines.append(
            f"\nĐiểm lĩnh vực: tự đánh giá {total['self_assessed']}, thẩm định {total['appraised']}"
            f" / mục tiêu {total['target']} / tối đa {total['max']}"
        )
    if "inspection_history" in d:
        ih = d["inspection_history"]
        cov = ih["coverage"]
        lines.append(
            f"\nKiểm tra: {len(ih['open_findings'])} kết luận chưa khắc phục, "
            f"{len(ih['overdue_findings'])} quá hạn; phòng chuyên môn: "
            f"{cov['specialised_offices']['basis']}; xã, thị trấn: {cov['communes']['basis']}"
        )
    return "\n".join(lines)


def cmd_replay(app: ParLedger, args: argparse.Namespace) -> int:
    result = replay(
        app,
        args.plan,
        args.as_of,
        args.known_at,
        args.view or None,
        use_checkpoints=not args.no_checkpoints,
    )
    emit(args, result, _replay_text)
    return EXIT_OK


def _status_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['view']}: vị trí {d['position']}/{d['head']}, trễ {d['lag']} sự kiện; "
        f"{d['documents']} tài liệu, {d['checkpoints']} điểm chốt; ngày {d['as_of']}",
        f"phục vụ: {', '.join(d['serves'])}",
    ]
    if d["consistent"] is False:
        lines.append(
            f"KHÔNG KHỚP: {d['problem_count']} tài liệu khác với sổ cái tại vị trí "
            f"{d['position']} ({'; '.join(d['problems'][:5])}); hãy chạy "
            "'parledger projections rebuild'"
        )
    return "\n".join(lines)


def cmd_projections_status(app: ParLedger, args: argparse.Namespace) -> int:
    found = status(app)
    emit(args, found, _status_text)
    # A view that disagrees with the log is broken, like a chain that does not verify.
    return EXIT_ERROR if found["consistent"] is False else EXIT_OK


def _bar(progress: Any) -> None:
    total = max(progress.total, 1)
    width = 30
    filled = int(width * progress.done / total)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total} "
        f"sự kiện, {progress.rate:,.0f} sự kiện/giây"
    )
    sys.stderr.flush()


def cmd_projections_rebuild(app: ParLedger, args: argparse.Namespace) -> int:
    if args.name not in (None, NAME):
        raise NotFound(f"không có khung nhìn {args.name!r}; có: {NAME}", field="name")
    progress = rebuild(app, on_progress=None if args.format == "json" else _bar)
    if args.format != "json":
        sys.stderr.write("\n")
    emit(
        args,
        {"view": NAME, "events": progress.done, "seconds": round(progress.elapsed, 3),
         "events_per_second": round(progress.rate)},
        lambda d: f"Đã dựng lại {d['view']}: {d['events']} sự kiện trong {d['seconds']} giây "
        f"({d['events_per_second']:,} sự kiện/giây)",
    )  # fmt: skip
    return EXIT_OK


def cmd_projections_checkpoint(app: ParLedger, args: argparse.Namespace) -> int:
    written = make_checkpoints(app, args.plan)
    emit(
        args,
        {"plan": args.plan, "checkpoints": written},
        lambda d: f"Đã ghi {d['checkpoints']} điểm chốt cho kế hoạch {d['plan']}",
    )
    return EXIT_OK


def both_axes(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--as-of`` and ``--known-at``: the two time axes of a replayed answer (an optional
    ``--as-of`` means today)."""
    today = "" if required else " (mặc định: hôm nay)"
    p.add_argument(
        "--as-of",
        type=date_arg,
        required=required,
        help=f"ngày hiệu lực: 2023-06-30 hoặc 30/06/2023{today}",
    )
    p.add_argument(
        "--known-at",
        type=known_at,
        help="thời điểm ghi sổ: chỉ tính sự kiện đã ghi đến lúc đó (ISO 8601; ngày = cuối ngày)",
    )


def register(add: Add) -> None:

    p = add(
        "replay",
        cmd_replay,
        "trạng thái kế hoạch tại một ngày (--as-of), theo hiểu biết của sổ cái tại một thời điểm "
        "(--known-at)",
    )
    p.add_argument("plan")
    both_axes(p)
    p.add_argument("--view", action="append", help="chỉ lấy khung nhìn này (lặp lại được)")
    p.add_argument(
        "--no-checkpoints", action="store_true", help="đọc lại từ đầu, không dùng điểm chốt"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "projections status", cmd_projections_status, "vị trí và độ trễ của khung nhìn trực tiếp"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add("projections rebuild", cmd_projections_rebuild, "dựng lại khung nhìn từ đầu")
    p.add_argument("name", nargs="?")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add("projections checkpoint", cmd_projections_checkpoint, "ghi điểm chốt cho một kế hoạch")
    p.add_argument("plan")
    p.add_argument("--format", choices=("text", "json"), default="text")


# -- periodic reports -----------------------------------------------------------------------


def _report_text(d: dict[str, Any]) -> str:
    content = d["content"]
    period = content["period"]
    board = content["task_board"]["by_status"]
    return "\n".join(
        [
            f"Báo cáo {period['name']} — kế hoạch {content['plan']}",
            f"Số liệu từ {vn_day(period['cutoff_from'])} đến {vn_day(period['cutoff_to'])}; "
            f"hạn gửi {vn_day(period['due'])}; vị trí sổ cái {content['position']}",
            f"Quy định về kỳ báo cáo: {period.get('rule') or 'như kế hoạch đã ghi'}",
            "Nhiệm vụ: " + ", ".join(f"{STATUS_VN[k]} {v}" for k, v in sorted(board.items())),
            "Chỉ tiêu: "
            + ", ".join(
                f"{r['indicator']} {STATUS_VN[r['status']]}"
                for r in content["target_attainment"]["indicators"]
            ),
            f"SHA-256 nội dung: {d['sha256']}",
        ]
    )


def cmd_report_show(app: ParLedger, args: argparse.Namespace) -> int:
    """The period's report as text, or as a file: xlsx, docx, csv, json."""

    if args.format == "text":
        period = _period_code(app, args)
        upto = position_known_at(app, args.known_at)
        emit(args, report_content(app, args.plan, period, position=upto), _report_text)
        return EXIT_OK
    if args.format in ("xlsx", "docx") and not args.output:
        print(f"parledger: lỗi: --output: định dạng {args.format} cần tên tệp", file=sys.stderr)
        return EXIT_USAGE
    report = build_report(app, args.plan, args.period, args.known_at, args.issued_on)
    data, _ = render(report, args.format, args.table)
    if args.output:
        Path(args.output).write_bytes(data)
        print(
            f"Đã ghi báo cáo {report.period.name} ({args.format}) vào {args.output}; "
            f"SHA-256 nội dung {report.sha256}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(data.decode("utf-8").lstrip("\ufeff"))
    return EXIT_OK


def _period_code(app: ParLedger, args: argparse.Namespace) -> str:
    """The plan's code for the period the user typed (Q2, 2023-Q2)."""

    return find_period(app, args.plan, args.period).code


KIND_VN = {"late_entry": "ghi muộn", "correction": "điều chỉnh", "retraction": "rút lại/hủy"}


def _diff_text(d: dict[str, Any]) -> str:
    sub = d["submitted"]
    lines = [
        f"Kỳ {d['period']['name']}: báo cáo nộp lúc {vn_day(sub['recorded_at'])} bởi {sub['actor']}"
        f" (vị trí {sub['position']}); "
        + ("nội dung tái tạo khớp mã băm đã nộp." if d["reproduced"] else "KHÔNG tái tạo được!"),
    ]
    if not d["entries"]:
        lines.append("Sổ cái không biết thêm gì về kỳ này sau khi nộp.")
    for e in d["entries"]:
        lines.append(
            f"  [{KIND_VN[e['kind']]}] {e['event']} — hiệu lực {vn_day(e['effective_at'])}, "
            f"ghi {vn_day(e['recorded_at'])} bởi {e['actor']} ({e['actor_role']}); "
            f"lý do: {e['reason'] or '—'}"
        )
    if d["changed_views"]:
        lines.append("Khung nhìn thay đổi: " + ", ".join(d["changed_views"]))
    return "\n".join(lines)


def cmd_report_diff(app: ParLedger, args: argparse.Namespace) -> int:
    emit(args, diff(app, args.plan, _period_code(app, args)), _diff_text)
    return EXIT_OK


def register_reports(add: Add) -> None:

    period_help = "kỳ báo cáo của kế hoạch: Q1, Q2, H1, Q3, Q4, Y (hoặc kèm năm: 2023-Q2)"
    for name, handler, help_ in (
        ("report show", cmd_report_show, "báo cáo kỳ tại ngày chốt số liệu: văn bản, xlsx, "
         "docx, csv hoặc json (parledger report KẾ_HOẠCH KỲ cũng được)"),
        ("report diff", cmd_report_diff, "những gì sổ cái biết thêm về kỳ sau khi đã nộp"),
    ):  # fmt: skip
        p = add(name, handler, help_)
        p.add_argument("plan")
        p.add_argument("period", help=period_help)
        if handler is cmd_report_diff:
            p.add_argument("--format", choices=("text", "json"), default="text")
        else:
            _show_options(p, date_arg)


def _show_options(p: argparse.ArgumentParser, day: Callable[[str], date]) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json", "xlsx", "docx", "csv"),
        default="text",
        help="text (mặc định), json, xlsx (Excel), docx (Word), csv",
    )
    p.add_argument("--output", "-o", help="ghi vào tệp này (bắt buộc với xlsx, docx)")
    p.add_argument(
        "--known-at",
        type=known_at,
        help="theo hiểu biết của sổ cái lúc đó (ISO 8601; một ngày = cuối ngày đó); mặc định: nay",
    )
    p.add_argument(
        "--table",
        choices=("tasks", "targets", "scores", "inspections", "apologies"),
        help="csv: chỉ một bảng (mặc định: mọi bảng, mỗi bảng một phần)",
    )
    p.add_argument("--issued-on", type=day, help="ngày ghi trên văn bản (mặc định: hôm nay)")
