"""The OpenAPI document carries an example body for every command, and each example is a body
the command accepts: by its request model and by the schema the document itself states."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from api.routes.commands import CommandOut, body_model
from ledger.application import ParLedger
from ledger.commands import DECLARED, EXAMPLES
from ledger.importer import import_plan
from planfile.bundled import bundled_plan
from service.app import create_app
from tests.api.conftest import Api
from tests.conftest import ctx


def _validator(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) for a schema of the document,
    its references resolved within the document; formats (dates) checked too."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": spec["components"]}, validate_formats=True
    )


def test_every_command_has_an_example_its_model_and_schema_accept(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    by_path = {command.http: command for command in DECLARED}
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
            model = body_model(by_path[path])
            parsed = model.model_validate(body)  # raises if the model refuses it
            assert parsed.model_dump(exclude_unset=True).keys() == body.keys()
            errors = [e.message for e in _validator(content["schema"], spec).iter_errors(body)]
            assert not errors, (path, name, errors)
        documented += 1
    assert documented == len(DECLARED) == len(by_path)


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


def test_the_examples_are_commands_the_ledger_carries_out(app: ParLedger) -> None:
    """Posted in the order of usecases/examples.json on the Cát Hải plan, every documented
    example is accepted and recorded."""
    import_plan(app, bundled_plan("cat-hai-2023"), ctx())
    _, token = app.add_user(ctx(), name="thu-ky", display_name="Thư ký", role="admin", agency=None)
    client = TestClient(create_app(app))
    spec = client.get("/openapi.json").json()
    by_operation = {c.operation: c for c in DECLARED}
    assert list(EXAMPLES) == sorted(by_operation, key=list(EXAMPLES).index)
    assert set(EXAMPLES) == set(by_operation)
    inspection: dict[str, str] = {}
    for operation, example in EXAMPLES.items():
        command = by_operation[operation]
        documented = spec["paths"][command.http]["post"]["requestBody"]["content"]
        body = next(iter(documented["application/json"]["examples"].values()))["value"]
        head = app.recorder.max_notification_id()
        response = client.post(
            command.http.format(**{**example, **inspection}),
            headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
            json=body,
        )
        assert response.status_code in (200, 201), (operation, response.text)
        assert response.json()["positions"] and app.recorder.max_notification_id() > head
        if operation == "plan_inspection":
            inspection["inspection_id"] = response.json()["changes"][0]["id"]
