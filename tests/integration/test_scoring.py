"""PAR Index scores computed, not typed, on SQLite and PostgreSQL: criterion scores recorded
under the rule version of the plan's year, areas and totals computed from them with the reason
for every point, as of a valid date and as known at a moment; the CLI, the API and the page
read the same answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from domain import ids
from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ, Role
from ledger.application import ParLedger
from ledger.usecases.scoring import RecordCriterionScore
from ledger.usecases.user import AddUser
from replay.readmodel import today
from replay.scores import plan_scores
from rules.scoring import lookup
from service.app import create_app
from tests.cat_hai import PLAN, seed
from tests.conftest import ctx, vn

RULES = "par-index.district.hai-phong@1"


def score(
    criterion: str, kind: str, points: str, evidence: str | None = None
) -> RecordCriterionScore:
    return RecordCriterionScore(
        plan=PLAN, criterion=criterion, kind=kind, score=points, evidence=evidence
    )


def by_code(answer: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(r["criterion"]): r for r in answer["criteria"]}  # type: ignore[index, attr-defined]


def positions(app: ParLedger) -> int:
    return int(app.recorder.max_notification_id() or 0)


@pytest.fixture
def scored(app: ParLedger) -> tuple[ParLedger, datetime]:
    seed(app)
    app.handle(
        ctx(effective=vn(2023, 6, 20)),
        score("I.2", "self_assessed", "2", "Báo cáo CCHC quý I, quý II gửi đúng hạn"),
    )
    app.handle(ctx(effective=vn(2023, 6, 20)), score("III.2.1", "self_assessed", "1.5"))
    before_appraisal = datetime.now(VN_TZ)
    app.handle(
        ctx(effective=vn(2024, 1, 20)),
        score("I.2", "appraised", "1.5", "Quyết định công bố Chỉ số CCHC năm 2023"),
    )
    return app, before_appraisal


def test_area_and_total_scores_are_computed_with_the_reason_for_every_point(
    scored: tuple[ParLedger, datetime],
) -> None:
    app, _ = scored
    year_end = plan_scores(app, PLAN, date(2023, 12, 31))
    assert year_end["rules"]["ref"] == RULES and year_end["total"]["rules"] == RULES
    rows = by_code(year_end)
    # Self-assessed on 20/06; the appraisal took effect in 2024, after the date asked.
    assert rows["I.2"]["score"] == "2" and rows["I.2"]["source"] == "self_assessed"
    assert "Báo cáo CCHC quý I" in str(rows["I.2"]["why"]) and RULES in str(rows["I.2"]["why"])
    # Derived from the ledger: 1.b completed on time by the seed, every other task open.
    derived = rows["I.1.2"]
    assert derived["source"] == "derived" and derived["score"] == "0"
    assert "1/27 nhiệm vụ" in str(derived["why"])
    # The seed's one late dossier was apologised for in time (19/05 for a 22/05 due date).
    assert rows["III.2.2"]["score"] == "1.5" and "1/1 hồ sơ" in str(rows["III.2.2"]["why"])
    assert rows["I.4"]["score"] is None and "chưa có điểm" in str(rows["I.4"]["why"])
    areas = {a["area"]: a for a in year_end["areas"]}
    assert areas["I"]["score"] == "2" and areas["III"]["score"] == "3"
    # The typed area score stays a recorded fact, shown beside the computed one.
    assert areas["II"]["typed"]["self_assessed"] == "3.5" and areas["II"]["score"] == "0"
    assert Decimal(year_end["total"]["score"]) == sum(Decimal(a["score"]) for a in areas.values())
    assert all(Decimal(a["score"]) <= Decimal(a["max_points"]) for a in areas.values())
    assert year_end["total"]["max_points"] == "63"
    appraised = by_code(plan_scores(app, PLAN, date(2024, 1, 31)))["I.2"]
    assert appraised["score"] == "1.5" and appraised["source"] == "appraised"
    assert appraised["self_assessed"]["score"] == "2"  # type: ignore[index]


def test_as_known_at_a_moment_before_the_appraisal_was_recorded(
    scored: tuple[ParLedger, datetime],
) -> None:
    app, before = scored
    then = by_code(plan_scores(app, PLAN, date(2024, 1, 31), known_at=before))["I.2"]
    assert then["appraised"] is None and then["source"] == "self_assessed"


def test_refusals_name_the_field_and_append_nothing(app: ParLedger) -> None:
    seed(app)
    app.handle(ctx(), score("I.2", "self_assessed", "2"))
    before = positions(app)
    cases = [
        (score("I.2", "self_assessed", "3"), InvalidValue, "score", "vượt điểm tối đa 2"),
        (score("IX.9", "self_assessed", "1"), NotFound, "criterion", "không có tiêu chí"),
        (score("I.1", "self_assessed", "1"), InvalidValue, "criterion", "I.1.1, I.1.2"),
        (score("I.2", "self_assessed", "1.5"), InvalidValue, "reason", "lý do"),
    ]
    for command, error, field, words in cases:
        with pytest.raises(error, match=words) as refused:
            app.handle(ctx(), command)
        assert refused.value.field == field
    assert positions(app) == before
    app.handle(ctx(reason="Chấm lại theo hướng dẫn"), score("I.2", "self_assessed", "1.5"))
    assert by_code(plan_scores(app, PLAN, today()))["I.2"]["score"] == "1.5"


def test_the_event_names_the_rule_version_it_was_scored_under(app: ParLedger) -> None:
    seed(app)
    app.handle(ctx(), score("VII.4", "appraised", "2", "Giấy chứng nhận ISO 9001:2015"))
    plan = app.get_plan(PLAN)
    event = list(app.events.get(ids.plan_id(PLAN)))[-1]
    assert type(event).__name__ == "CriterionScored"
    assert (event.rules, event.max_points, event.evidence) == (  # type: ignore[attr-defined]
        RULES,
        Decimal(2),
        "Giấy chứng nhận ISO 9001:2015",
    )
    assert plan.criteria["VII.4"]["appraised"] == Decimal(2)
    assert lookup("district", 2023, province="hai-phong").ref == RULES


def test_the_api_and_the_rules_route_answer_the_same(scored: tuple[ParLedger, datetime]) -> None:
    app, _ = scored
    token = app.handle(
        ctx(), AddUser(name="kiem", display_name="Kiểm", role=Role.AUDITOR, agency=None)
    ).detail["token"]
    client = TestClient(create_app(app))
    auth = {"Authorization": f"Bearer {token}"}
    got = client.get(f"/plans/{PLAN}/scores/computed?as_of=2023-12-31", headers=auth)
    assert got.status_code == 200
    body = got.json()
    expected = plan_scores(app, PLAN, date(2023, 12, 31))
    assert body["areas"] == expected["areas"] and body["criteria"] == expected["criteria"]
    assert body["rules"]["ref"] == RULES and body["rules"]["verified"] is False
    rules = client.get("/rules/scoring?level=district&year=2023", headers=auth).json()
    assert [r["ref"] for r in rules] == [RULES]
    listed = {c["code"]: c for c in rules[0]["areas"][0]["criteria"]}
    assert listed["I.1.2"]["derived_from"] == "tasks_completed_on_time"
    assert listed["I.1"]["scored"] is False and listed["I.1.2"]["parent"] == "I.1"
    missing = client.get("/plans/khong-co/scores/computed", headers=auth)
    assert missing.status_code == 404 and missing.json()["field"] == "plan"
