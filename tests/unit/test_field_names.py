"""Every field an official can meet in text has its Vietnamese name: each command's input (the
CLI's refusals name it) and each aggregate's recorded attribute (the audit trail's and the
timelines' before → after), so a new field cannot reach them as ``some_field``."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from domain.errors import InvalidValue
from domain.field_names import FIELD_VN, field_vn
from ledger.commands import DECLARED
from tests.unit.test_fold_coverage import aggregates

ATTRIBUTE = re.compile(r"self\.([a-z][a-z0-9_]*)(?:: [^=\n]+)? = ")
NAMED = re.compile(r'field="([a-z_]+)"')
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "rules", "ledger", "planfile", "projections", "replay", "reports", "cli")


def test_every_command_field_has_a_vietnamese_name() -> None:
    fields = {name for command in DECLARED for name in command.model_fields}
    assert len(fields) > 50
    assert sorted(fields - set(FIELD_VN)) == []


def test_every_recorded_attribute_has_a_vietnamese_name() -> None:
    found = set()
    for aggregate in aggregates():
        found |= set(ATTRIBUTE.findall(inspect.getsource(inspect.getmodule(aggregate))))  # type: ignore[arg-type]
    assert {"due", "lead", "progress", "measurements"} <= found
    assert sorted(found - set(FIELD_VN)) == []


def test_every_field_a_refusal_names_has_a_vietnamese_name() -> None:
    """The CLI prints a refusal after its field's name: every ``field="…"`` the code gives."""
    named = {
        name
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for name in NAMED.findall(path.read_text("utf-8"))
    }
    assert {"percent", "rules", "from", "unit"} <= named
    assert sorted(named - set(FIELD_VN)) == []


def test_a_path_is_said_part_by_part_and_an_unknown_part_as_stored() -> None:
    assert field_vn("percent") == "phần trăm"
    assert field_vn("fields.title") == "nội dung kế hoạch › tiêu đề"
    assert field_vn("measurements.3f2a.status") == "số liệu › 3f2a › trạng thái"
    assert field_vn("successors.1") == "các đơn vị kế thừa › 1"


def test_a_refusal_says_its_field_in_vietnamese_once() -> None:
    assert str(InvalidValue("phải nhỏ hơn hoặc bằng 100", field="percent")) == (
        "phần trăm: phải nhỏ hơn hoặc bằng 100"
    )
    # an input check that named the field already (pydantic's, in ledger.commands)
    assert str(InvalidValue("percent: phải nhỏ hơn hoặc bằng 100", field="percent")) == (
        "phần trăm: phải nhỏ hơn hoặc bằng 100"
    )
    assert str(InvalidValue("không hợp lệ")) == "không hợp lệ"
    # a message that begins with the name is not prefixed with it again
    said = "ngày hiệu lực 01/01/2999 00:00 ở tương lai"
    assert str(InvalidValue(said, field="effective_at")) == said
