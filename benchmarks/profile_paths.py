"""Where the time goes on each hot path: cProfile summaries, for before/after comparisons.

    python benchmarks/profile_paths.py [--events 10000] [--commands 300] [--top 12]
                                       [--backend sqlite|postgres] [--postgres-url URL]

Grows one ledger with the realistic mix (``benchmarks/ledger_mix.py``), then profiles, on it:
``rebuild`` (every view from scratch), ``verify`` (the whole chain), ``replay`` (one plan as of
30/06/2023 without checkpoints) and ``commands`` (task progress through ``ParLedger.handle``),
printing for each the wall time and the functions with the most time of their own. Figures
under the profiler are slower than without it; compare them only with each other.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ledger_core import progress
from benchmarks.ledger_mix import Mix
from benchmarks.stores import backend_arguments, scratch_store
from domain.values import Actor, Role
from integrity.verify import verify
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan
from projections import rebuild
from replay import replay

ADMIN = Actor(id="bench", name="bench", role=Role.ADMIN)


def profiled(name: str, top: int, fn: Callable[[], object]) -> None:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(fn)
    wall = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    table = body[body.find("   ncalls") :] if "   ncalls" in body else body
    print(f"\n== {name}: {wall:.2f} s under the profiler\n{table.rstrip()}", flush=True)


def run(url: str, events: int, commands: int, top: int) -> None:
    app = ParLedger(parse_database_url(url))
    try:
        started = time.perf_counter()
        Mix(app).grow_to(events)
        head = app.recorder.max_notification_id()
        print(f"ledger of {head} events made in {time.perf_counter() - started:.0f} s")
        profiled("rebuild", top, lambda: rebuild.rebuild(app))
        profiled("verify", top, lambda: verify(app.ledger_recorder))
        profiled(
            "replay",
            top,
            lambda: replay(app, "cat-hai-2023", date(2023, 6, 30), use_checkpoints=False),
        )
        leaves = [t.number for t in bundled_plan("cat-hai-2023").tasks if t.lead]
        command = progress(app, leaves)

        def commands_in_a_row() -> None:
            for i in range(commands):
                command(i)

        profiled(f"commands ({commands})", top, commands_in_a_row)
    finally:
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--top", type=int, default=12)
    backend_arguments(parser)
    args = parser.parse_args()
    with scratch_store(args.backend, args.postgres_url) as url:
        run(url, args.events, args.commands, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
