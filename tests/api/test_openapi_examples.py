"""The OpenAPI document carries an example body for every command, and each example is a body
the command accepts: by its request model and by the schema the document itself states."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from api.commands import COMMANDS, CommandOut
from tests.api.conftest import Api


def _validator(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) for a schema of the document,
    its references resolved within the document; formats (dates) checked too."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": spec["components"]}, validate_formats=True
    )


def test_every_command_has_an_example_its_model_and_schema_accept(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    by_path = {command.path: command for command in COMMANDS}
    documented = 0
    for path, operations in spec["paths"].items():
        if "post" not in operations:
            continue
        content = operations["post"]["requestBody"]["content"]["application/json"]
        examples = content.get("examples", {})
        assert examples, f"{path}: no example"
        for name, example in examples.items():
            body = example["value"]
            assert body, (path, name)
            model = by_path[path].body
            parsed = model.model_validate(body)  # raises if the model refuses it
            assert parsed.model_dump(exclude_unset=True).keys() == body.keys()
            errors = [e.message for e in _validator(content["schema"], spec).iter_errors(body)]
            assert not errors, (path, name, errors)
        documented += 1
    assert documented == len(COMMANDS) == len(by_path)


def test_the_command_response_example_is_a_valid_response(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["CommandOut"]
    assert schema["examples"]
    for example in schema["examples"]:
        CommandOut.model_validate(example)
        assert _validator(schema, spec).is_valid(example)


def test_the_schema_check_refuses_bodies_the_model_refuses(api: Api) -> None:
    """The check above is not vacuous: bodies the model refuses fail it too."""
    spec = api.client.get("/openapi.json").json()
    content = spec["paths"]["/plans/{plan}/tasks/{number}/progress"]["post"]["requestBody"]
    schema = content["content"]["application/json"]["schema"]
    validator = _validator(schema, spec)
    assert validator.is_valid({"percent": 40, "note": "Đã khảo sát"})
    for bad in (
        {"percent": 140, "note": "x"},
        {"percent": 10},
        {"note": "x", "actor": "admin"},
        {"note": "x", "effective_at": "30/06/2023"},
    ):
        assert not validator.is_valid(bad), bad
