"""Views scoped by unit: a plan's coverage, attainment, scores and boards count its own unit's
agencies only, whatever other units' plans, agencies and activity the ledger holds."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from ledger.application import ParLedger
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, MergeAgency, RegisterAgency
from ledger.usecases.inspection import PlanInspection, RecordInspectionConducted
from ledger.usecases.task import CompleteTask, ReportTaskProgress
from planfile.parser import parse_plan_text
from projections import live
from replay import VIEWS, replay
from tests.conftest import ctx, vn
from tests.integration.test_replay_properties import fresh_app

SEED = Path(__file__).resolve().parents[2] / "plans" / "cat-hai-2023.txt"
PLAN = "cat-hai-2023"
OTHER = "thuy-nguyen-2023"
DATES = (date(2023, 6, 30), date(2023, 12, 31))


def _other_plan(tmp: Path) -> Any:
    text = SEED.read_text("utf-8").replace(
        "Cải cách hành chính huyện Cát Hải năm 2023",
        "Cải cách hành chính huyện Thủy Nguyên năm 2023",
        1,
    )
    path = tmp / "thuy-nguyen.txt"
    path.write_text(text, encoding="utf-8")
    return parse_plan_text(path)


def _answers(app: ParLedger) -> dict[str, Any]:
    """Cát Hải's answers by replay and from the whole ledger's folded state (every unit's)."""
    live.catch_up(app)
    whole = live.stored_state(app)
    found: dict[str, Any] = {}
    for day in DATES:
        replayed = replay(app, PLAN, day, use_checkpoints=False)
        replayed.pop("replay")
        found[f"replay {day}"] = replayed
        found[f"whole {day}"] = {name: view(whole, PLAN, day) for name, view in VIEWS.items()}
    return found


def _coverage(answers: dict[str, Any], key: str) -> tuple[str, str]:
    coverage = answers[key]["inspection_history"]["coverage"]
    return coverage["specialised_offices"]["basis"], coverage["communes"]["basis"]


def test_denominators_stay_after_a_second_district(app: ParLedger, tmp_path: Path) -> None:
    import_plan(app, parse_plan_text(SEED), ctx())
    alone = _answers(app)
    import_plan(app, _other_plan(tmp_path), ctx())
    beside = _answers(app)
    for key in alone:
        offices, communes = _coverage(beside, key)
        assert offices.startswith("0/11 ") and communes.startswith("0/12 "), (key, offices)
    assert beside == alone
    # The other district's coverage counts its own agencies, not Cát Hải's as well.
    live.catch_up(app)
    other = VIEWS["inspection_history"](live.stored_state(app), OTHER, DATES[0])
    own = [a for a in app.directory("thuy-nguyen") if a.kind in ("commune", "town")]
    assert other["coverage"]["communes"]["basis"].startswith(f"0/{len(own)} ")
    assert len(own) < 12  # the plan's text names fewer communes than Cát Hải's directory


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("progress"), st.integers(0, 40), st.integers(0, 100)),
        st.tuples(st.just("complete"), st.integers(0, 40), st.integers(1, 360)),
        st.tuples(st.just("inspect"), st.integers(0, 40), st.integers(1, 360)),
        st.tuples(st.just("merge"), st.integers(0, 40), st.integers(0, 40)),
        st.tuples(st.just("register"), st.integers(0, 40), st.sampled_from(["commune", "office"])),
    ),
    max_size=8,
)


def _other_ops(app: ParLedger, ops: list[tuple[Any, ...]]) -> None:
    """Another unit's activity: progress, completions, inspections, directory changes."""
    agencies = sorted(a.code for a in app.directory("thuy-nguyen"))
    tasks = ("1.b", "2", "3", "5", "7", "12", "22", "25")
    for n, (kind, index, value) in enumerate(ops):
        task = tasks[index % len(tasks)]
        agency = agencies[index % len(agencies)]
        with contextlib.suppress(DomainError):
            if kind == "progress":
                app.handle(ctx(), ReportTaskProgress(plan=OTHER, number=task, percent=value,
                                                     note="Tiến độ"))  # fmt: skip
            elif kind == "complete":
                app.handle(ctx(effective=vn(2023, 1, 1 + value % 28)),
                           CompleteTask(plan=OTHER, number=task))  # fmt: skip
            elif kind == "inspect":
                result = app.handle(ctx(), PlanInspection(
                    plan=OTHER, agency=agency, kind="periodic",
                    scheduled_on=date(2023, 1 + value % 12, 1), scope="CCHC"))  # fmt: skip
                app.handle(ctx(effective=vn(2023, 1 + value % 12, 2)),
                           RecordInspectionConducted(inspection_id=result.changes[0].id,
                                                     note="Đã kiểm tra"))  # fmt: skip
            elif kind == "merge":
                successor = agencies[value % len(agencies)]
                app.handle(ctx(reason="Sắp xếp", effective=vn(2023, 5, 1)),
                           MergeAgency(agency_code=agency, successor=successor))  # fmt: skip
            else:
                app.handle(ctx(effective=vn(2023, 2, 1)), RegisterAgency(
                    agency_code=f"thuy-nguyen.moi-{n}", unit="thuy-nguyen",
                    name=f"Đơn vị mới {n}", kind=AgencyKind(value)))  # fmt: skip


@given(ops=OPS)
def test_other_units_events_change_none_of_a_plans_answers(ops: list[tuple[Any, ...]]) -> None:
    with fresh_app("sqlite") as app:
        import_plan(app, parse_plan_text(SEED), ctx())
        alone = _answers(app)
        with TemporaryDirectory() as tmp:
            import_plan(app, _other_plan(Path(tmp)), ctx())
        _other_ops(app, ops)
        assert _answers(app) == alone
