"""A NUL in every path and query parameter of every operation the OpenAPI document lists, on
both backends: a 4xx problem naming the parameter, never a 500, and the connection to the
store stays usable (PostgreSQL refuses NUL in text and used to answer 500)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tests.api.conftest import PLAN, Api

# Plausible values for the parameters a case does not poison, so the request reaches as far
# as it can; a parameter not listed gets "1" when an integer, else "x".
VALUES = {"plan": PLAN, "number": "2", "period": "2023-q2", "format": "json"}
POISONS = ("%00", "a%00b", "%1F", "%7F", "%C2%85")  # NUL, unit separator, DEL, C1 NEXT LINE


def _value(parameter: dict[str, Any]) -> str:
    if parameter["name"] in VALUES:
        return VALUES[parameter["name"]]
    return "1" if parameter.get("schema", {}).get("type") == "integer" else "x"


def _cases(api: Api) -> list[tuple[str, str, str, str]]:
    """(method, url, parameter, template) for each path and query parameter of each operation."""
    cases = []
    for template, operations in api.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in operations.items():
            parameters = [
                p for p in operation.get("parameters", []) if p["in"] in ("path", "query")
            ]
            for target in parameters:
                for poison in POISONS:
                    path, query = template, []
                    for p in parameters:
                        value = poison if p is target else quote(_value(p), safe="")
                        if p["in"] == "path":
                            path = path.replace("{" + p["name"] + "}", value)
                        else:
                            query.append(f"{p['name']}={value}")
                    url = path + ("?" + "&".join(query) if query else "")
                    cases.append((method.upper(), url, target["name"], template))
    return cases


def test_a_control_character_in_any_parameter_is_refused_and_the_store_stays_usable(
    api_factory: Callable[..., Api],
) -> None:
    api = api_factory(rate=1e6, burst=1e6)  # hundreds of requests, each followed by a read
    cases = _cases(api)
    statuses: Counter[int] = Counter()
    headers = api.headers("admin", **{"If-Match": "*"})
    for method, url, name, _ in cases:
        answer = api.client.request(method, url, headers=headers, json={})
        statuses[answer.status_code] += 1
        assert answer.status_code == 422, (method, url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == "urn:parledger:problem:control_character"
        assert answer.json()["field"] == name, (url, answer.json())
        after = api.client.get(f"/plans/{PLAN}", headers=headers)
        assert after.status_code == 200, (url, after.text)
    operations = {(m, t) for m, _, _, t in cases}
    print(
        f"\n{api.ledger.database.backend}: {len(cases)} poisoned requests over "
        f"{len(operations)} operations and {len(cases) // len(POISONS)} parameters: "
        f"{dict(statuses)}; 0 answered 5xx"
    )
    assert len(cases) >= 5 * 60  # every listed parameter was tried, not a sample


def test_the_pages_refuse_a_nul_in_their_path_and_query(api: Api) -> None:
    """The pages read their query parameters by hand (web/pages.py): the boundary covers them."""
    headers = api.headers("admin")
    for url, name in [
        (f"/web/{PLAN}%00", "plan"),
        (f"/web/{PLAN}/tasks?status=%00", "status"),
        (f"/web/{PLAN}/audit?entity=task%00", "entity"),
        (f"/web/{PLAN}/timeline?ref=%00", "ref"),
        (f"/web/{PLAN}/reports/2023-q2%00/download", "period"),
        (f"/web/{PLAN}/inspections?agency=%00", "agency"),
    ]:
        answer = api.client.get(url, headers=headers)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["field"] == name
        assert api.client.get(f"/web/{PLAN}/tasks").status_code == 200
