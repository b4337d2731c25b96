"""Numbers entering through URLs and JSON bodies stay inside the database's integer range.

SQLite binds integers as signed 64 bits and PostgreSQL's widest integer is BIGINT, so a larger id or
count can never match a row: passed on, it makes the driver raise (``OverflowError``) and the
request fail with a 500. URL ids beyond the range are simply not found (404); JSON numbers beyond
it are refused with a Chinese message (422), the same for every endpoint that reads JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from app.errors import ValidationFailed

SQL_INT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(SQL_INT_MAX))


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` URL parts of at most 18 digits, all of which fit a database integer. The bound is in the
    pattern, not a ``max``: werkzeug checks methods before converting, so a refused value would turn a
    GET into a 405 wherever a POST shares the path; a pattern that does not match is a plain 404."""

    regex = r"\d{1,18}"


def json_int(text: str) -> int:
    """Decode one JSON integer literal, refusing those outside the database's integer range."""
    # The length is checked first: int() of thousands of digits is slow, and Python refuses it anyway.
    value = int(text) if len(text.lstrip("-")) <= _MAX_DIGITS else None
    if value is None or abs(value) > SQL_INT_MAX:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise ValidationFailed(f"数值 {shown} 超出允许范围（绝对值不能大于 {SQL_INT_MAX}）",
                               details={"max": SQL_INT_MAX})
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, decoding integers through :func:`json_int` (``request.get_json`` uses it)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_int", json_int)
        return super().loads(s, **kwargs)


def register(app: Flask) -> None:
    """Install the bounded URL converter and JSON decoder; before any blueprint adds its rules."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.json = BoundedJSONProvider(app)
