"""CLI for tamper evidence: ``digest``, ``verify``, ``prove``, ``verify-proof``, ``export``,
``restore`` and ``key show``. Integrity failures exit 1 with the first bad position on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eventsourcing.persistence import PersistenceError

from cli.common import (
    EXIT_OK,
    Add,
)
from cli.consistency import register_consistency
from cli.evidence import register_evidence
from domain.errors import InvalidValue, NotFound
from integrity.digests import Digest, DigestError, key_path, load_or_create_key, public_hex
from integrity.operations import (
    IntegrityFailure,
    check_proof,
    export,
    make_digest,
    prove,
    read_export,
    restore,
)
from integrity.verify import Problem, Report, verify
from ledger.application import ParLedger
from persistence.roles import grant_service_statements

EXIT_BROKEN = 1  # the ledger or a proof does not verify


def _digests(paths: list[Path] | None) -> list[Digest]:
    found = []
    for path in paths or []:
        try:
            found.append(Digest.load(path))
        except (DigestError, ValueError, RecursionError) as error:
            # Not a digest at all (binary, nested without end) is the user's mistake too.
            why = "lồng quá sâu" if isinstance(error, RecursionError) else str(error)
            raise InvalidValue(f"bản tóm lược {path}: {why}", field="digest") from error
    return found


def _trusted(args: argparse.Namespace) -> str | None:
    """The key digests must be signed with: given, or the ledger's own when it has one."""
    if args.trusted_key:
        return str(args.trusted_key).lower()
    path = key_path()
    return public_hex(load_or_create_key(path)) if path.exists() else None


def _problem_line(problem: Problem) -> str:
    where = f"vị trí {problem.position}" if problem.position is not None else "sổ cái"
    event = f", sự kiện {problem.event}" if problem.event else ""
    return f"{where}{event}: {problem.detail} [{problem.kind}]"


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _rate(report: Report) -> str:
    return f"{report.events} sự kiện trong {report.seconds:.2f} s ({report.rate:,.0f} sự kiện/s)"


def cmd_digest(app: ParLedger, args: argparse.Namespace) -> int:
    try:
        digest, report = make_digest(app.ledger_recorder, load_or_create_key(key_path()))
    except IntegrityFailure as failure:
        for problem in failure.problems:
            print(f"parledger: {_problem_line(problem)}", file=sys.stderr)
        print("parledger: chuỗi băm không toàn vẹn; không ký bản tóm lược", file=sys.stderr)
        return EXIT_BROKEN
    _recorded(app, report)
    _write(args, json.dumps(digest.to_json(), ensure_ascii=False, indent=2) + "\n")
    print(
        f"Bản tóm lược: {digest.size} sự kiện đến vị trí {digest.position}, "
        f"đầu chuỗi {digest.head[:16]}…; đã kiểm {_rate(report)}",
        file=sys.stderr,
    )
    return EXIT_OK


def _recorded(app: ParLedger, report: Report) -> None:
    """Keep the outcome where the service's metrics read how long ago the ledger was last
    verified (``parledger_chain_verify_age_seconds``)."""
    recorder = app.ledger_recorder
    try:
        recorder.record_verification(report.ok, report.events, report.last_position, report.seconds)
    except PersistenceError as error:  # a read-only replica or role: the check itself stands
        print(f"parledger: không ghi được kết quả kiểm tra vào sổ cái ({error})", file=sys.stderr)


