"""Strict JSON for request bodies: UTF-8 only, unique keys, bounded nesting and numbers, no
control characters in strings.

``json.loads`` on bytes guesses UTF-16 and UTF-32, keeps the last of duplicate keys, accepts
``NaN`` and recurses until Python's stack runs out; every one of those lets a body mean
something other than what its sender's tools show. These functions decide, before the app
parses a body, whether it is JSON the ledger accepts; the app then parses it as before.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32  # command bodies nest three or four levels; this leaves room, not recursion
MAX_INT = 2**63 - 1  # what both stores hold in an integer column
_MAX_INT_DIGITS = len(str(MAX_INT))
# C0 controls but tab, line feed and carriage return (notes may have lines), DEL, C1, and
# lone surrogates (a "\ud800" escape), which no store can encode.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: its status, stable code, Vietnamese detail and field."""

    status: int
    code: str
    detail: str
    field: str


class _Pairs(list[tuple[str, Any]]):
    """An object as parsed, its keys in order and duplicates kept (to be found with a path)."""


@dataclass(frozen=True)
class _Literal:
    """A number the checks must refuse where it stands: too long, or NaN and the infinities."""

    text: str


def _parse_int(text: str) -> int | _Literal:
    digits = text.lstrip("-")
    if len(digits) > _MAX_INT_DIGITS or abs(int(text)) > MAX_INT:
        return _Literal(text)
    return int(text)


def _parse_float(text: str) -> float | _Literal:
    value = float(text)
    return value if math.isfinite(value) else _Literal(text)


def character(found: str) -> str:
    """A character as ``U+0000``, for a detail a reader can act on."""
    return f"U+{ord(found):04X}"


def control_character(bad: re.Match[str], where: str, field: str) -> Refusal:
    """The refusal of a control character ``bad`` found in ``where`` (a parameter, a field)."""
    detail = f"{where} chứa ký tự điều khiển {character(bad.group())}"
    return Refusal(422, "control_character", detail, field)


def nesting(text: str) -> int:
    """The deepest nesting of arrays and objects, strings set aside (brackets in them count
    for nothing), without recursing."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def media_charset(content_type: str) -> tuple[str, str | None]:
    """The media type and its ``charset`` parameter (lower-cased, unquoted), if any."""
    media, *parameters = content_type.split(";")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def is_json(media: str) -> bool:
    """What FastAPI parses as JSON: no declared type, ``application/json`` or ``…+json``."""
    return media in ("", "application/json") or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_body(body: bytes, charset: str | None) -> Refusal | None:
    """None when ``body`` is strict JSON (or empty, or not JSON at all: the app says so)."""
    if charset not in (None, "utf-8", "utf8"):
        return Refusal(
            400,
            "unsupported_charset",
            f"nội dung yêu cầu khai báo bảng mã {charset!r}; chỉ nhận JSON mã hoá UTF-8",
            "body",
        )
    if not body:
        return None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _not_utf8(f"byte thứ {error.start + 1} không phải UTF-8")
    if "\x00" in text:  # UTF-16 or UTF-32 of ASCII text decodes as UTF-8 with NULs in it
        return _not_utf8("có byte 0 (nội dung UTF-16 hoặc UTF-32?)")
    if nesting(text) > MAX_DEPTH:
        return Refusal(400, "body_too_deep", f"nội dung JSON lồng quá {MAX_DEPTH} tầng", "body")
    try:
        parsed = json.loads(
            text,
            object_pairs_hook=_Pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_Literal,
        )
    except ValueError:
        return None  # not JSON: the app answers it as every malformed body, naming the spot
    return _check_value(parsed, ())


def _not_utf8(why: str) -> Refusal:
    return Refusal(
        400,
        "malformed_body",
        f"nội dung yêu cầu không phải JSON hợp lệ, mã hoá UTF-8: {why}",
        "body",
    )


def _name(path: tuple[str, ...]) -> str:
    return ".".join(path) or "body"


def _check_value(value: Any, path: tuple[str, ...]) -> Refusal | None:
    """The first problem in ``value`` (depth is bounded already, so recursion is safe)."""
    if isinstance(value, _Pairs):
        return _check_object(value, path)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _check_value(item, (*path, str(index))):
                return found
        return None
    if isinstance(value, _Literal):
        return Refusal(
            422,
            "number_out_of_range",
            f"trường {_name(path)}: số {value.text[:30]} nằm ngoài giới hạn cho phép",
            _name(path),
        )
    if isinstance(value, str) and (bad := _CONTROL_IN_TEXT.search(value)):
        return control_character(bad, f"trường {_name(path)}", _name(path))
    return None


def _check_object(pairs: _Pairs, path: tuple[str, ...]) -> Refusal | None:
    seen: set[str] = set()
    for key, item in pairs:
        where = (*path, key)
        if bad := _CONTROL_IN_TEXT.search(key):
            return control_character(bad, f"tên trường trong {_name(path)}", _name(path))
        if key in seen:
            return Refusal(
                400,
                "duplicate_key",
                f"trường {_name(where)} xuất hiện hai lần trong nội dung JSON",
                _name(where),
            )
        seen.add(key)
        if found := _check_value(item, where):
            return found
    return None
