"""Commands as users state them, each declared once as a typed model beside its use case.

A declaration says what the command is called (``action``: stable, it enters idempotency
fingerprints; ``operation``: the use case and the OpenAPI operation id), where it is reached
(``http`` path, ``cli`` words), what it tells users (``label`` and field descriptions, in
Vietnamese) and a worked example on the Cát Hải plan. The CLI's arguments and help, the HTTP
body with its schema and example, the web form and the fingerprint are all derived from it,
so a command, its entrypoints and its documentation cannot drift apart.

Fields named in the ``http`` path are the entity the command addresses (path parameters, CLI
positionals); the others are what the user says about it (body fields, CLI flags). When it
took effect and why are not fields: they travel in the :class:`CommandContext` of every
command alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from domain.errors import InvalidValue
from domain.values import MAX_DATE, MIN_DATE, nfc_deep
from ledger.context import CommandContext, CommandResult

_ASCII_NUMBER = re.compile(r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")


def _plain_number(value: object) -> object:
    """Numbers as people type them in ASCII digits: ``true`` is not 1, and "٤٠" (which
    Python's int() would read as 40) is not a figure anyone meant to record."""
    if isinstance(value, bool):
        raise ValueError("phải là một số, không phải giá trị đúng/sai")
    if isinstance(value, str) and not _ASCII_NUMBER.match(value):
        raise ValueError(f"{value!r} không phải một số viết bằng chữ số 0–9")
    return value


def _no_controls(value: object) -> object:
    if isinstance(value, str) and any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValueError("chứa ký tự điều khiển")
    return value


# Constraints before validators: a validator wraps what stands left of it, and the schema
# shows the constraints only when they sit on the type itself.
Text = Annotated[str, Field(min_length=1, max_length=10_000), BeforeValidator(_no_controls)]
Short = Annotated[str, Field(min_length=1, max_length=500), BeforeValidator(_no_controls)]
Code = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
]
Figure = Annotated[
    Decimal,
    Field(ge=-(10**12), le=10**12, max_digits=20, decimal_places=6),
    BeforeValidator(_plain_number),
]
Percent = Annotated[int, Field(ge=0, le=100), BeforeValidator(_plain_number)]
Number = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(_plain_number)]
Day = Annotated[date, Field(ge=MIN_DATE, le=MAX_DATE)]


class Command(BaseModel):
    """The base of every declared command (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    action: ClassVar[str]
    operation: ClassVar[str]
    label: ClassVar[str]
    http: ClassVar[str]
    cli: ClassVar[str]
    tag: ClassVar[str]
    example: ClassVar[dict[str, Any]]  # every field, plus effective_at or reason if it helps
    creates: ClassVar[bool] = False  # a new entity: no If-Match, 201
    reason_required: ClassVar[bool] = False
    positional: ClassVar[tuple[str, ...]] = ()  # CLI positionals besides the path fields
    cli_options: ClassVar[frozenset[str]] = frozenset()  # path fields the CLI takes as flags
    cli_aliases: ClassVar[dict[str, tuple[str, ...]]] = {}  # older flag spellings kept
    personal: ClassVar[frozenset[str]] = frozenset()  # never fingerprinted in clear
    listed: ClassVar[bool] = True  # False: no CLI subcommand or route derived (see ImportPlan)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "action" in cls.__dict__ and cls.listed:
            DECLARED.append(cls)

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


def use_case(
    command: type[C],
) -> Callable[[Callable[[Any, CommandContext, C], CommandResult]], Any]:
    """Register the function that carries out ``command`` (one per command)."""

    def register(fn: Callable[[Any, CommandContext, C], CommandResult]) -> Any:
        if command in HANDLERS:
            raise TypeError(f"{command.__name__} already has a use case")
        HANDLERS[command] = fn
        return fn

    return register


# pydantic's error types in the users' words; ``{…}`` from the error's context.
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
}


def invalid_value(error: ValidationError) -> InvalidValue:
    """The first problem pydantic found, as the ledger's input error naming the field."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    context = first.get("ctx", {})
    if first["type"] == "value_error":
        message = str(context.get("error", first["msg"]))
    else:
        message = _MESSAGES.get(first["type"], "giá trị không hợp lệ").format_map(
            {**context, **{k: "" for k in ("le", "ge", "expected") if k not in context}}
        )
    return InvalidValue(f"{field}: {message}", field=field)
