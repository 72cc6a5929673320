"""Strict input at the HTTP boundary (issue 12, item 5), on both backends: bodies that are not
strict UTF-8 JSON, control characters, headers and integers out of range are refused with a
problem naming the body, field or parameter, and nothing is written."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import PLAN, Api

TASK = f"/plans/{PLAN}/tasks/2"
BODY = {"percent": 40, "note": "Đã kiểm tra 4 xã", "effective_at": "2023-05-02"}


def _post(api: Api, content: bytes, content_type: str = "application/json") -> dict[str, object]:
    """A progress report with a raw body; asserts it was refused with nothing written."""
    head = api.head()
    headers = api.headers("officer", **{"If-Match": "*", "Content-Type": content_type})
    answer = api.client.post(f"{TASK}/progress", headers=headers, content=content)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert api.head() == head
    found: dict[str, object] = answer.json()
    found["status"] = answer.status_code
    return found


def test_the_same_body_in_utf8_is_accepted(api: Api) -> None:
    headers = api.headers("officer", **{"If-Match": "*", "Content-Type": "application/json"})
    content = json.dumps(BODY, ensure_ascii=False).encode("utf-8")
    answer = api.client.post(f"{TASK}/progress", headers=headers, content=content)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
def test_a_body_not_in_utf8_is_refused(api: Api, encoding: str) -> None:
    body = {**BODY, "note": "Kiểm tra 4 xã" if encoding.startswith("utf") else "4 xã"}
    found = _post(api, json.dumps(body, ensure_ascii=False).encode(encoding))
    assert found["status"] == 400
    assert found["type"] == "urn:parledger:problem:malformed_body"  # one type, as documented
    assert found["field"] == "body" and "UTF-8" in str(found["detail"])


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", '"windows-1258"'])
def test_a_declared_charset_other_than_utf8_is_refused(api: Api, charset: str) -> None:
    content = json.dumps(BODY).encode()  # ASCII: only the declaration is wrong
    found = _post(api, content, f"application/json; charset={charset}")
    assert found["status"] == 400
    assert found["type"] == "urn:parledger:problem:unsupported_charset"
    assert "bảng mã" in str(found["detail"])


def test_duplicate_keys_are_refused_naming_the_key(api: Api) -> None:
    found = _post(api, b'{"percent": 40, "note": "a", "percent": 90}')
    assert found["status"] == 400
    assert found["type"] == "urn:parledger:problem:duplicate_key"
    assert found["field"] == "percent" and "hai lần" in str(found["detail"])


def test_duplicate_keys_deeper_down_are_named_by_path(api: Api) -> None:
    found = _post(api, b'{"percent": 40, "extra": [{"a": 1}, {"a": 1, "a": 2}]}')
    assert found["field"] == "extra.1.a"


@pytest.mark.parametrize("depth", [33, 10_000])
def test_deep_nesting_is_refused(api: Api, depth: int) -> None:
    content = ('{"percent": 40, "note": ' + "[" * depth + "]" * depth + "}").encode()
    found = _post(api, content)
    assert found["status"] == 400 and found["type"] == "urn:parledger:problem:body_too_deep"


def test_brackets_inside_strings_do_not_count_as_nesting(api: Api) -> None:
    headers = api.headers("officer", **{"If-Match": "*"})
    body = {**BODY, "note": "[" * 200 + '\\"{' * 50}
    answer = api.client.post(f"{TASK}/progress", headers=headers, json=body)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("content", "field", "code"),
    [
        (b'{"percent": 40, "note": "a\\u0000b"}', "note", "control_character"),
        (b'{"percent": 40, "note": "a\\u001bb"}', "note", "control_character"),
        (b'{"percent": 40, "note": "\\ud800"}', "note", "control_character"),
        (b'{"percent": 99999999999999999999, "note": "a"}', "percent", "number_out_of_range"),
        (b'{"percent": 1e999, "note": "a"}', "percent", "number_out_of_range"),
        (b'{"percent": NaN, "note": "a"}', "percent", "number_out_of_range"),
        (b'{"percent": -Infinity, "note": "a"}', "percent", "number_out_of_range"),
    ],
)
def test_values_no_store_can_hold_are_refused(
    api: Api, content: bytes, field: str, code: str
) -> None:
    found = _post(api, content)
    assert found["status"] == 422
    assert found["type"] == f"urn:parledger:problem:{code}" and found["field"] == field
    assert field in str(found["detail"])


def test_lines_and_tabs_in_a_note_pass_the_boundary(api: Api) -> None:
    headers = api.headers("officer", **{"If-Match": "*"})
    body = {**BODY, "note": "Dòng một\n\tDòng hai\n"}
    assert api.client.post(f"{TASK}/progress", headers=headers, json=body).status_code == 200


def test_malformed_json_is_still_answered_by_the_app(api: Api) -> None:
    found = _post(api, b'{"percent": 40,')
    # The documented answer to a body that is not JSON (issue 11): 400 malformed_body.
    assert found["status"] == 400 and found["type"] == "urn:parledger:problem:malformed_body"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("If-Match", b'"\xb2"'),  # a superscript two: str.isdigit() but not int()
        ("If-Match", b'"1\x01"'),
        ("Idempotency-Key", "khóa".encode()),
        ("Authorization", b"Bearer plg.\xff"),
    ],
)
def test_read_headers_outside_printable_ascii_are_refused(
    api: Api, header: str, value: bytes
) -> None:
    head = api.head()
    headers = [(k.encode(), v.encode()) for k, v in api.headers("officer").items()]
    headers = [(k, v) for k, v in headers if k.decode().lower() != header.lower()]
    headers.append((header.encode(), value))
    answer = api.client.post(f"{TASK}/progress", headers=headers, json=BODY)
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == "urn:parledger:problem:invalid_header"
    assert answer.json()["field"] == header
    assert api.head() == head


@pytest.mark.parametrize(
    ("url", "field", "code"),
    [
        ("/events/99999999999999999999/proof", "position", "number_out_of_range"),
        (f"/plans/{PLAN}/targets/99999999999999999999", "target", "number_out_of_range"),
        ("/events?after=%D9%A4", "after", "non_ascii_digits"),
        (f"/plans/{PLAN}/tasks?limit=%C2%B2", "limit", "non_ascii_digits"),
        ("/audit?cursor=99999999999999999999", "cursor", "number_out_of_range"),
        (f"/web/{PLAN}/audit?cursor=99999999999999999999", "cursor", "number_out_of_range"),
        (f"/web/{PLAN}/audit?cursor=%C2%B2", "cursor", "non_ascii_digits"),
        ("/audit?entity=%FF%FE", "entity", "invalid_encoding"),
        (f"/web/{PLAN}/tasks?agency=%C0", "agency", "invalid_encoding"),
    ],
)
def test_integers_and_encodings_in_paths_and_queries(
    api: Api, url: str, field: str, code: str
) -> None:
    answer = api.client.get(url, headers=api.headers("auditor"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == f"urn:parledger:problem:{code}"
    assert answer.json()["field"] == field


def test_a_control_character_in_the_login_form_is_refused(api: Api) -> None:
    answer = api.client.post(
        "/web/login", data={"token": "plg.\x00", "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 422 and answer.json()["field"] == "token"


def test_a_page_with_a_valid_cursor_still_answers(api: Api) -> None:
    assert api.client.get(f"/web/{PLAN}/tasks?agency=phong-noi-vu").status_code == 200


def test_an_invalid_field_is_named_in_vietnamese_in_the_detail(api: Api) -> None:
    # The problem's ``field`` keeps the JSON's name for clients; its ``detail``, which an
    # official reads, names the field as the CLI and the pages do.
    found = _post(api, json.dumps({**BODY, "percent": 150}).encode())
    assert found["status"] == 422 and found["field"] == "percent"
    assert str(found["detail"]).startswith("phần trăm: "), found
    assert "percent" not in str(found["detail"])
