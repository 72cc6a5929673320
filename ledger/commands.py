"""Commands as users state them, each declared once as a typed model beside its use case.

A declaration is a pydantic model whose fields are what the user states, with a
:class:`Route`: where it is reached (``cli`` words, ``http`` path) and what it tells users
(``label`` and the field descriptions, in Vietnamese). Its operation (the use case's name, the
OpenAPI operation id, the name idempotency fingerprints carry) is its class name in snake case,
and its worked example on the Cát Hải plan is in ``usecases/examples.json``. The CLI's
arguments and help, the HTTP body with its schema and example, the web form and the
fingerprint are all derived from it, so a command, its entrypoints and its documentation
cannot drift apart.

Fields named in the ``http`` path are the entity the command addresses (path parameters, CLI
positionals); the others are what the user says about it (body fields, CLI flags). When it
took effect and why are not fields: they travel in the :class:`CommandContext` of every
command alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from domain.errors import InvalidValue
from domain.values import MAX_DATE, MIN_DATE, nfc_deep
from ledger.context import CommandContext, CommandResult

_C0_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")  # but for newline and tab
_ASCII_NUMBER = re.compile(r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")


def _plain_number(value: object) -> object:
    """Numbers as people type them in ASCII digits: ``true`` is not 1, "٤٠" (which Python's
    int() would read as 40) is not a figure anyone meant to record, and a binary float cannot
    carry an exact figure (DESIGN: decimals as strings, never floats)."""
    if isinstance(value, bool):
        raise ValueError("phải là một số, không phải giá trị đúng/sai")
    if isinstance(value, float):
        raise ValueError('số thập phân phải viết dạng chuỗi, ví dụ "92.5" (không dùng số thực)')
    if isinstance(value, str) and not _ASCII_NUMBER.match(value):
        raise ValueError(f"{value!r} không phải một số viết bằng chữ số 0–9")
    return value


def _no_controls(value: object) -> object:
    if isinstance(value, str) and _C0_CONTROL.search(value):
        raise ValueError("chứa ký tự điều khiển")
    return value


# Constraints before validators: a validator wraps what stands left of it, and the schema
# shows the constraints only when they sit on the type itself.
Text = Annotated[str, Field(min_length=1, max_length=10_000), BeforeValidator(_no_controls)]
Short = Annotated[str, Field(min_length=1, max_length=500), BeforeValidator(_no_controls)]
Code = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
]


def decimal_schema(low: int, high: int, digits: int, places: int) -> WithJsonSchema:
    """A decimal figure's schema: a string or an integer, never a float."""
    pattern = rf"^-?[0-9]{{1,{digits - places}}}(\.[0-9]{{1,{places}}})?$"
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": low, "maximum": high},
                {"type": "string", "pattern": pattern},
            ],
            "description": f'Số thập phân dạng chuỗi ("92.5") hoặc số nguyên, {low}–{high}',
        }
    )


Figure = Annotated[
    Decimal,
    Field(ge=-(10**12), le=10**12, max_digits=20, decimal_places=6),
    BeforeValidator(_plain_number),
    decimal_schema(-(10**12), 10**12, 20, 6),
]
Score = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=6, decimal_places=2),
    BeforeValidator(_plain_number),
    decimal_schema(0, 100, 6, 2),
]
Percent = Annotated[int, Field(ge=0, le=100), BeforeValidator(_plain_number)]
Number = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(_plain_number)]
Day = Annotated[date, Field(ge=MIN_DATE, le=MAX_DATE)]


@dataclass(frozen=True)
class Route:
    """Where a command is reached and what it is called for users."""

    cli: str  # the words after ``parledger``: "task progress"
    http: str  # the POST path; its {fields} address the entity
    label: str  # what it does, in Vietnamese: CLI help, OpenAPI summary, form title
    creates: bool = False  # a new entity: no If-Match, 201
    reason_required: bool = False
    positional: tuple[str, ...] = ()  # CLI positionals besides the path fields
    cli_options: frozenset[str] = frozenset()  # path fields the CLI takes as flags
    cli_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # older flags
    # The role permission (ledger/access.py) it needs: checked by ParLedger.handle before the
    # use case for every entrypoint, and read by the pages to offer only the forms a person
    # may submit. Agency scope (an officer's own tasks) stays in the use case.
    permission: str = ""


