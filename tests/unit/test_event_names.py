"""Every event type an aggregate records has its Vietnamese name for the audit trail, the
timelines and the pages: a new event cannot reach an official as ``SomethingHappened``."""

from __future__ import annotations

from projections.event_names import EVENT_VN, event_vn
from tests.unit.test_fold_coverage import aggregates, event_classes


def test_every_event_type_has_a_vietnamese_name() -> None:
    names = {cls.__name__ for a in aggregates() for cls in event_classes(a)}
    assert len(names) > 30
    assert sorted(names - set(EVENT_VN)) == []
    assert event_vn("ProgressReported") == "báo cáo tiến độ"
