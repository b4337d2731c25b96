"""Typed system parameters: a catalogue of defaults in code, values in the database, cached per process.

Each domain declares its parameters with :func:`define` at import time; ``flask seed base`` inserts
the missing ones. Reads go through a per-process cache that re-checks the database's cache
generation at most every ``RECHECK_SECONDS``, so 刷新系统缓存 in one worker reaches the others.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update

from app.admin.models import CacheGeneration, ParamType, SystemParameter
from app.database import DbSession
from app.errors import ValidationFailed
from app.extensions import db

RECHECK_SECONDS = 30.0
GENERATION_KEY = "system"


@dataclass(frozen=True)
class ParamSpec:
    key: str
    value_type: str
    default: Any
    label: str
    description: str
    section: str
    minimum: int | None = None


CATALOGUE: dict[str, ParamSpec] = {}


def define(key: str, value_type: str, default: Any, label: str, description: str = "",
           section: str = "系统", minimum: int | None = None) -> str:
    """Declare a parameter with its type and default; returns the key for use as a constant."""
    if value_type not in set(ParamType):
        raise ValueError(f"unknown parameter type {value_type}")
    CATALOGUE[key] = ParamSpec(key, value_type, default, label, description, section, minimum)
    return key


def parse(value_type: str, raw: str) -> Any:
    """Convert a stored or submitted text value to its Python type; raise ValidationFailed if it is not one."""
    raw = raw.strip()
    try:
        if value_type == "int":
            return int(raw)
        if value_type == "decimal":
            return Decimal(raw)
        if value_type == "bool":
            lowered = raw.lower()
            if lowered in {"1", "true", "yes", "on", "是"}:
                return True
            if lowered in {"0", "false", "no", "off", "否", ""}:
                return False
            raise ValueError(raw)
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed(f"参数值“{raw}”不是有效的{ParamType(value_type).label}") from exc
    return raw


def render(value: Any) -> str:
    """Format a typed value for storage."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Cache:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.generation = -1
        self.checked_at = 0.0
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.values = {}
            self.generation = -1
            self.checked_at = 0.0


_cache = _Cache()


def _current_generation(session: DbSession) -> int:
    value = session.scalar(select(CacheGeneration.generation).where(CacheGeneration.name == GENERATION_KEY))
    return value or 0


def _load(session: DbSession) -> None:
    now = time.monotonic()
    if _cache.generation >= 0 and now - _cache.checked_at < RECHECK_SECONDS:
        return
    generation = _current_generation(session)
    if generation != _cache.generation:
        rows = session.execute(select(SystemParameter.key, SystemParameter.value, SystemParameter.value_type))
        values = {key: parse(kind, value) for key, value, kind in rows}
        with _cache.lock:
            _cache.values = values
            _cache.generation = generation
    _cache.checked_at = now


def get(key: str, session: DbSession | None = None) -> Any:
    """Return a parameter's typed value (database value, else the catalogue default)."""
    _load(session or db.session)
    if key in _cache.values:
        return _cache.values[key]
    return CATALOGUE[key].default


def get_int(key: str, session: DbSession | None = None) -> int:
    return int(get(key, session))


def bump_generation(session: DbSession) -> None:
    """Tell every process to reload cached parameters and dictionaries (刷新系统缓存)."""
    updated = session.execute(
        update(CacheGeneration).where(CacheGeneration.name == GENERATION_KEY)
        .values(generation=CacheGeneration.generation + 1)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CacheGeneration(name=GENERATION_KEY, generation=1))
    _cache.clear()


def set_value(session: DbSession, key: str, raw: str) -> SystemParameter:
    """Validate and store a new value for a parameter; refresh the caches."""
    param = session.get(SystemParameter, key)
    if param is None:
        raise ValidationFailed(f"参数 {key} 不存在")
    value = parse(param.value_type, raw)
    spec = CATALOGUE.get(key)
    if spec and spec.minimum is not None and value < spec.minimum:
        raise ValidationFailed(f"参数“{param.label}”不能小于 {spec.minimum}")
    param.value = render(value)
    session.flush()
    bump_generation(session)
    return param


def sync_catalogue(session: DbSession) -> int:
    """Insert parameters declared in code but missing in the database; return how many were added."""
    existing = set(session.scalars(select(SystemParameter.key)))
    added = 0
    for spec in CATALOGUE.values():
        if spec.key in existing:
            continue
        session.add(SystemParameter(key=spec.key, value=render(spec.default), value_type=spec.value_type,
                                    label=spec.label, description=spec.description, section=spec.section))
        added += 1
    session.flush()
    if added:
        bump_generation(session)
    return added


def clear_cache() -> None:
    """Forget cached values in this process (tests, after a refresh)."""
    _cache.clear()
