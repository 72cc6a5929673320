"""CLI for evidence that leaves the ledger: ``verify-report FILE`` (a report file against its
seal, and against the ledger when one is configured with ``--ledger``), ``evidence PLAN
--agency A --from D1 --to D2 [--inspection ID] --output FILE.zip`` (an inspection evidence
package) and ``evidence verify FILE.zip`` (checked with no database). Registered by
``cli.integrity.register_integrity``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cli.common import EXIT_OK, EXIT_USAGE, Add, acting_user, date_arg
from cli.consistency import LEDGER_FREE
from domain.errors import InvalidValue
from integrity.checkpoints import read_head
from integrity.digests import key_path, load_or_create_key
from integrity.notes import NoteError
from integrity.operations import IntegrityFailure
from integrity.proofs import TreeHead
from integrity.sealing import PUBLISHED_ENV, evidence_at
from ledger.application import ParLedger
from persistence.settings import database_from_env
from reports.package import Request, build_package, package_request
from reports.package_check import PackageMismatch, verify_package
from reports.readback import ReportMismatch, verify_report

EXIT_BROKEN = 1  # the file does not match its seal, its package or the ledger


def _read(path: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InvalidValue(f"không đọc được {path}: {error}", field=field) from error


def _held(args: argparse.Namespace) -> TreeHead | None:
    if not args.checkpoint:
        return None
    try:
        return read_head(Path(args.checkpoint), args.trusted_key).head
    except NoteError as error:
        raise InvalidValue(str(error), field="checkpoint") from error


def cmd_verify_report(_: ParLedger | None, args: argparse.Namespace) -> int:
    data = _read(args.file, "file")
    held = _held(args)
    app = ParLedger(database_from_env()) if args.ledger else None
    try:
        verdict = verify_report(data, args.trusted_key, held, app)
    except ReportMismatch as error:
        print(f"parledger: báo cáo không khớp: {error}", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        if app is not None:
            app.close()
    seal = verdict.seal
    print(
        f"Báo cáo {seal['plan']} kỳ {seal['period']} ({verdict.kind}), mã xác thực {seal['code']}, "
        f"vị trí sổ cái {seal['position']}:"
    )
    for line in verdict.holds:
        print(f"  khớp: {line}")
    for line in verdict.unchecked:
        print(f"  chưa kiểm: {line}")
    return EXIT_OK


def cmd_evidence(_: ParLedger | None, args: argparse.Namespace) -> int:
    """``evidence verify FILE.zip`` needs no ledger; ``evidence PLAN …`` opens it."""
    if args.plan == "verify":
        return _verify(args)
    for flag, name in (("--agency", "agency"), ("--from", "from_"), ("--to", "to")):
        if not getattr(args, name):
            print(f"parledger: lỗi: {flag}: cần cho gói bằng chứng", file=sys.stderr)
            return EXIT_USAGE
    if not args.output or args.file:
        print("parledger: lỗi: --output: cần tên tệp gói .zip", file=sys.stderr)
        return EXIT_USAGE
    request = package_request(args.plan, args.agency, args.from_, args.to, args.inspection)
    app = ParLedger(database_from_env())
    try:
        return _make(app, request, Path(args.output))
    finally:
        app.close()


def _make(app: ParLedger, request: Request, target: Path) -> int:
    published = os.environ.get(PUBLISHED_ENV)
    position = int(app.recorder.max_notification_id() or 0)
    try:
        evidence = evidence_at(
            app.ledger_recorder,
            load_or_create_key(key_path()),
            position,
            Path(published) if published else None,
        )
    except IntegrityFailure as failure:
        print(f"parledger: chuỗi băm không toàn vẹn; không lập gói: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    data = build_package(app, acting_user(app), request, evidence)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)  # never a half-written package under the asked name
    print(
        f"Đã lập gói bằng chứng {target} ({len(data):,} byte) ở vị trí sổ cái {position}, "
        f"điểm kiểm {evidence.checkpoint.size} sự kiện."
    )
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    if not args.file:
        print("parledger: lỗi: FILE: cần tệp gói bằng chứng (.zip)", file=sys.stderr)
        return EXIT_USAGE
    try:
        holds = verify_package(_read(args.file, "file"), args.trusted_key)
    except PackageMismatch as error:
        print(f"parledger: gói bằng chứng không khớp: {error}", file=sys.stderr)
        return EXIT_BROKEN
    print(f"Gói bằng chứng {args.file} hợp lệ:")
    for line in holds:
        print(f"  khớp: {line}")
    return EXIT_OK


LEDGER_FREE.update({cmd_verify_report, cmd_evidence})


def register_evidence(add: Add) -> None:
    p = add("verify-report", cmd_verify_report, "kiểm một tệp báo cáo theo dấu xác thực của nó")
    p.add_argument("file", help="tệp báo cáo (.json, .csv, .xlsx, .docx)")
    p.add_argument("--checkpoint", help="điểm kiểm hay bản tóm lược đang giữ, để đối chiếu")
    p.add_argument("--trusted-key", help="khoá công khai (hex) của sổ cái")
    p.add_argument(
        "--ledger",
        action="store_true",
        help="dựng lại báo cáo từ sổ cái (PARLEDGER_DATABASE_URL) ở cùng vị trí và so từng ô",
    )

    p = add(
        "evidence",
        cmd_evidence,
        "gói bằng chứng cho một cơ quan trong một khoảng thời gian; "
        "'evidence verify GÓI.zip' kiểm gói không cần cơ sở dữ liệu",
    )
    p.add_argument("plan", help="mã kế hoạch, hoặc 'verify' để kiểm một gói")
    p.add_argument("file", nargs="?", help="với verify: tệp gói (.zip)")
    p.add_argument("--agency", help="mã cơ quan")
    p.add_argument("--from", dest="from_", type=date_arg, help="từ ngày (2023-01-01)")
    p.add_argument("--to", type=date_arg, help="đến ngày (2023-06-30)")
    p.add_argument("--inspection", help="mã cuộc kiểm tra (UUID): thêm mọi sự kiện của nó")
    p.add_argument("--output", help="tệp gói .zip")
    p.add_argument("--trusted-key", help="với verify: khoá công khai (hex) của sổ cái")
