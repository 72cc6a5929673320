"""Each aggregate says what officials call it beside its reference word, once: the CLI's
``ENTITY_VN`` is derived from them, so a new aggregate cannot be printed as ``some_entity``."""

from __future__ import annotations

from cli.common import ENTITY_VN
from domain.aggregates import AGGREGATES
from domain.base import LedgerAggregate
from tests.unit.test_fold_coverage import aggregates


def test_every_aggregate_is_listed_with_its_own_vietnamese_name() -> None:
    assert set(AGGREGATES) == set(aggregates())
    assert all(a.WHAT != LedgerAggregate.WHAT and a.WHAT.islower() for a in AGGREGATES)
    assert len({a.ENTITY for a in AGGREGATES}) == len({a.WHAT for a in AGGREGATES})


def test_the_cli_names_entities_as_before() -> None:
    assert ENTITY_VN == {
        "plan": "kế hoạch",
        "task": "nhiệm vụ",
        "target": "chỉ tiêu",
        "agency": "cơ quan",
        "group": "nhóm cơ quan",
        "unit": "đơn vị",
        "dossier": "hồ sơ",
        "inspection": "cuộc kiểm tra",
        "obligation": "nghĩa vụ",
        "user": "người dùng",
        "calendar": "lịch năm",
    }
