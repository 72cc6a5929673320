"""The plan's overview page shows the PAR Index scores computed under the rule version of the
plan's year, beside the area scores typed in, with the reason for every criterion's points."""

from __future__ import annotations

from ledger.usecases.scoring import RecordCriterionScore
from tests.cat_hai import PLAN
from tests.conftest import ctx, vn
from tests.reports.test_report_http import served, sign_in

__all__ = ["served"]  # the fixture, shared with the report pages' tests


def test_the_overview_shows_computed_scores_beside_the_typed_ones(served) -> None:  # type: ignore[no-untyped-def]
    client, _, app = served
    app.handle(
        ctx(effective=vn(2023, 6, 20)),
        RecordCriterionScore(
            plan=PLAN, criterion="II.1", kind="self_assessed", score="1", evidence="Nghị quyết số 5"
        ),
    )
    sign_in(client)
    page = client.get(f"/web/{PLAN}?as_of=2023-06-30")
    assert page.status_code == 200
    text = page.text
    assert "Điểm Chỉ số CCHC tính theo bộ chỉ số" in text
    assert "par-index.district.hai-phong@1" in text and "chưa đối chiếu văn bản gốc" in text
    # Area II: 1 computed from its criterion; 3,5 typed in by the seed, shown beside it.
    assert "minh chứng: Nghị quyết số 5" in text and "3,5" in text
    before = client.get(f"/web/{PLAN}?as_of=2023-06-19").text
    assert "minh chứng: Nghị quyết số 5" not in before
