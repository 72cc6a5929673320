"""Every command is declared once, and every entrypoint is derived from that declaration: a
CLI subcommand with its flags and help, an HTTP route with its body schema and example, a use
case that carries it out. A command added without any of these fails here."""

from __future__ import annotations

import argparse
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.routes.commands import body_example, body_model
from cli.main import build_parser
from domain.errors import InvalidValue
from ledger.application import ParLedger
from ledger.commands import DECLARED, HANDLERS, Command, handler_for
from ledger.usecases.task import ReportTaskProgress
from persistence.settings import parse_database_url
from service.app import create_app


def _subparser(parser: argparse.ArgumentParser, words: list[str]) -> argparse.ArgumentParser:
    for word in words:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    app = ParLedger(parse_database_url("memory://declarations"))
    try:
        return TestClient(create_app(app)).get("/openapi.json").json()
    finally:
        app.close()


def test_declarations_are_many_and_distinct() -> None:
    assert len(DECLARED) >= 27
    for attribute in ("operation", "http", "cli", "label"):
        values = [getattr(c, attribute) for c in DECLARED]
        assert len(values) == len(set(values)), attribute
    assert all(re.fullmatch(r"[a-z][a-z_]*", c.operation) for c in DECLARED)
    assert all(re.fullmatch(r"[a-z]+", c.tag) for c in DECLARED)


@pytest.mark.parametrize("command", DECLARED, ids=lambda c: c.operation)
def test_each_command_has_a_use_case_a_cli_subcommand_and_a_route(
    command: type[Command], spec: dict[str, Any]
) -> None:
    assert handler_for(command) is not None, "no use case carries it out"
    if command not in HANDLERS:  # carried out by its kind's use case, through its own apply
        shared = next(k for k in command.__mro__ if k in HANDLERS)
        defines = next(k for k in command.__mro__ if "apply" in k.__dict__)
        assert issubclass(defines, shared) and defines is not shared, "apply not defined"
    # The CLI: every field as a positional or a flag, with its help.
    sub = _subparser(build_parser(), command.cli.split())
    dests = {a.dest: a for a in sub._actions}
    for name, field in command.model_fields.items():
        assert name in dests, f"{command.cli}: no argument for {name}"
        assert field.description, f"{command.__name__}.{name} has no description"
        assert (dests[name].help or "").startswith(field.description)
        assert dests[name].required == field.is_required() or name in command.cli_positionals()
    assert dests["reason"].required == command.reason_required
    # The HTTP route: its path, operation id, tag, body schema and the example.
    operation = spec["paths"][command.http]["post"]
    assert operation["operationId"] == command.operation
    assert operation["tags"] == [command.tag]
    assert operation["summary"] == command.label
    body = operation["requestBody"]["content"]["application/json"]
    example = next(iter(body["examples"].values()))["value"]
    assert example == body_example(command)
    properties = spec["components"]["schemas"][f"{command.__name__}Body"]["properties"]
    assert set(properties) == {*command.body_fields(), "effective_at", "reason"}
    # The example states the command: body and path together make a valid declaration.
    body_model(command).model_validate(example)
    stated = {k: v for k, v in command.example.items() if k not in ("effective_at", "reason")}
    command.model_validate(stated)


@pytest.mark.parametrize(
    ("percent", "field"),
    [(True, "percent"), ("٤٠", "percent"), ("40.5", "percent"), (101, "percent")],
)
def test_numbers_are_numbers_in_ascii_digits(percent: Any, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        ReportTaskProgress.parse(
            {"plan": "cat-hai-2023", "number": "3", "percent": percent, "note": "x"}
        )
    assert caught.value.field == field
    assert "lỗi hệ thống" not in str(caught.value)
