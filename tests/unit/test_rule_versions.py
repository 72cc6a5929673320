"""Choosing the rule version in force at a date and level."""

from __future__ import annotations

from datetime import date

import pytest

from rules.versions import NoRuleInForce, RuleVersion, in_force

OLD = RuleVersion("r", "2018", "cũ", "NĐ A", date(2018, 6, 15), date(2025, 6, 30))
NEW = RuleVersion("r", "2025", "mới", "NĐ B", date(2025, 7, 1))
COMMUNE = RuleVersion("r", "2025-xa", "xã", "NĐ C", date(2025, 7, 1), level="commune")


def test_the_version_in_force_at_each_date_and_level() -> None:
    versions = [OLD, NEW, COMMUNE]
    assert in_force(versions, date(2025, 6, 30)) is OLD
    assert in_force(versions, date(2025, 7, 1)) is NEW
    assert in_force(versions, date(2025, 7, 1), "province") is NEW
    assert in_force(versions, date(2025, 7, 1), "commune") is COMMUNE
    assert NEW.ref == "r@2025" and NEW.describe()["in_force_to"] is None
    with pytest.raises(NoRuleInForce):
        in_force(versions, date(2018, 6, 14))
