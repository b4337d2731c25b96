"""Writing the audit log: automatic row diffs for ``Audited`` models plus explicit business events."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app import clock
from app.audit.models import Audited, AuditLog
from app.database import DbSession

MASK = "***"


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    ip: str = ""


SYSTEM = Actor(None, "系统")
_actor_override: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute audit rows written inside the block to ``actor`` (scheduler jobs, CLI, tests)."""
    token = _actor_override.set(actor)
    try:
        yield
    finally:
        _actor_override.reset(token)


def current_actor() -> Actor:
    """Return who is acting now: an override, the logged-in user of the request, or the system."""
    override = _actor_override.get()
    if override is not None:
        return override
    if has_request_context():
        from flask_login import current_user

        ip = request.remote_addr or ""
        if current_user and current_user.is_authenticated:
            return Actor(current_user.id, current_user.name, ip)
        return Actor(None, "匿名", ip)
    return SYSTEM


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _snapshot(obj: Any, only_loaded: bool = True) -> dict[str, Any]:
    state = inspect(obj)
    exclude = type(obj).__audit_exclude__
    data: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if only_loaded and attr.key in state.unloaded:
            continue
        value = getattr(obj, attr.key)
        data[attr.key] = MASK if attr.key in exclude else _jsonable(value)
    return data


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    exclude = type(obj).__audit_exclude__
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        masked = attr.key in exclude
        before[attr.key] = MASK if masked else _jsonable(old)
        after[attr.key] = MASK if masked else _jsonable(new)
    return before, after


def _object_id(obj: Any) -> str:
    state = inspect(obj)
    # Rows inserted by this flush have their primary key but no identity key yet (after_flush runs first).
    identity = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
    return ",".join(str(part) for part in identity if part is not None)


def _row(actor: Actor, action: str, obj: Any, before: Any, after: Any, summary: str = "") -> dict[str, Any]:
    return {
        "at": clock.now(),
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action,
        "object_type": type(obj).__tablename__ if obj is not None else "",
        "object_id": _object_id(obj) if obj is not None else "",
        "summary": summary[:500],
        "before": before,
        "after": after,
        "ip": actor.ip,
    }


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _ctx: UOWTransaction) -> None:
    rows: list[dict[str, Any]] = []
    actor: Actor | None = None
    for obj in session.new:
        if isinstance(obj, Audited):
            actor = actor or current_actor()
            rows.append(_row(actor, "create", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                actor = actor or current_actor()
                rows.append(_row(actor, "update", obj, before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            actor = actor or current_actor()
            rows.append(_row(actor, "delete", obj, _snapshot(obj), None))
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def record(session: DbSession, action: str, obj: Any = None, *, summary: str = "",
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           object_type: str = "", object_id: str | int = "") -> None:
    """Write one business event (login, force logout, deploy, bulk move …) to the audit log."""
    row = _row(current_actor(), action, obj, before, after, summary)
    if object_type:
        row["object_type"] = object_type
    if object_id != "":
        row["object_id"] = str(object_id)
    session.connection().execute(insert(AuditLog), [row])
