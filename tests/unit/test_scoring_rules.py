"""PAR Index rule sets as data, and scores computed under them, in memory: every packaged
rule set adds up; lookup picks the version by level, year, province and what was known on a
day; for any recorded scores the total is the sum of the areas and nothing exceeds its maximum;
a rule version added for a later year, or adopted after the moment asked, changes nothing."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import NotFound
from domain.plan import Plan
from domain.values import VN_TZ, Actor, EventMeta, Role
from projections.scoring import computed_scores
from projections.state import LedgerState, fold
from rules.scoring import DATA, RuleDataError, ScoringRules, lookup, packaged, parse, scope_of

ADMIN = Actor(id="os:tester", name="tester", role=Role.ADMIN)
DISTRICT = "par-index.district.hai-phong"


def raw(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return loaded


def test_every_packaged_rule_set_adds_up_and_names_its_source() -> None:
    found = packaged()
    assert {r.level for r in found} == {"province", "district", "commune"}
    for rules in found:
        assert rules.source.get("document") or rules.source.get("to_fill"), rules.ref
        for area in rules.areas:
            top = [c for c in area.criteria if c.parent is None]
            assert sum(c.max_points for c in top) == area.max_points, (rules.ref, area.code)
    district = lookup("district", 2023, province="hai-phong")
    assert district.ref == f"{DISTRICT}@1" and district.max_points == Decimal(63)
    # The area maxima are the ones Cát Hải's plan states (13; 4; 9,5; 6,5; 11,5; 4; 14,5).
    assert [a.max_points for a in district.areas] == [
        Decimal(v) for v in ("13", "4", "9.5", "6.5", "11.5", "4", "14.5")
    ]


def test_lookup_by_level_year_province_and_the_day_known() -> None:
    assert lookup("province", 2023).ref == "par-index.province@1"
    assert lookup("commune", 2025, province="hai-phong").level == "commune"
    words = "cấp huyện của tỉnh/thành phố thu-nghiem năm 2023"
    with pytest.raises(NotFound, match=words) as missing:
        lookup("district", 2023, province="thu-nghiem")
    assert missing.value.field == "rules"
    # it names the sets the ledger has, rather than borrowing one of them
    assert "par-index.district.hai-phong@" in missing.value.message
    assert "điểm không được tính" in missing.value.message
    with pytest.raises(NotFound, match="cấp xã"):
        lookup("commune", 2019, province="hai-phong")
    with pytest.raises(NotFound):
        lookup("district", 2023, province="hai-phong", known_on=date(2022, 12, 31))
    assert scope_of([("cat-hai", "district")]) == ("district", "hai-phong")
    assert scope_of([("phuong-1", "ward"), ("ha-noi", "province")]) == ("commune", "ha-noi")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r["areas"][0].update(max_points="14"), "khác 14"),
        (
            lambda r: r["areas"][0]["criteria"][0]["criteria"][0].update(max_points="2"),
            "thành phần",
        ),
        (
            lambda r: r["areas"][0]["criteria"][0].update(
                derive={
                    "fact": "tasks_completed_on_time",
                    "bands": [{"at_least": "100", "points": "1"}],
                }
            ),
            "lá",
        ),
        (
            lambda r: r["areas"][0]["criteria"][0]["criteria"][1]["derive"]["bands"][0].update(
                points="5"
            ),
            "nhiều điểm hơn",
        ),
        (
            lambda r: r["areas"][0]["criteria"][0]["criteria"][1]["derive"].update(fact="x"),
            "dữ kiện",
        ),
        (lambda r: r["areas"][1]["criteria"][0].update(code="I.2"), "trùng"),
        (lambda r: r.update(level="national"), "cấp"),
    ],
)
def test_a_rule_file_that_cannot_be_right_is_refused_when_loaded(change: Any, words: str) -> None:
    broken = raw("scoring-district-hai-phong-2023.json")
    change(broken)
    with pytest.raises(RuleDataError, match=words):
        parse(broken)


def _plan(rules: ScoringRules, scores: list[tuple[str, str, Decimal]]) -> LedgerState:
    """A plan scored in memory through the domain, folded as the live views fold it."""
    meta = EventMeta(actor=ADMIN, effective_at=datetime(2023, 1, 1, tzinfo=VN_TZ))
    plan = Plan.register(
        plan="p-2023",
        fields={
            "unit": "Huyện P",
            "year": 2023,
            "title": "Kế hoạch",
            "document": {"date": None},
            "signer": {},
            "areas": [],
            "reporting": [],
            "source": {},
            "warnings": [],
        },
        meta=meta,
    )
    for n, (code, kind, points) in enumerate(scores):
        later = EventMeta(
            actor=ADMIN,
            effective_at=meta.effective_at + timedelta(days=n),
            reason="chấm lại",
        )
        criterion = rules.criterion(code)
        plan.record_criterion_score(
            criterion=code,
            kind=kind,
            score=min(points, criterion.max_points),
            max_points=criterion.max_points,
            rules=rules.ref,
            evidence=None,
            meta=later,
        )
    return fold(enumerate(plan.collect_events(), start=1))


@st.composite
def recorded(draw: st.DrawFn, rules: ScoringRules) -> list[tuple[str, str, Decimal]]:
    leaves = [c.code for c in rules.leaves()]
    picks = draw(st.lists(st.sampled_from(leaves), max_size=12))
    kinds = st.sampled_from(["self_assessed", "appraised"])
    cents = st.integers(min_value=0, max_value=2000)
    return [(code, draw(kinds), Decimal(draw(cents)) / 100) for code in picks]


def _newer(base: ScoringRules, year: int, version: int, adopted: date) -> ScoringRules:
    """The district rules again, with other maxima, for ``year`` on, adopted on ``adopted``."""
    data = raw("scoring-district-hai-phong-2023.json")
    data.update(version=version, years=[year, year + 1], adopted_on=adopted.isoformat())
    area = data["areas"][1]  # II: its three criteria's points moved about, same total
    area["criteria"][0]["max_points"], area["criteria"][2]["max_points"] = "1", "1.5"
    return parse(copy.deepcopy(data))


@given(data=st.data(), later=st.integers(min_value=2024, max_value=2030))
def test_computed_total_is_the_sum_of_areas_each_within_its_maximum_and_stays_put(
    data: st.DataObject, later: int
) -> None:
    rules = lookup("district", 2023, province="hai-phong")
    state = _plan(rules, data.draw(recorded(rules)))
    answer = computed_scores(state, "p-2023", date(2023, 12, 31), rules)
    areas = answer["areas"]
    assert Decimal(answer["total"]["score"]) == sum(Decimal(a["score"]) for a in areas)
    for area in areas:
        assert Decimal(area["score"]) <= Decimal(area["max_points"])
    for row in answer["criteria"]:
        assert row["score"] is None or Decimal(row["score"]) <= Decimal(row["max_points"])
    assert answer["rules"]["ref"] == rules.ref
    # A newer rule version for a later year leaves 2023's rules and scores as they were.
    more = [*packaged(), _newer(rules, later, 2, date(later, 1, 1))]
    again = lookup("district", 2023, province="hai-phong", sets=more)
    assert again == rules
    assert computed_scores(state, "p-2023", date(2023, 12, 31), again) == answer
    # A correction for 2023 itself, adopted on 1/3/2024, applies only to what is asked as
    # known from that day: an answer given before keeps its version.
    corrected = [*packaged(), _newer(rules, 2023, 3, date(2024, 3, 1))]
    before = lookup(
        "district", 2023, province="hai-phong", known_on=date(2024, 2, 1), sets=corrected
    )
    assert computed_scores(state, "p-2023", date(2023, 12, 31), before) == answer
    after = lookup("district", 2023, province="hai-phong", sets=corrected)
    assert after.ref == f"{DISTRICT}@3"
    redone = computed_scores(state, "p-2023", date(2023, 12, 31), after)
    assert Decimal(redone["total"]["score"]) == sum(Decimal(a["score"]) for a in redone["areas"])
    assert all(Decimal(a["score"]) <= Decimal(a["max_points"]) for a in redone["areas"])
