"""Every stored enumerated value an official can meet in a before → after has its Vietnamese
name (``domain/value_names.py``), and only the fields that hold one are translated."""

from __future__ import annotations

from enum import StrEnum

import pytest

from domain.inspection import InspectionKind, InspectionStatus
from domain.obligation import ObligationKind, ObligationStatus
from domain.plan import SCORE_KINDS
from domain.task import TaskStatus
from domain.unit import UNIT_LEVELS
from domain.value_names import VALUE_VN, value_vn
from domain.values import Role, Source
from web.render import environment

HELD_BY = {
    "status": (TaskStatus, InspectionStatus, ObligationStatus),
    "kind": (InspectionKind, ObligationKind),
    "role": (Role,),
    "source": (Source,),
}


@pytest.mark.parametrize("field", sorted(HELD_BY))
def test_every_member_of_every_enumeration_has_a_name(field: str) -> None:
    enums: tuple[type[StrEnum], ...] = HELD_BY[field]
    for enum in enums:
        for member in enum:
            name = VALUE_VN[field].get(member.value)
            assert name and name != member.value and name.strip() == name, (enum, member)


def test_plain_values_the_fields_hold() -> None:
    assert {VALUE_VN["kind"][k] for k in SCORE_KINDS} == {"tự đánh giá", "thẩm định"}
    assert all(VALUE_VN["level"][level] for level in UNIT_LEVELS)
    for stored in ("valid", "superseded", "retracted"):
        assert VALUE_VN["status"][stored] != stored


def test_only_fields_holding_an_enumeration_are_translated() -> None:
    assert value_vn("status", TaskStatus.IN_PROGRESS) == "đang thực hiện"
    assert value_vn("status", "completed") == "đã hoàn thành"
    assert value_vn("measurements.m-7b-1.status", "superseded") == "đã được thay thế"
    assert value_vn("kind", "unannounced") == "đột xuất"
    assert value_vn("content", "completed") == "completed"  # free text stays as written
    assert value_vn("status", "something else") == "something else"
    assert value_vn("status", None) is None and value_vn("percent", 40) == 40


def test_the_pages_show_a_change_in_the_same_words() -> None:
    shown = environment.filters["shown"]
    assert shown(TaskStatus.COMPLETED, "status") == "đã hoàn thành"
    assert shown({"kind": "periodic", "status": "retracted"}, "") == (
        "loại: định kỳ; trạng thái: đã rút lại"
    )
    assert shown("completed", "content") == "completed"
