"""schemathesis against the served OpenAPI document, with its coverage phase (every boundary and
every kind of wrong value, derived from the schema) and its fuzzing phase (random valid data),
and all its checks, on both backends. The SSE stream is left out: it is a long-lived response
by design (tested in test_flows and test_openapi_document).

Three settings differ from the defaults, each for an answer no JSON Schema predicts:
- a schema-valid command may still break a rule JSON Schema cannot state (a period that ends
  before it starts, an effective date in the future) or carry an If-Match that is well formed
  but not the entity's current version: 422 naming the field, or 412, are accepted answers to
  schema-valid data;
- a command that changes an existing entity without If-Match is answered 428 Precondition
  Required (RFC 6585), which is what that status is for; schemathesis expects a 4xx from a
  shorter list for a missing required header;
- a body over the size limit is refused 413 before its fields are read, whatever else is wrong
  with it; schemathesis does not list 413 among the refusals of invalid data.
Server errors (5xx) are never accepted: the default lists of refusals include them, these do
not.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import from_schema
from schemathesis.engine.events import (
    FatalError,
    FuzzScenarioFinished,
    NonFatalError,
    ScenarioFinished,
)

from ledger.application import ParLedger
from service.app import create_app
from tests.api.conftest import make_api

EXAMPLES = 6

CONFIG: dict[str, Any] = {
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "generation": {"max-examples": EXAMPLES},
    "checks": {
        "enabled": True,  # every check, not only the default ones
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 412, 422, 429]
        },
        "negative_data_rejection": {
            "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
        },
        "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
    },
}


def answered(recorder: Any, case: str) -> str:
    interaction = recorder.interactions.get(case)
    response = interaction.response if interaction else None
    return f"{response.status_code} {response.content[:300]!r}" if response else "nothing"


def test_api_conforms_to_its_openapi_document(app: ParLedger) -> None:
    token = make_api(app).tokens["admin"]
    served = create_app(app, rate=10_000, burst=10_000)
    config = SchemathesisConfig.from_dict(
        {**CONFIG, "headers": {"Authorization": f"Bearer {token}"}}
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", served, config=config)
    schema = schema.exclude(path="/events/stream")
    cases: Counter[str] = Counter()
    failures: set[str] = set()
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, ScenarioFinished | FuzzScenarioFinished):
            phase = event.phase if isinstance(event, ScenarioFinished) else "fuzzing"
            cases[str(phase)] += len(event.recorder.cases)
            failures |= {
                f"{f.operation} answered {answered(event.recorder, case)}: {f.code} {f.title}: "
                f"{f.message}"
                for case, checks in event.recorder.checks.items()
                for check in checks
                if check.failure_info is not None
                for f in [check.failure_info.failure]
            }
        elif isinstance(event, NonFatalError | FatalError):
            errors.append(repr(event))
    print(f"schemathesis: {dict(cases)} cases; {len(failures)} failures; {len(errors)} errors")
    assert sorted(failures) == [], "\n".join(sorted(failures))
    assert errors == []
    assert cases["coverage"] >= 40 * 5 and cases["fuzzing"] >= 40