def _examples() -> dict[str, dict[str, Any]]:
    """The worked example of every command, in the order they make sense on the Cát Hải
    plan (``usecases/examples.json``; a test carries them all out in that order)."""
    # Read beside this module, not through the ``ledger.usecases`` package: importing that
    # package imports every use case, which imports this module (an import circle).
    text = (Path(__file__).parent / "usecases" / "examples.json").read_text(encoding="utf-8")
    return {e.pop("operation"): e for e in json.loads(text)}


EXAMPLES = _examples()


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Command(BaseModel):
    """The base of every declared command (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    route: ClassVar[Route]
    tag: ClassVar[str]
    personal: ClassVar[frozenset[str]] = frozenset()  # never fingerprinted in clear
    # Derived from the route, the class name and the examples when the class is made.
    operation: ClassVar[str]  # report_task_progress for ReportTaskProgress
    label: ClassVar[str]
    http: ClassVar[str]
    cli: ClassVar[str]
    example: ClassVar[dict[str, Any]]  # every field, plus effective_at or reason if it helps
    creates: ClassVar[bool] = False
    reason_required: ClassVar[bool] = False
    positional: ClassVar[tuple[str, ...]] = ()
    cli_options: ClassVar[frozenset[str]] = frozenset()
    cli_aliases: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    permission: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "route" in cls.__dict__:
            cls.operation = snake(cls.__name__)
            names = ("cli", "http", "label", "creates", "reason_required", "positional")
            for name in (*names, "permission"):
                setattr(cls, name, getattr(cls.route, name))
            cls.cli_options, cls.cli_aliases = cls.route.cli_options, cls.route.cli_aliases
            cls.example = EXAMPLES[cls.operation]
            DECLARED.append(cls)

    def __init__(self, **data: Any) -> None:
        # Whoever states a command in Python gets the same input error as the CLI and API.
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise invalid_value(error) from None

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value: Any) -> Any:
        """All text is kept in Unicode NFC, whatever form it was typed or sent in."""
        return nfc_deep(value)

    @classmethod
    def path_fields(cls) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", cls.http))

    @classmethod
    def cli_positionals(cls) -> tuple[str, ...]:
        path = [n for n in cls.path_fields() if n not in cls.cli_options]
        return (*path, *(n for n in cls.positional if n not in path))

    @classmethod
    def body_fields(cls) -> tuple[str, ...]:
        path = set(cls.path_fields())
        return tuple(n for n in cls.model_fields if n not in path)

    @classmethod
    def parse(cls: type[C], values: dict[str, Any]) -> C:
        """Validate what a user said; the first error names its field, in Vietnamese."""
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise invalid_value(error) from None

    def fingerprint_payload(self) -> dict[str, Any]:
        """What tells a retry from another command. Personal fields enter only as a keyed
        digest (see the use case), never as the text itself."""
        return self.model_dump(mode="json", exclude=set(self.personal))


C = TypeVar("C", bound=Command)
DECLARED: list[type[Command]] = []  # in declaration order: the CLI's and the document's order

Handler = Callable[[Any, CommandContext, Any], CommandResult]
HANDLERS: dict[type[Command], Handler] = {}


def handler_for(command: type[Command]) -> Handler | None:
    """The use case of ``command``: its own, or the one of the nearest base class that has
    one (the commands on one kind of aggregate share theirs)."""
    return next((HANDLERS[k] for k in command.__mro__ if k in HANDLERS), None)


def use_case(
    command: type[C],
) -> Callable[[Callable[[Any, CommandContext, C], CommandResult]], Any]:
    """Register the function that carries out ``command`` and, unless they have their own,
    every command derived from it."""

    def register(fn: Callable[[Any, CommandContext, C], CommandResult]) -> Any:
        if command in HANDLERS:
            raise TypeError(f"{command.__name__} already has a use case")
        HANDLERS[command] = fn
        return fn

    return register


# pydantic's error types in the users' words; ``{…}`` from the error's context. The API's
# problem documents use the same table (``said``), so no English "Input should be …" reaches
# an official.
_MESSAGES = {
    "missing": "thiếu giá trị bắt buộc",
    "extra_forbidden": "không được gửi trường này",
    "string_too_short": "không được để trống",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_pattern_mismatch": "sai định dạng (chỉ chữ, số và . _ : / -)",
    "string_type": "phải là chuỗi ký tự",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "decimal_parsing": "phải là một số",
    "decimal_type": "phải là một số",
    "decimal_max_places": "nhiều hơn {decimal_places} chữ số thập phân",
    "decimal_max_digits": "nhiều hơn {max_digits} chữ số",
    "date_parsing": "ngày không hợp lệ (dạng 2023-06-30)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng 2023-06-30)",
    "date_type": "ngày không hợp lệ (dạng 2023-06-30)",
    "uuid_parsing": "mã UUID không hợp lệ",
    "uuid_type": "mã UUID không hợp lệ",
    "enum": "phải là một trong {expected}",
    "literal_error": "phải là một trong {expected}",
    "list_type": "phải là danh sách",
    "too_short": "cần ít nhất {min_length} phần tử",
    "too_long": "nhiều nhất {max_length} phần tử",
    "string_unicode": "chuỗi ký tự không hợp lệ (không phải Unicode)",
    "greater_than": "phải lớn hơn {gt}",
    "less_than": "phải nhỏ hơn {lt}",
    "multiple_of": "phải là bội số của {multiple_of}",
    "int_parsing_size": "số quá lớn",
    "float_parsing": "phải là một số viết bằng chữ số 0–9",
    "float_type": "phải là một số",
    "finite_number": "phải là một số hữu hạn",
    "decimal_whole_digits": "phần nguyên nhiều quá {whole_digits} chữ số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "date_from_datetime_inexact": "phải là một ngày, không kèm giờ",
    "datetime_parsing": "thời điểm không hợp lệ (ISO 8601, ví dụ 2023-07-05T17:00:00+07:00)",
    "datetime_from_date_parsing": "thời điểm không hợp lệ (ISO 8601)",
    "datetime_type": "phải là một thời điểm (ISO 8601)",
    "timezone_aware": "thời điểm phải kèm múi giờ (ví dụ +07:00)",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "json_type": "phải là JSON hợp lệ",
    "url_parsing": "địa chỉ URL không hợp lệ",
    "none_required": "không được có giá trị",
}


def said(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in Vietnamese."""
    context = error.get("ctx") or {}
    if error["type"] in ("value_error", "assertion_error"):
        # Our own validators already speak Vietnamese; pydantic only prefixes them.
        reason = str(context.get("error", error["msg"]))
        return reason.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    values = {k: str(v).replace("' or '", "', '") for k, v in context.items()}
    choices = re.fullmatch(r"\^\(([\w|-]+)\)\$", values.get("pattern", ""))
    if error["type"] == "string_pattern_mismatch" and choices:  # "^(province|district)$"
        return "phải là một trong: " + ", ".join(choices.group(1).split("|"))
    return _MESSAGES.get(error["type"], "giá trị không hợp lệ").format_map(_Blank(values))


class _Blank(dict[str, str]):
    """A context without the figure a message names leaves a blank, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def invalid_value(error: ValidationError) -> InvalidValue:
    """The first problem pydantic found, as the ledger's input error naming the field."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return InvalidValue(f"{field}: {said(first)}", field=field)
