"""CLI for consistency between signed heads, checkpoints in C2SP note form, and witnesses:
``prove-consistency``, ``verify-consistency``, ``checkpoint``, ``witness``,
``verify-checkpoint``. Registered by ``cli.integrity.register_integrity``; the commands in
``LEDGER_FREE`` read files only and need no database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.common import EXIT_OK, Add
from domain.errors import InvalidValue
from integrity.checkpoints import SignedHead, publish, read_head
from integrity.digests import key_path, load_or_create_key, public_hex
from integrity.notes import NoteError, Verifier, log_verifier, origin_for
from integrity.notes import load as load_note
from integrity.operations import IntegrityFailure
from integrity.proofs import (
    ProofFailure,
    check_consistency,
    prove_consistency,
    read_consistency_proof,
)
from integrity.witness import LOG_KEY_FILE, Witness
from ledger.application import ParLedger

EXIT_BROKEN = 1  # a proof, a checkpoint or the ledger does not hold


def _trusted(args: argparse.Namespace) -> str | None:
    """The ledger key heads must be signed with: given, or the ledger's own when it has one."""
    if args.trusted_key:
        return str(args.trusted_key).lower()
    path = key_path()
    return public_hex(load_or_create_key(path)) if path.exists() else None


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


# Commands that read files only: the CLI may run them without opening a ledger.
LEDGER_FREE: set[object] = set()


def _head(path: Path, trusted: str | None, field: str) -> SignedHead:
    try:
        return read_head(path, trusted)
    except NoteError as error:
        raise InvalidValue(str(error), field=field) from error