def cmd_verify(app: ParLedger, args: argparse.Namespace) -> int:
    digests = _digests(args.digest)
    trusted = _trusted(args)
    report = verify(app.ledger_recorder, digests)
    for path, digest in zip(args.digest or [], digests, strict=True):
        try:
            digest.check_signature(trusted)
        except DigestError as error:
            report.problems.append(Problem("digest_signature", None, f"{path}: {error}"))
    _recorded(app, report)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "head": report.head.hex(),
                    "digests_checked": report.digests_checked,
                    "seconds": round(report.seconds, 3),
                    "events_per_second": round(report.rate),
                    "problems": [vars(p) for p in report.problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    if not report.ok:
        for problem in report.problems:
            print(f"parledger: {_problem_line(problem)}", file=sys.stderr)
        return EXIT_BROKEN
    if args.format == "text":
        print(
            f"Chuỗi băm toàn vẹn: {_rate(report)}; "
            f"{report.digests_checked} bản tóm lược được sổ cái hôm nay nối tiếp."
        )
    return EXIT_OK


MAX_POSITION = 2**62  # positions are 64-bit integers in both stores


def _position(text: str) -> int:
    """A ledger position in ASCII digits (int() would take ٤ and overflow the store)."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_POSITION:
        raise argparse.ArgumentTypeError(
            f"vị trí {text!r} phải là số nguyên dương viết bằng chữ số 0–9, tối đa {MAX_POSITION}"
        )
    return int(text)


def cmd_prove(app: ParLedger, args: argparse.Namespace) -> int:
    if args.digest:
        (digest,) = _digests([args.digest])
    else:
        digest, _ = make_digest(app.ledger_recorder, load_or_create_key(key_path()))
    try:
        proof = prove(app.ledger_recorder, args.position, digest)
    except LookupError as error:
        raise NotFound(str(error), field="position") from error
    _write(args, json.dumps(proof, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def cmd_verify_proof(_: ParLedger | None, args: argparse.Namespace) -> int:
    try:
        proof = json.loads(Path(args.proof).read_text(encoding="utf-8"))
        checked = check_proof(proof, trusted_key=args.trusted_key)
        if args.digest:
            (kept,) = _digests([args.digest])
            if (kept.size, kept.root) != (checked.digest.size, checked.digest.root):
                raise IntegrityFailure("bằng chứng không thuộc bản tóm lược đang giữ")
    except (OSError, ValueError, RecursionError) as error:  # ValueError: JSON, UTF-8
        why = "JSON lồng quá sâu" if isinstance(error, RecursionError) else str(error)
        raise InvalidValue(f"không đọc được {args.proof}: {why}", field="proof") from error
    except IntegrityFailure as failure:
        print(f"parledger: bằng chứng không hợp lệ: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    e = checked.event
    print(
        f"Hợp lệ: sự kiện ở vị trí {e.position} ({e.entity} {e.event_type}, "
        f"{e.actor_id}, ghi lúc {e.recorded_at}) nằm trong sổ cái có {checked.digest.size} "
        f"sự kiện theo bản tóm lược lúc {checked.digest.issued_at} "
        f"(khoá {checked.digest.key[:16]}…)."
    )
    return EXIT_OK


def cmd_export(app: ParLedger, args: argparse.Namespace) -> int:
    target = Path(args.output)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            digest = export(app.ledger_recorder, load_or_create_key(key_path()), out)
    except IntegrityFailure as failure:
        partial.unlink(missing_ok=True)
        for problem in failure.problems:
            print(f"parledger: {_problem_line(problem)}", file=sys.stderr)
        print("parledger: chuỗi băm không toàn vẹn; không xuất", file=sys.stderr)
        return EXIT_BROKEN
    partial.replace(target)  # never a half-written export under the asked name
    print(f"Đã xuất {digest.size} sự kiện đến vị trí {digest.position} vào {target}")
    return EXIT_OK


def cmd_restore(app: ParLedger, args: argparse.Namespace) -> int:
    try:
        with Path(args.file).open(encoding="utf-8") as lines:
            links, digest = read_export(lines, trusted_key=args.trusted_key)
    except (OSError, ValueError, RecursionError) as error:  # ValueError: not UTF-8 text
        why = "JSON lồng quá sâu" if isinstance(error, RecursionError) else str(error)
        raise InvalidValue(f"không đọc được {args.file}: {why}", field="file") from error
    except IntegrityFailure as failure:
        if str(failure).startswith("line 1: not a"):  # not an export at all: a wrong file
            raise InvalidValue(
                f"{args.file} không phải tệp xuất của ParLedger", field="file"
            ) from failure
        print(f"parledger: tệp xuất không toàn vẹn: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    if app.recorder.max_notification_id():
        raise InvalidValue("chỉ khôi phục được vào sổ cái trống", field="database")
    report = restore(app.ledger_recorder, links, digest)
    print(
        f"Đã khôi phục {report.events} sự kiện; chuỗi băm khớp bản tóm lược "
        f"({digest.head[:16]}…). Chạy 'parledger projections rebuild' để dựng lại khung nhìn."
    )
    return EXIT_OK


def cmd_key_show(_: ParLedger, args: argparse.Namespace) -> int:
    path = key_path()
    print(json.dumps({"path": str(path), "public_key": public_hex(load_or_create_key(path))}))
    return EXIT_OK


def cmd_grant_service(app: ParLedger, args: argparse.Namespace) -> int:
    if app.database.backend != "postgres":
        raise InvalidValue("chỉ dùng cho PostgreSQL", field="PARLEDGER_DATABASE_URL")
    assert app.view is not None  # the view tables exist before they are granted
    app.ledger_recorder.merkle_extent()  # and the cache of subtree roots
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    statements = grant_service_statements(
        datastore.schema,
        args.role,
        app.recorder.events_table_name,  # type: ignore[attr-defined]
    )
    with datastore.transaction(commit=True) as curs:
        for statement in statements:
            curs.execute(statement)
    print(
        f"Vai trò {args.role}: chỉ đọc bảng sổ cái, ghi qua parledger_append; "
        "chạy dịch vụ với PARLEDGER_CREATE_TABLES=no."
    )
    return EXIT_OK


def register_integrity(add: Add) -> None:
    p = add("digest", cmd_digest, "kiểm toàn bộ chuỗi băm rồi ký bản tóm lược (Ed25519)")
    p.add_argument("--output", help="ghi vào tệp thay vì màn hình")

    p = add("verify", cmd_verify, "kiểm chuỗi băm và các bản tóm lược kiểm toán viên giữ")
    p.add_argument("--digest", type=Path, action="append", help="tệp bản tóm lược (nhiều lần)")
    p.add_argument("--trusted-key", help="khoá công khai (hex) phải ký các bản tóm lược")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("prove", cmd_prove, "bằng chứng một sự kiện nằm trong sổ cái (cây Merkle)")
    p.add_argument("position", type=_position, help="vị trí của sự kiện (xem parledger audit)")
    p.add_argument("--digest", type=Path, help="chứng minh theo bản tóm lược này")
    p.add_argument("--output", help="ghi vào tệp thay vì màn hình")

    p = add("verify-proof", cmd_verify_proof, "kiểm một bằng chứng mà không cần sổ cái")
    p.add_argument("proof", help="tệp bằng chứng")
    p.add_argument("--digest", type=Path, help="bản tóm lược đang giữ, phải trùng")
    p.add_argument("--trusted-key", help="khoá công khai (hex) phải ký bản tóm lược")

    p = add("export", cmd_export, "xuất toàn bộ sổ cái (JSON từng dòng, kèm bản tóm lược)")
    p.add_argument("--output", required=True, help="tệp xuất")

    p = add("restore", cmd_restore, "khôi phục tệp xuất vào sổ cái trống")
    p.add_argument("file", help="tệp xuất")
    p.add_argument("--trusted-key", help="khoá công khai (hex) phải ký tệp xuất")

    p = add("key show", cmd_key_show, "khoá công khai của sổ cái")

    p = add(
        "db grant-service",
        cmd_grant_service,
        "cấp quyền cho vai trò dịch vụ PostgreSQL: chỉ thêm sự kiện, không sửa, không xoá",
    )
    p.add_argument("role", help="vai trò PostgreSQL đã tạo (CREATE ROLE … LOGIN)")

    register_consistency(add)
    register_evidence(add)
