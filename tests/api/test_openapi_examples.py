"""The OpenAPI document carries an example body for every command, and each example is a body
the command accepts: by its request model and by the schema the document itself states."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from api.routes.commands import CommandOut, body_example, body_model
from ledger.application import ParLedger
from ledger.commands import DECLARED
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


# The order the examples make sense in, on the Cát Hải plan, and the path of each.
IN_ORDER: list[tuple[str, dict[str, str]]] = [
    ("/plans/{plan}/tasks/{number}/progress", {"number": "3"}),
    ("/plans/{plan}/tasks/{number}/deadline", {"number": "1.b"}),
    ("/plans/{plan}/tasks/{number}/evidence", {"number": "1.b"}),
    ("/plans/{plan}/tasks/{number}/complete", {"number": "1.b"}),
    ("/plans/{plan}/tasks/{number}/reopen", {"number": "1.b"}),
    ("/plans/{plan}/tasks/{number}/reassign", {"number": "2"}),
    ("/plans/{plan}/tasks/{number}/cancel", {"number": "1.c"}),
    ("/plans/{plan}/targets/{target}/measurements", {"target": "7"}),
    ("/plans/{plan}/targets/{target}/corrections", {"target": "7"}),
    ("/plans/{plan}/targets/{target}/retractions", {"target": "7"}),
    ("/plans/{plan}/scores", {}),
    ("/plans/{plan}/reports/{period}/submit", {"period": "Q2"}),
    ("/plans/{plan}/inspections", {}),
    ("/inspections/{inspection_id}/conducted", {}),
    ("/inspections/{inspection_id}/findings", {}),
    ("/inspections/{inspection_id}/findings/{finding_id}/remediation", {}),
    ("/inspections/{inspection_id}/findings/{finding_id}/close", {}),
    ("/inspections/{inspection_id}/conclusion", {}),
    ("/plans/{plan}/dossiers", {}),
    ("/dossiers/{dossier_code}/apologies", {}),
    ("/dossiers/{dossier_code}/citizen-data/erase", {}),
    ("/dossiers/{dossier_code}/apologies/{apology_id}/withdraw", {}),
    ("/dossiers/{dossier_code}/result", {}),
    ("/users", {}),
    ("/users/{name}/revoke", {"name": "lan"}),
    ("/agencies", {}),
    ("/agencies/{agency_code}/rename", {"agency_code": "phong-van-hoa-khoa-hoc"}),
    ("/agencies/{agency_code}/dissolve", {"agency_code": "phong-van-hoa-khoa-hoc"}),
    ("/agencies/{agency_code}/merge", {"agency_code": "xa-hoang-chau"}),
]


def test_the_examples_are_commands_the_ledger_carries_out(app: ParLedger) -> None:
    """Posted in order on the Cát Hải plan, every example is accepted and recorded."""
    import_plan(app, bundled_plan("cat-hai-2023"), ctx())
    _, token = app.add_user(ctx(), name="thu-ky", display_name="Thư ký", role="admin", agency=None)
    client = TestClient(create_app(app))
    spec = client.get("/openapi.json").json()
    examples = {c.http: body_example(c) for c in DECLARED}
    assert sorted(path for path, _ in IN_ORDER) == sorted(examples)
    args = {
        "plan": "cat-hai-2023",
        "finding_id": examples["/inspections/{inspection_id}/findings"]["finding_id"],
        "dossier_code": examples["/plans/{plan}/dossiers"]["dossier_code"],
        "apology_id": examples["/dossiers/{dossier_code}/apologies"]["apology_id"],
    }
    for path, more in IN_ORDER:
        documented = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        body = next(iter(documented["examples"].values()))["value"]
        head = app.recorder.max_notification_id()
        response = client.post(
            path.format(**args, **more),
            headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
            json=body,
        )
        assert response.status_code in (200, 201), (path, response.text)
        assert response.json()["positions"] and app.recorder.max_notification_id() > head
        if path == "/plans/{plan}/inspections":
            args["inspection_id"] = response.json()["changes"][0]["id"]