def cmd_prove_consistency(app: ParLedger, args: argparse.Namespace) -> int:
    trusted = _trusted(args)
    old, new = _head(args.old, trusted, "old"), _head(args.new, trusted, "new")
    size, _ = app.ledger_recorder.chain_extent()
    if new.head.size > size:
        raise InvalidValue(f"sổ cái mới có {size} sự kiện, ít hơn {args.new}", field="new")
    try:
        proof = prove_consistency(
            app.ledger_recorder, old.head, new.head, {"old": old.embed(), "new": new.embed()}
        )
    except ProofFailure as failure:
        print(f"parledger: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    _write(args, json.dumps(proof, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def cmd_verify_consistency(_: ParLedger | None, args: argparse.Namespace) -> int:
    old = _head(args.old, args.trusted_key, "old")
    new = _head(args.new, args.trusted_key, "new")
    try:
        path = None
        if args.proof:
            data = json.loads(Path(args.proof).read_text(encoding="utf-8"))
            sizes = read_consistency_proof(data)
            if sizes[:4] != (old.head.size, new.head.size, old.head.root, new.head.root):
                raise ProofFailure(f"{args.proof} không nói về {args.old} và {args.new}")
            path = sizes[4]
        check_consistency(old.head, new.head, path)
    except (OSError, ValueError, RecursionError) as error:  # ValueError: JSON, UTF-8
        raise InvalidValue(f"không đọc được {args.proof}: {error}", field="proof") from error
    except ProofFailure as failure:
        print(f"parledger: không nhất quán: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    print(
        f"Nhất quán: {args.new} ({new.head.size} sự kiện) nối tiếp {args.old} "
        f"({old.head.size} sự kiện), không viết lại điều gì."
    )
    return EXIT_OK


def cmd_checkpoint(app: ParLedger, args: argparse.Namespace) -> int:
    key = load_or_create_key(key_path())
    origin = origin_for(key)
    try:
        digest, target, proof = publish(app.ledger_recorder, key, origin, Path(args.directory))
    except IntegrityFailure as failure:
        for problem in failure.problems:
            print(f"parledger: vị trí {problem.position}: {problem.detail}", file=sys.stderr)
        print("parledger: chuỗi băm không toàn vẹn; không ký điểm kiểm", file=sys.stderr)
        return EXIT_BROKEN
    except ProofFailure as failure:
        print(f"parledger: {failure}", file=sys.stderr)
        return EXIT_BROKEN
    joined = f", bằng chứng nhất quán {proof.name}" if proof else ""
    print(f"Điểm kiểm {target} ({digest.size} sự kiện){joined}.")
    print(f"Khoá xác minh của sổ cái: {log_verifier(origin, public_hex(key)).vkey()}")
    return EXIT_OK


def cmd_witness(_: ParLedger | None, args: argparse.Namespace) -> int:
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    if args.log_key:
        try:
            Verifier.parse(args.log_key)
        except NoteError as error:
            raise InvalidValue(str(error), field="log-key") from error
        (state / LOG_KEY_FILE).write_text(args.log_key.strip() + "\n", encoding="utf-8")
    try:
        witness = Witness(state, args.name)
        outcomes = witness.run(Path(args.inbox))
    except NoteError as error:
        raise InvalidValue(str(error), field="inbox") from error
    print(f"Khoá xác minh của nhân chứng: {witness.verifier.vkey()}")
    words = {"cosigned": "đã đồng ký", "already": "đã đồng ký từ trước", "older": "bỏ qua"}
    for outcome in outcomes:
        status = words.get(outcome.status, "TỪ CHỐI")
        detail = f": {outcome.detail}" if outcome.detail else ""
        print(f"{outcome.path.name} ({outcome.size} sự kiện): {status}{detail}")
    return EXIT_BROKEN if any(o.status == "refused" for o in outcomes) else EXIT_OK


def cmd_verify_checkpoint(_: ParLedger | None, args: argparse.Namespace) -> int:
    try:
        witnesses = [Verifier.parse(text) for text in args.witness or []]
        checkpoint = load_note(Path(args.checkpoint))
        checkpoint.check(log_verifier(checkpoint.origin, args.trusted_key), witnesses, args.quorum)
    except NoteError as error:
        print(f"parledger: {error}", file=sys.stderr)
        return EXIT_BROKEN
    cosigned = [w.name for w in witnesses if checkpoint.holds(w)]
    print(
        f"Hợp lệ: {checkpoint.origin}, {checkpoint.size} sự kiện, "
        f"đồng ký bởi {', '.join(cosigned) or 'không ai'} (cần {args.quorum})."
    )
    return EXIT_OK


LEDGER_FREE.update({cmd_verify_consistency, cmd_witness, cmd_verify_checkpoint})


def register_consistency(add: Add) -> None:
    p = add("prove-consistency", cmd_prove_consistency, "bằng chứng sổ cái mới nối tiếp sổ cũ")
    p.add_argument("old", type=Path, help="bản tóm lược hay điểm kiểm cũ")
    p.add_argument("new", type=Path, help="bản tóm lược hay điểm kiểm mới")
    p.add_argument("--trusted-key", help="khoá công khai (hex) của sổ cái")
    p.add_argument("--output", help="ghi vào tệp thay vì màn hình")

    p = add(
        "verify-consistency",
        cmd_verify_consistency,
        "kiểm hai bản tóm lược/điểm kiểm nối tiếp nhau, không cần sổ cái",
    )
    p.add_argument("old", type=Path, help="bản tóm lược hay điểm kiểm cũ")
    p.add_argument("new", type=Path, help="bản tóm lược hay điểm kiểm mới")
    p.add_argument("--proof", help="bằng chứng nhất quán (khi khác số sự kiện)")
    p.add_argument("--trusted-key", help="khoá công khai (hex) của sổ cái")

    p = add("checkpoint", cmd_checkpoint, "ký điểm kiểm (C2SP) vào thư mục công bố")
    p.add_argument("directory", help="thư mục công bố điểm kiểm cho nhân chứng")

    p = add("witness", cmd_witness, "nhân chứng: kiểm tính nhất quán rồi đồng ký điểm kiểm")
    p.add_argument("inbox", help="thư mục điểm kiểm đã công bố")
    p.add_argument("--state", required=True, help="thư mục trạng thái của nhân chứng")
    p.add_argument(
        "--name", required=True, help="tên nhân chứng, ví dụ thanhtra.haiphong.gov.vn/w1"
    )
    p.add_argument("--log-key", help="khoá xác minh của sổ cái (lần đầu)")

    p = add(
        "verify-checkpoint",
        cmd_verify_checkpoint,
        "kiểm điểm kiểm: chữ ký sổ cái và đủ số đồng ký của nhân chứng tin cậy",
    )
    p.add_argument("checkpoint", help="tệp điểm kiểm")
    p.add_argument("--trusted-key", required=True, help="khoá công khai (hex) của sổ cái")
    p.add_argument("--witness", action="append", help="khoá xác minh nhân chứng (nhiều lần)")
    p.add_argument("--quorum", type=int, default=1, help="số đồng ký tối thiểu")
