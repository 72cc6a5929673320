"""schemathesis against the served OpenAPI document, with all its default checks (no 5xx,
statuses, content types, headers and bodies as documented), on both backends. The SSE stream
is left out: it is a long-lived response by design (tested in test_flows).

One setting differs from the defaults: a schema-valid command may still break a rule JSON
Schema cannot state (a period that ends before it starts, an effective date in the future, a
deadline before the start), which the API answers with 422 naming the field; so 422 is an
accepted answer to schema-valid data. Every other expectation is the default."""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from ledger.application import ParLedger
from service.app import create_app
from tests.api.conftest import make_api

EXAMPLES = 6


def test_api_conforms_to_its_openapi_document(app: ParLedger) -> None:
    token = make_api(app).tokens["admin"]
    served = create_app(app, rate=10_000, burst=10_000)
    config = SchemathesisConfig.from_dict(
        {
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
                }
            }
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", served, config=config)
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/events/stream":
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
            statuses[response.status_code] += 1

        check()
    assert operations >= 35
    assert sum(statuses.values()) >= operations  # every operation was exercised
    assert not [s for s in statuses if s >= 500]
    print(f"schemathesis: {operations} operations, {sum(statuses.values())} calls, {statuses}")
