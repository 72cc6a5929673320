"""``parledger projections run``: the projection worker (``projections.worker``)."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from cli.common import EXIT_OK, Add
from ledger.application import ParLedger
from projections.worker import Report, Worker


def cmd_projections_run(app: ParLedger, args: argparse.Namespace) -> int:
    def report(done: Report) -> None:
        # One JSON line per page saved: what was applied, and the lag a supervisor watches.
        print(json.dumps(done.as_json(), ensure_ascii=False), flush=True)

    worker = Worker(app, poll=args.poll, on_report=report)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    print(
        f"Tiến trình cập nhật khung nhìn {worker.holder}: theo dõi {app.database.url}",
        file=sys.stderr,
        flush=True,
    )
    worker.run(once=args.once)
    return EXIT_OK


def register_worker(add: Add) -> None:
    p = add(
        "projections run",
        cmd_projections_run,
        "giữ khung nhìn trực tiếp theo kịp sổ cái (chạy nền; nhiều tiến trình vẫn an toàn)",
    )
    p.add_argument("--poll", type=float, default=0.5, help="giây giữa hai lần kiểm tra sự kiện mới")
    p.add_argument("--once", action="store_true", help="theo kịp một lần rồi dừng")
