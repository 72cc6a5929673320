"""A national-scale ledger: one plan's as-of answer and a province's roll-up as it grows.

34 provinces, each with communes (special zones, wards) whose yearly CCHC plans are the Cát Hải
2023 plan moved to that commune (its unit established under its province, its agencies the
commune's own, qualified by the unit's code), each with a year of activity from
``benchmarks/ledger_mix.py`` (about 2,700 events a plan). Plans are added province by
province, round robin, so every size has every province and more communes in each.

Communes are made through the commands one by one (``--generator commands``), or the first
through the commands and the rest as copies of it written through the recorder's own append
(``--generator replicate``, the default; ``benchmarks/replicate.py``), many communes to a
transaction: the same events, index rows and chain links, in a fraction of the time.

At each size it prints one plan's as-of latency (with checkpoints, and from the index alone)
beside the same figure from a second store kept at the smallest size, the two timed in turns
so that a change in the shared machine's load between sizes is not read as growth (the growth
ratio; goal < 1.2x from 100k to 1M events), and a province roll-up's p50/p99 beside one
plan's as-of p50 at that size. How long generation took is printed with each size, and how
long the live view then took to fold what was written (copies are written past it; a served
ledger's worker folds them as they come), so that no timed answer pays for that fold.

    python benchmarks/national.py --sizes 100000,1000000 [--backend postgres]
        [--generator commands|replicate]

The 10M figure: ``--sizes 100000,1000000,10000000`` (SQLite: about half an hour, 14 GB).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ledger_mix import OPERATOR, Mix
from benchmarks.replicate import Commune, Replicator, Template
from benchmarks.stores import growth_arguments, scratch_store
from domain.plan import Plan
from domain.values import Source
from ledger.application import ParLedger
from ledger.context import CommandContext
from ledger.importer import import_plan
from ledger.usecases.unit import EstablishUnit, UnitLevel
from ledger.views import plan_overview
from persistence.settings import parse_database_url
from planfile.bundled import bundled_plan
from planfile.schema import PlanFile
from planfile.units import qualified
from projections import live
from replay import replay
from replay.engine import make_checkpoints
from replay.rollup import plan_list, plans_in, rollup

PROVINCES = 34
YEAR = 2023
AS_OF = date(2023, 6, 30)
PLAN = "p0-c0-2023"  # the plan whose as-of answer is timed at every size
PROVINCE = "p0"  # the province whose roll-up is timed
BATCH_EVENTS = 50_000  # copied events appended in one transaction


def _context() -> CommandContext:
    return CommandContext(actor=OPERATOR, source=Source.CLI)


def commune_plan(province: int, commune: int) -> PlanFile:
    """Cát Hải's 2023 plan as commune ``commune`` of province ``province`` made it."""
    unit = f"p{province}-c{commune}"
    plan = bundled_plan("cat-hai-2023").model_copy(
        update={
            "id": f"{unit}-{YEAR}",
            "unit": f"Xã số {commune} tỉnh số {province}",
            "unit_code": unit,
            "unit_level": "commune",
        }
    )
    return qualified(plan)


def commune(province: int, number: int) -> Commune:
    return Commune(
        unit=f"p{province}-c{number}",
        province=f"p{province}",
        name=f"Xã số {number} tỉnh số {province}",
    )


