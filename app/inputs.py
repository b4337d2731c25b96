"""What enters through URLs and JSON bodies: numbers stay inside the database's integer range, a body is an
object and its text fields are strings, a list filter names an existing value, refused in Chinese otherwise.

Every id and count column is an INTEGER, which PostgreSQL holds in 32 bits (SQLite in 64): a larger
number can never match a row, and passed on it makes the driver or the database raise ("integer out
of range", ``OverflowError``) so the request fails with a 500. A URL id beyond the range is simply
not found (404); a JSON integer beyond it is refused with a Chinese message (422), the same for every
endpoint that reads JSON. Amounts travel as decimal strings, so no legitimate integer is that large.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeGuard, TypeVar

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.errors import DomainError, ValidationFailed

E = TypeVar("E", bound=Enum)

DB_INT_MAX = 2**31 - 1
_MAX_DIGITS = len(str(DB_INT_MAX))


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` URL parts that fit a database integer. A larger one is a 404 raised here rather than a
    ``ValidationError``: after that werkzeug would try the other rules and answer a GET with a 405
    wherever a POST shares the path. The pattern's digit limit keeps int() off huge strings."""

    regex = rf"\d{{1,{_MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > DB_INT_MAX:
            raise NotFound()
        return number


def is_json_int(value: Any) -> TypeGuard[int]:
    """Tell whether a decoded JSON value is an integer (``true`` is a bool in JSON, not the id 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def json_int(text: str) -> int:
    """Decode one JSON integer literal, refusing those outside the database's integer range."""
    # The length is checked first: int() of thousands of digits is slow, and Python refuses it anyway.
    value = int(text) if len(text.lstrip("-")) <= _MAX_DIGITS else None
    if value is None or abs(value) > DB_INT_MAX:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise ValidationFailed(f"数值 {shown} 超出允许范围（整数的绝对值不能大于 {DB_INT_MAX}）",
                               details={"max": DB_INT_MAX})
    return value


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("请求体必须是 JSON 对象")
    return body


def json_text(body: dict[str, Any], key: str) -> str:
    """A text field of a JSON body; missing or null is the empty string."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"字段 {key} 应为字符串", details={"field": key})
    return value


class InvalidFilter(DomainError):
    """A list filter in the query string names a value that does not exist (400, not a 500 from the database)."""

    status = 400
    code = "invalid_filter"


def enum_arg(name: str, enum: type[E], allowed: tuple[E, ...] | None = None) -> E | None:
    """The query-string filter ``name`` as a member of ``enum`` (None when absent or empty), refused in Chinese."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    choices = allowed if allowed is not None else tuple(enum)
    for member in choices:
        if member.value == raw:
            return member
    shown = raw if len(raw) <= 24 else raw[:20] + "…"
    values = "、".join(str(m.value) for m in choices)
    raise InvalidFilter(f"筛选条件 {name} 的值“{shown}”无效，可选值：{values}",
                        details={"field": name, "allowed": [m.value for m in choices]})


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, decoding integers through :func:`json_int` (``request.get_json`` uses it)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_int", json_int)
        return super().loads(s, **kwargs)


def register(app: Flask) -> None:
    """Install the bounded URL converter and JSON decoder; before any blueprint adds its rules."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.json = BoundedJSONProvider(app)
