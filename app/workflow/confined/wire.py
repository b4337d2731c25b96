"""What crosses the pipe between the engine and a sandbox worker: length-prefixed JSON frames.

Only data goes across, never pickles: a worker is treated as hostile, and reading its answer must not
be able to run code in the engine. Task data keeps its types: Decimal, date, datetime, timedelta, tuple,
set and dicts with non-string keys travel as small tagged objects (``{"$": "decimal", "v": "1.5"}``).
"""

from __future__ import annotations

import json
import os
import struct
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

HEADER = struct.Struct(">I")
TAG = "$"


class WireError(ValueError):
    """A value that cannot travel to or from a worker, or a broken frame."""


def encode(value: Any) -> Any:  # noqa: C901  (one branch per supported type reads best)
    """A JSON-able form of ``value``; raise WireError for types that cannot travel."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {TAG: "int", "v": str(value)}  # str() caps at 4300 digits
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {TAG: "set" if isinstance(value, set) else "frozenset", "v": [encode(v) for v in value]}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, bytes):
        return {TAG: "bytes", "v": value.hex()}
    raise WireError(f"类型 {type(value).__name__} 的值不能在沙箱与流程之间传递")


_DECODERS: dict[str, Any] = {
    "int": int, "tuple": lambda v: tuple(decode(x) for x in v), "set": lambda v: {decode(x) for x in v},
    "frozenset": lambda v: frozenset(decode(x) for x in v), "decimal": Decimal,
    "datetime": datetime.fromisoformat, "date": date.fromisoformat, "time": time.fromisoformat,
    "timedelta": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]), "bytes": bytes.fromhex,
    "dict": lambda v: {decode(k): decode(x) for k, x in v},
}


def decode(value: Any) -> Any:
    """The value :func:`encode` was given."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if TAG in value:
            try:
                return _DECODERS[value[TAG]](value["v"])
            except (KeyError, TypeError, ValueError) as exc:
                raise WireError(f"无法解读的值：{value[TAG]!r}") from exc
        return {k: decode(v) for k, v in value.items()}
    return value


def dumps(message: dict[str, Any]) -> bytes:
    """One frame: a 4-byte length and the message as UTF-8 JSON."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def loads(body: bytes) -> dict[str, Any]:
    message = json.loads(body)
    if not isinstance(message, dict):
        raise WireError("沙箱消息格式错误")
    return message


def read_exactly(fd: int, size: int) -> bytes | None:
    """Read ``size`` bytes from a blocking descriptor; None at end of file."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
