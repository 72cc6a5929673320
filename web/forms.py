"""Forms derived from the command declarations (``ledger/commands.py``), as the CLI and the
HTTP routes are: the title is ``Route.label``, each field's label its description, its input
follows its type (dates typed dd/mm/yyyy, numbers, choices for enums, one line per item for
lists), and the values typed are checked by ``Command.parse``, whose error names the field.
Which forms a person sees is the role's grant of ``Route.permission`` (``ledger/access.py``),
the same rule ``ParLedger.handle`` applies."""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

from pydantic.fields import FieldInfo

import reports.submission  # noqa: F401  (registers the report submission use case)
from domain import ids
from domain.errors import InvalidValue
from domain.value_names import ROLE_VN
from domain.values import VN_TZ, Actor
from ledger import access
from ledger.commands import DECLARED, Command
from reports.data import parse_day

BY_OPERATION = {c.operation: c for c in DECLARED}

# What each tag is called on the form index, in the order officers need them.
TAGS_VN = {
    "tasks": "Nhiệm vụ",
    "targets": "Chỉ tiêu",
    "dossiers": "Hồ sơ trễ hạn, xin lỗi",
    "inspections": "Kiểm tra",
    "plans": "Điểm và báo cáo",
    "reports": "Báo cáo",
    "agencies": "Cơ quan",
    "users": "Người dùng",
    "calendar": "Lịch ngày làm việc",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Literal["text", "textarea", "date", "number", "choice", "list"]
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    in_path: bool = False  # addresses the entity


def _core(annotation: Any) -> tuple[Any, bool]:
    """The type under ``X | None``, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return inner[0], len(inner) < len(get_args(annotation))
    return annotation, False


def _max_length(info: FieldInfo) -> int:
    """The longest text the field takes (pydantic gathers the constraints of ``Text`` and the
    like into the field's metadata); 0 when unbounded."""
    found = [m.max_length for m in info.metadata if getattr(m, "max_length", None)]
    if not found:  # ``Short | None``: the constraints sit on the inner type
        core, _ = _core(info.annotation)
        found = [m.max_length for a in get_args(core)[1:] for m in getattr(a, "metadata", [])
                 if getattr(m, "max_length", None)]  # fmt: skip
    return min(found, default=0)


def _choices(core: type[Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, ROLE_VN.get(m.value, m.value)) for m in core)


def field_of(command: type[Command], name: str) -> Field:
    info = command.model_fields[name]
    core, _ = _core(info.annotation)
    label = info.description or name
    required = info.is_required()
    in_path = name in command.path_fields()
    if get_origin(core) is list:
        return Field(name, label, "list", required, in_path=in_path)
    if isinstance(core, type) and issubclass(core, Enum):
        return Field(name, label, "choice", required, _choices(core), in_path)
    if core is date:
        return Field(name, label, "date", required, in_path=in_path)
    if core in (int, Decimal):
        return Field(name, label, "number", required, in_path=in_path)
    long = _max_length(info) > 500
    kind: Literal["text", "textarea"] = "textarea" if long and not in_path else "text"
    return Field(name, label, kind, required, in_path=in_path)


def fields(command: type[Command]) -> list[Field]:
    return [field_of(command, name) for name in command.model_fields]


def allowed(actor: Actor, command: type[Command]) -> bool:
    return not command.permission or access.can(actor, command.permission)


def forms_for(actor: Actor) -> list[tuple[str, list[type[Command]]]]:
    """The forms ``actor`` may submit, by tag, in the declarations' order."""
    grouped: dict[str, list[type[Command]]] = {}
    for command in DECLARED:
        if allowed(actor, command):
            grouped.setdefault(command.tag, []).append(command)
    return [(TAGS_VN.get(tag, tag), grouped[tag]) for tag in TAGS_VN if tag in grouped]


# -- reading what was typed --------------------------------------------------------------------


def _value(field: Field, raw: str) -> Any:
    text = raw.strip()
    if field.kind == "list":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if not text:
        return None
    if field.kind == "date":
        return parse_day(text, field.name).isoformat()  # the CLI's rules: 30/06/2023 or ISO
    if field.kind == "number":
        return text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    return text


def stated(command: type[Command], form: dict[str, str]) -> Command:
    """The command as typed: empty optional fields left out, dates as the CLI reads them;
    ``InvalidValue`` names the first wrong field."""
    values: dict[str, Any] = {}
    for field in fields(command):
        value = _value(field, form.get(field.name, ""))
        if value is None or (value == [] and not field.required):
            continue
        values[field.name] = value
    return command.parse(values)


def effective(text: str) -> datetime | None:
    """The effective date typed (dd/mm/yyyy), as noon that day in Vietnam like the API's
    date-only ``effective_at``; today (the default) or nothing is None: the ledger's "now",
    which also keeps a resubmitted form the same command for its idempotency key."""
    if not text.strip():
        return None
    day = parse_day(text, "effective_at")
    if day == today_vn():
        return None
    return datetime.combine(day, time(12), VN_TZ)


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


# -- the entity a form addresses ---------------------------------------------------------------


def entity_id(command: type[Command], values: dict[str, str]) -> UUID | None:
    """The aggregate a command on an existing entity changes, from its path fields."""
    path = set(command.path_fields())
    got = {k: values.get(k, "").strip() for k in path}
    if not all(got.values()):
        return None
    try:
        if "target" in path:
            return ids.target_id(got["plan"], int(got["target"]))
        if "number" in path:
            return ids.task_id(got["plan"], got["number"])
        if "dossier_code" in path:
            return ids.dossier_id(got["dossier_code"])
        if "inspection_id" in path:
            return UUID(got["inspection_id"])
        if "agency_code" in path:
            return ids.agency_id(got["agency_code"])
        if "name" in path:
            return ids.user_id(got["name"])
        if "plan" in path:
            return ids.plan_id(got["plan"])
    except ValueError:
        raise InvalidValue("địa chỉ thực thể không hợp lệ", field=sorted(path)[0]) from None
    return None
