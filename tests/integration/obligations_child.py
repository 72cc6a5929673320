"""Run as a process by ``test_obligations_exactly_once``: the obligations process over the
store at ``argv[1]`` in pages of ``argv[2]``, saying "written N" once a page's events are
written inside its transaction; in page number ``argv[3]`` (0: none) it then pauses, before the
tracking position is written, so the test can kill it between the two."""

from __future__ import annotations

import sys
import time
from typing import Any

from eventsourcing.persistence import Tracking

from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from persistence.settings import parse_database_url


def main(url: str, page: int, pause_in: int) -> None:
    app = ParLedger(parse_database_url(url))
    tracker = app.recorder.tracker  # type: ignore[attr-defined]
    write_tracking = tracker._insert_tracking

    pages = 0

    def announced(cursor: Any, tracking: Tracking) -> None:
        nonlocal pages
        pages += 1
        print(f"written {tracking.notification_id}", flush=True)
        if pages == pause_in:
            time.sleep(60)  # killed here
        write_tracking(cursor, tracking)

    tracker._insert_tracking = announced
    ObligationsProcess(app, page=page).run(
        on_page=lambda last, count: print(f"saved {last} {count}", flush=True)
    )
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
