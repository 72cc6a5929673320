"""The national benchmark's copied communes (``benchmarks/replicate.py``) are what the commands
would have made: a copy replays, as of a date, to the answer of the same commune made through
the commands (but for its ids), is found by id, links into a chain that verifies, and is seen
by its province's roll-up."""

from __future__ import annotations

import json
import random
import re
from datetime import date
from typing import Any

import pytest

from benchmarks.national import NationalMix, commune
from domain import ids
from domain.errors import NotFound
from integrity.verify import verify
from ledger.application import ParLedger
from replay import replay
from replay.engine import make_checkpoints
from replay.rollup import plans_in, rollup

AS_OF = date(2023, 6, 30)
COPY = "p1-c0"  # copied from the template p0-c0
MADE = "p2-c0"  # made through the commands with the template's random draws
UUID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def _unnamed(answer: Any, unit: str, province: str) -> str:
    """``answer`` as text with the commune's own names taken out and each id replaced by
    the order in which it first appears."""
    text = json.dumps(answer, sort_keys=True, ensure_ascii=False, default=str)
    text = text.replace(unit, "UNIT").replace(f"tỉnh số {province[1:]}", "tỉnh số N")
    text = text.replace(f'"{province}"', '"PROVINCE"')
    seen: dict[str, str] = {}
    return UUID_TEXT.sub(lambda m: seen.setdefault(m.group(0), f"id{len(seen)}"), text)


def _national(app: ParLedger) -> NationalMix:
    mix = NationalMix(app, replicate=True)
    mix.add_commune(0, 0)  # the template, through the commands
    mix.add_province(1)
    assert mix.replicator is not None
    mix.replicator.append([commune(1, 0)])
    mix.rng = random.Random(2023)  # the template's draws again
    mix.add_commune(2, 0)
    return mix


def test_a_copied_commune_answers_as_the_same_commune_made_through_commands(
    app: ParLedger,
) -> None:
    mix = _national(app)
    assert mix.replicator is not None
    assert len(mix.replicator.template.events) > 2000
    copied, made = f"{COPY}-2023", f"{MADE}-2023"
    for use_checkpoints in (False, True):
        if use_checkpoints:
            assert make_checkpoints(app, copied) == make_checkpoints(app, made) > 0
        answers = [
            replay(app, plan, AS_OF, use_checkpoints=use_checkpoints) for plan in (copied, made)
        ]
        for answer in answers:  # where the answer was read from differs, not what it says
            answer["replay"].pop("position")
        assert _unnamed(answers[0], COPY, "p1") == _unnamed(answers[1], MADE, "p2")
        assert answers[0]["replay"]["events"] > 1000

    # Found by id as the application finds an aggregate: ids come from the copy's own keys.
    assert app.get_plan(copied).unit_code == COPY
    assert app.get_task(copied, "1").uuid == ids.task_id(copied, "1")
    assert app.get_dossier(f"{copied}-HS0").agency.startswith(f"{COPY}.")

    report = verify(app.ledger_recorder)
    assert report.ok, report.problems
    assert report.events == report.links == app.recorder.max_notification_id()

    assert [ref.plan for ref in plans_in(app, "p1")] == [copied]
    lines = [rollup(app, province, AS_OF)["plans"] for province in ("p1", "p2")]
    assert [line["plan"] for line in lines[0]] == [copied]
    assert _unnamed(lines[0], COPY, "p1") == _unnamed(lines[1], MADE, "p2")


def test_copies_are_recorded_in_log_order(app: ParLedger) -> None:
    """The knowledge axis follows the log: a copy is recorded after what precedes it, so
    "as known at" a moment before the copy does not know its plan."""
    mix = _national(app)
    assert mix.replicator is not None
    rows = app.ledger_recorder.select_index(limit=100_000)
    times = [row.recorded_at for _, row in rows]
    assert times == sorted(times)
    first_copied = next(row for _, row in rows if row.plan == f"{COPY}-2023")
    before = app.ledger_recorder.position_at(first_copied.recorded_at) - 1
    with pytest.raises(NotFound):
        replay(app, f"{COPY}-2023", AS_OF, position=before)
    known = replay(app, f"{COPY}-2023", AS_OF, position=before + 1)["replay"]["events"]
    assert 0 < known < replay(app, f"{COPY}-2023", AS_OF)["replay"]["events"]
