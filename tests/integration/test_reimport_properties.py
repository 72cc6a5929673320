"""Re-importing a plan ends where a fresh import ends: after any sequence of texts A, B, …, Z
of one plan (areas, targets and tasks dropped, brought back, reworded, deadlines moved or
removed, tasks moved to another area, leads no longer named), the live plan's active items
equal those of a fresh ledger that imported Z alone. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.importer import import_plan
from persistence.settings import parse_database_url
from planfile.parser import parse_plan_text
from planfile.schema import PlanFile
from projections import live, views
from tests.conftest import ctx, fresh_database_urls

SEED = parse_plan_text(Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt")
PLAN = SEED.id
AREAS = [a.code for a in SEED.areas]
FAMILIES = sorted({t.parent or t.number for t in SEED.tasks})  # a task with its sub-items
TARGETS = [t.number for t in SEED.targets]
DATED = [t.number for t in SEED.tasks if t.timeframe.due is not None]
LED = [t.number for t in SEED.tasks if t.lead]
NUMBERS = [t.number for t in SEED.tasks]


@st.composite
def texts(draw: st.DrawFn) -> PlanFile:
    """A text of the seed's plan with some of it left out, reworded or rescheduled."""
    areas = draw(st.sets(st.sampled_from(AREAS), min_size=1))
    families = draw(st.sets(st.sampled_from(FAMILIES)))
    targets = draw(st.sets(st.sampled_from(TARGETS), min_size=1))
    reworded = draw(st.sets(st.sampled_from([t.number for t in SEED.tasks]), max_size=4))
    later = draw(st.sets(st.sampled_from(DATED), max_size=4))
    undated = draw(st.sets(st.sampled_from(DATED), max_size=3))
    leadless = draw(st.sets(st.sampled_from(LED), max_size=3))
    moved = draw(st.dictionaries(st.sampled_from(NUMBERS), st.sampled_from(AREAS), max_size=3))
    renamed = draw(st.sets(st.sampled_from(AREAS), max_size=2))
    rephrased = draw(st.sets(st.sampled_from(TARGETS), max_size=2))

    def task(t: Any) -> Any:
        content = t.content + (" (sửa đổi)" if t.number in reworded else "")
        frame = t.timeframe
        if t.number in later and frame.due is not None:
            frame = frame.model_copy(update={"due": frame.due + timedelta(days=7)})
        if t.number in undated:
            frame = frame.model_copy(update={"text": "", "start": None, "due": None})
        update = {"content": content, "timeframe": frame}
        if t.number in leadless:
            update.update(lead=[], lead_text="")
        if moved.get(t.number) in areas:  # listed under another area the text has
            update["area"] = moved[t.number]
        return t.model_copy(update=update)

    plan = SEED.model_copy(
        update={
            "areas": [
                a.model_copy(update={"name": a.name + (" (sửa)" if a.code in renamed else "")})
                for a in SEED.areas
                if a.code in areas
            ],
            "targets": [
                t.model_copy(update={"text": t.text + (" (sửa)" if t.number in rephrased else "")})
                for t in SEED.targets
                if t.number in targets
            ],
            "tasks": [
                task(t)
                for t in SEED.tasks
                if t.area in areas and (t.parent or t.number) not in families
            ],
        }
    )
    digest = hashlib.sha256(plan.model_dump_json(exclude={"source"}).encode()).hexdigest()
    return plan.model_copy(update={"source": plan.source.model_copy(update={"sha256": digest})})


def active(app: ParLedger) -> dict[str, Any]:
    """The live plan's active items as users see them today, versions aside (a re-imported
    item has a longer history than a fresh one)."""
    live.catch_up(app)
    state = live.stored_state(app)
    today = datetime.now(VN_TZ).date()
    board = views.task_board(state, PLAN, today)
    for row in board["tasks"]:
        row.pop("version")
    return {
        "tasks": board,
        "targets": views.target_attainment(state, PLAN, today),
        "areas": views.area_scores(state, PLAN, today),
    }


def _opened(url: str) -> ParLedger:
    return ParLedger(parse_database_url(url))


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_reimports_end_where_a_fresh_import_ends(
    backend: str, request: pytest.FixtureRequest
) -> None:
    with fresh_database_urls(backend, request) as fresh_url:

        @given(st.lists(texts(), min_size=2, max_size=4))
        def check(sequence: list[PlanFile]) -> None:
            reimported, fresh = _opened(fresh_url()), _opened(fresh_url())
            try:
                for text in sequence:
                    import_plan(reimported, text, ctx())
                import_plan(fresh, sequence[-1], ctx())
                assert active(reimported) == active(fresh)
                # The same text again, under any name, records nothing more.
                again = sequence[-1].model_copy(
                    update={"source": sequence[-1].source.model_copy(update={"file": "x.txt"})}
                )
                assert not import_plan(reimported, again, ctx()).changed
            finally:
                reimported.close()
                fresh.close()

        check()
