"""Every declared command as a ``parledger`` subcommand, derived from its declaration: the
entity's fields as positionals, the rest as flags (``--field-name``, older spellings kept as
aliases), help from the field descriptions, and the flags every write shares."""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from pydantic.fields import FieldInfo

import reports.submission  # noqa: F401  (registers the report submission use case)
from cli.common import (
    EXIT_OK,
    Add,
    codes_arg,
    context_of,
    date_arg,
    emit,
    plain,
    result_text,
    write_flags,
)
from ledger.application import ParLedger
from ledger.commands import DECLARED, Command
from ledger.context import CommandResult


def _core(annotation: Any) -> Any:
    """The type under ``X | None`` and ``Annotated[...]``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        return _core(annotation)
    return annotation


def _kwargs(field: FieldInfo) -> dict[str, Any]:
    """argparse's type, choices and action for one field."""
    core = _core(field.annotation)
    if typing.get_origin(core) is list:
        return {"type": codes_arg, "action": "extend", "help_suffix": " (cách nhau bởi dấu phẩy)"}
    if core is date:
        return {"type": date_arg}
    if isinstance(core, type) and issubclass(core, Enum):
        return {"choices": [member.value for member in core]}
    return {}


def _add_field(p: argparse.ArgumentParser, cls: type[Command], name: str, flag: bool) -> None:
    field = cls.model_fields[name]
    options = _kwargs(field)
    suffix = options.pop("help_suffix", "")
    help_ = (field.description or "") + suffix
    if not flag:
        p.add_argument(name, help=help_, **options)
        return
    flags = [f"--{name.replace('_', '-')}", *cls.cli_aliases.get(name, ())]
    required = field.is_required()
    p.add_argument(*flags, dest=name, required=required, help=help_, **options)


def _runner(cls: type[Command]) -> Callable[[ParLedger, argparse.Namespace], int]:
    def run(app: ParLedger, args: argparse.Namespace) -> int:
        said = {n: getattr(args, n) for n in cls.model_fields if getattr(args, n) is not None}
        result = app.handle(context_of(app, args), cls.parse(said))
        emit(args, _output(result), lambda _: _text(result))
        return EXIT_OK

    return run


def _output(result: CommandResult) -> dict[str, Any]:
    """The result as JSON, with what the command tells besides (a token, a hash) on top."""
    return {**plain(result), **result.detail}


def _text(result: CommandResult) -> str:
    lines = [result_text(result)]
    if "token" in result.detail:
        lines.append(f"Mã truy cập (chỉ hiện một lần, hãy lưu lại):\n{result.detail['token']}")
    lines += [f"{k}: {v}" for k, v in result.detail.items() if k != "token"]
    return "\n".join(lines)


def register_commands(add: Add) -> None:
    for cls in DECLARED:
        p = add(cls.cli, _runner(cls), cls.label)
        positionals = cls.cli_positionals()
        for name in positionals:
            _add_field(p, cls, name, flag=False)
        for name in cls.model_fields:
            if name not in positionals:
                _add_field(p, cls, name, flag=True)
        write_flags(p, reason_required=cls.reason_required)