class NationalMix(Mix):
    """Grows the ledger commune plan by commune plan, provinces round robin; with
    ``replicate``, every commune after the first is a copy of it."""

    def __init__(self, app: ParLedger, *, replicate: bool = False) -> None:
        super().__init__(app)
        self.replicate = replicate
        self.replicator: Replicator | None = None

    def grow_to(self, events: int) -> None:
        pending: list[Commune] = []
        while self._events() + len(pending) * self._per_commune() < events:
            number, province = divmod(self.made, PROVINCES)
            if self.replicator is None:
                self.add_commune(province, number)
            else:
                if number == 0:
                    self.flush(pending)
                    self.add_province(province)
                pending.append(commune(province, number))
                if len(pending) * self._per_commune() >= BATCH_EVENTS:
                    self.flush(pending)
            self.made += 1
        self.flush(pending)

    def _events(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def _per_commune(self) -> int:
        return len(self.replicator.template.events) if self.replicator else 0

    def flush(self, pending: list[Commune]) -> None:
        assert self.replicator is not None or not pending
        if self.replicator is not None:
            self.replicator.append(pending)
        pending.clear()

    def add_province(self, province: int) -> None:
        self.app.handle(_context(), EstablishUnit(
            unit_code=f"p{province}", name=f"Tỉnh số {province}",
            level=UnitLevel("province"),
        ))  # fmt: skip

    def add_commune(self, province: int, number: int) -> None:
        if number == 0:
            self.add_province(province)
        plan = commune_plan(province, number)
        first = self._events()
        self.app.handle(_context(), EstablishUnit(
            unit_code=str(plan.unit_code), name=plan.unit, level=UnitLevel("commune"),
            parent=f"p{province}",
        ))  # fmt: skip
        import_plan(self.app, plan, _context())
        self.add_activity(plan, YEAR)
        if self.replicate and self.replicator is None:
            template = Template(self.app, first, self._events(), commune(province, number))
            self.replicator = Replicator(self.app, template)


def in_turns(calls: list[Callable[[], Any]], runs: int) -> list[list[float]]:
    """Milliseconds of ``runs`` calls of each of ``calls``, sorted, the calls taken in turns
    (a fresh order each round): they share whatever load the machine has meanwhile."""
    found: list[list[float]] = [[] for _ in calls]
    order = list(range(len(calls)))
    shuffle = random.Random(0).shuffle
    for _ in range(runs):
        shuffle(order)
        for i in order:
            started = time.perf_counter()
            calls[i]()
            found[i].append((time.perf_counter() - started) * 1000)
    return [sorted(times) for times in found]


def p99(times: list[float]) -> float:
    return times[max(0, int(len(times) * 0.99) - 1)] if len(times) >= 100 else times[-1]


def checkpoint_province(app: ParLedger) -> int:
    """Every plan of the province checkpointed, as a served ledger's rebuild does."""
    return sum(make_checkpoints(app, ref.plan) for ref in plans_in(app, PROVINCE))


def every_plan(app: ParLedger) -> list[Plan]:
    """The list of plans as the pages and GET /plans read it before the live view did."""
    uids = app.ledger_recorder.select_originators(Plan.__name__)
    return [app.load(Plan, uid, "kế hoạch") for uid in uids]


def measure(app: ParLedger, mix: NationalMix, queries: int, base: ParLedger) -> dict[str, float]:
    """The figures at the current size; one plan's answers in turns with the same answers
    from ``base``, the store at the smallest size, so that their ratio is the growth and
    not how the machine's load changed since that size was measured."""
    # The copies are written past the live view: fold them first, timed apart (a served
    # ledger's worker folds as events come), so that no timed answer pays for it.
    started = time.perf_counter()
    folded = live.catch_up(app, app.view).done
    catch_up_s = time.perf_counter() - started
    checkpoints = checkpoint_province(app)
    with_cp, base_cp = in_turns(
        [lambda: replay(app, PLAN, AS_OF), lambda: replay(base, PLAN, AS_OF)], queries
    )
    index, base_index = in_turns(
        [
            lambda: replay(app, PLAN, AS_OF, use_checkpoints=False),
            lambda: replay(base, PLAN, AS_OF, use_checkpoints=False),
        ],
        queries,
    )
    # One plan's structure and status (``plan show``, GET /plans/{plan}) and the list of
    # plans (GET /plans, every page's plan menu): the first should not grow with the country,
    # the second grows with its plans only.
    overview, base_overview = in_turns(
        [lambda: plan_overview(app, PLAN), lambda: plan_overview(base, PLAN)], queries
    )
    listed, base_listed, loaded = in_turns(
        [lambda: plan_list(app), lambda: plan_list(base), lambda: every_plan(app)], queries
    )
    found = rollup(app, PROVINCE, AS_OF)
    (province,) = in_turns([lambda: rollup(app, PROVINCE, AS_OF)], queries)
    return {
        "events": int(app.recorder.max_notification_id() or 0),
        "plans": mix.made,
        "checkpoints": checkpoints,
        "plan_p50": statistics.median(with_cp),
        "base_plan_p50": statistics.median(base_cp),
        "index_p50": statistics.median(index),
        "base_index_p50": statistics.median(base_index),
        "overview_p50": statistics.median(overview),
        "base_overview_p50": statistics.median(base_overview),
        "list_p50": statistics.median(listed),
        "base_list_p50": statistics.median(base_listed),
        "base_plans": len(plan_list(base)),
        "loaded_p50": statistics.median(loaded),
        "folded": folded,
        "catch_up_s": catch_up_s,
        "province_plans": len(found["plans"]),
        "province_p50": statistics.median(province),
        "province_p99": p99(province),
    }


def _print(r: dict[str, float], base: dict[str, float]) -> None:
    at = f"{base['events']:,.0f}"
    print(
        f"{r['events']:>10,.0f} events, {r['plans']:.0f} commune plans "
        f"(generated in {r['generate_s']:.0f} s; the live view then folded "
        f"{r['folded']:,.0f} events in {r['catch_up_s']:.0f} s)\n"
        f"  one plan as of {AS_OF}: p50 {r['plan_p50']:.1f} ms with checkpoints, beside "
        f"{r['base_plan_p50']:.1f} ms at {at} in turns with it: growth "
        f"{r['plan_p50'] / r['base_plan_p50']:.2f}x (goal < 1.2x; {base['plan_p50']:.1f} ms "
        f"when {at} was measured alone)\n"
        f"  index only: p50 {r['index_p50']:.1f} ms, beside {r['base_index_p50']:.1f} ms at "
        f"{at}: growth {r['index_p50'] / r['base_index_p50']:.2f}x\n"
        f"  one plan's overview (plan show): p50 {r['overview_p50']:.1f} ms, beside "
        f"{r['base_overview_p50']:.1f} ms at {at}: growth "
        f"{r['overview_p50'] / r['base_overview_p50']:.2f}x (goal < 1.2x)\n"
        f"  the list of plans ({r['plans']:.0f}): p50 {r['list_p50']:.1f} ms, beside "
        f"{r['base_list_p50']:.1f} ms for {r['base_plans']:.0f} at {at}: "
        f"{r['list_p50'] / max(r['plans'], 1) * 1000:.0f} us a plan beside "
        f"{r['base_list_p50'] / max(r['base_plans'], 1) * 1000:.0f} us; loading every "
        f"plan's events instead (as before): {r['loaded_p50']:.1f} ms\n"
        f"  province {PROVINCE} roll-up ({r['province_plans']:.0f} plans): p50 "
        f"{r['province_p50']:.1f} ms, p99 {r['province_p99']:.1f} ms, beside one plan's "
        f"{r['plan_p50']:.1f} ms ({r['province_p50'] / r['plan_p50']:.1f}x)",
        flush=True,
    )


def run(
    urls: tuple[str, str], sizes: list[int], queries: int, replicate: bool
) -> list[dict[str, float]]:
    """Grows the store at ``urls[0]`` through ``sizes``; the one at ``urls[1]`` is grown to
    the smallest size once and kept, the baseline every size is timed in turns with."""
    app, base = (ParLedger(parse_database_url(url)) for url in urls)
    mix = NationalMix(app, replicate=replicate)
    rows: list[dict[str, float]] = []
    try:
        NationalMix(base, replicate=replicate).grow_to(sizes[0])
        checkpoint_province(base)
        for size in sizes:
            started = time.perf_counter()
            mix.grow_to(size)
            grown = time.perf_counter() - started
            rows.append({**measure(app, mix, queries, base), "generate_s": grown})
            _print(rows[-1], rows[0])
    finally:
        app.close()
        base.close()
    return rows


def main() -> int:
    args, sizes = growth_arguments(
        __doc__,
        "100000,1000000",
        100,
        lambda parser: parser.add_argument(
            "--generator", choices=("commands", "replicate"), default="replicate"
        ),
    )
    print(
        f"ParLedger national benchmark — {args.backend}, sizes {sizes}, generator {args.generator}",
        flush=True,
    )
    with (
        scratch_store(args.backend, args.postgres_url) as url,
        scratch_store(args.backend, args.postgres_url) as base,
    ):
        rows = run((url, base), sizes, args.queries, args.generator == "replicate")
    print("\nSummary")
    for r in rows:
        _print(r, rows[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
