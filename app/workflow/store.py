"""Writes of the engine's state in plain Core SQL on the session's connection.

A task completion is on every approver's critical path, so its writes skip the ORM unit of work:
one conditional UPDATE claims the task, one UPDATE with an optimistic-lock check saves the instance,
and history, task-projection and subscription rows are inserted directly. ORM objects already in the
session are kept in step with ``set_committed_value``.

On PostgreSQL the claim and its history row go as one statement of data-modifying CTEs (built once). The
instance save with the task rows and subscriptions it brings went as one too, until measured: assembled
per completion, that statement was compiled afresh every time (its multi-row INSERT cannot be cached) and
cost 1.3 ms more than the two round trips it saved on a local server (issue 16, docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import JSON, Integer, String, Text, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.dml import Insert, UpdateBase

from app import clock
from app.database import DbSession, UTCDateTime, is_postgres
from app.workflow.models import (
    InstanceEvent,
    InstanceLink,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    TaskStatus,
    WorkflowTask,
)

_instances: Any = ProcessInstance.__table__
_tasks: Any = WorkflowTask.__table__
_events: Any = InstanceEvent.__table__
_subscriptions: Any = MessageSubscription.__table__
_links: Any = InstanceLink.__table__

# Built once: these run on every completion, and constructing a statement costs as much as running it.
_CLAIM = (update(_tasks)
          .where(_tasks.c.id == bindparam("p_id"), _tasks.c.status == TaskStatus.OPEN.value)
          .values(status=TaskStatus.COMPLETED.value, completed_at=bindparam("p_at"), completed_by_id=bindparam("p_by"),
                  outcome=bindparam("p_outcome"), outcome_label=bindparam("p_outcome_label"),
                  comment=bindparam("p_comment"), assignee_id=bindparam("p_assignee")))
SAVED_COLUMNS = ("serialized", "serializer_version", "updated_at", "status", "error_message", "next_timer_at",
                 "completed_at")
_SAVE = (update(_instances)
         .where(_instances.c.id == bindparam("p_id"), _instances.c.version_id == bindparam("p_version"))
         .values({**{name: bindparam(name) for name in SAVED_COLUMNS}, "version_id": bindparam("p_next")}))
_INSERT_EVENT = insert(_events)
_INSERT_TASKS = insert(_tasks)
_INSERT_SUBSCRIPTIONS = insert(_subscriptions)

_EVENT_COLUMNS = ("instance_id", "kind", "actor_id", "actor_name", "at", "element_id", "task_name", "outcome",
                  "comment", "data")
_EVENT_TYPES: dict[str, Any] = {"instance_id": Integer(), "actor_id": Integer(), "at": UTCDateTime(), "data": JSON(),
                                 "comment": Text()}
# PostgreSQL: the claim and its history row in one statement; the INSERT's row count says whether it won.
# Every value a named parameter: anonymous ones inside a DML CTE came out empty on execution (SQLAlchemy 2.1).
_CLAIMED = (update(_tasks)
            .where(_tasks.c.id == bindparam("p_id"), _tasks.c.status == bindparam("p_open"))
            .values(status=bindparam("p_done"), completed_at=bindparam("p_at"), completed_by_id=bindparam("p_by"),
                    outcome=bindparam("p_outcome"), outcome_label=bindparam("p_outcome_label"),
                    comment=bindparam("p_comment"), assignee_id=bindparam("p_assignee"))
            .returning(_tasks.c.id).cte("claimed"))
_CLAIM_AND_RECORD = insert(_events).from_select(list(_EVENT_COLUMNS), select(
    *(bindparam(f"e_{name}", type_=_EVENT_TYPES.get(name, String()))
      for name in _EVENT_COLUMNS)).select_from(_CLAIMED)).returning(_events.c.id)


def event_row(instance_id: int, kind: str, actor_id: int | None, actor_name: str, **fields: Any) -> dict[str, Any]:
    """An instance_event row: what happened, who did it, now."""
    return {"element_id": "", "task_name": "", "outcome": "", "comment": "", "data": None, **fields,
            "instance_id": instance_id, "kind": kind, "actor_id": actor_id, "actor_name": actor_name,
            "at": clock.now()}


def claim_completion(session: DbSession, task: WorkflowTask, user_id: int, outcome: str, comment: str,
                     event: dict[str, Any], outcome_label: str = "") -> bool:
    """Mark an open task completed by ``user_id`` and record ``event``; False when someone else got there first."""
    now = clock.now()
    assignee = task.assignee_id or user_id
    params = {"p_id": task.id, "p_at": now, "p_by": user_id, "p_outcome": outcome[:50],
              "p_outcome_label": outcome_label[:50], "p_comment": comment, "p_assignee": assignee}
    conn = session.connection()
    if is_postgres():
        won = len(conn.execute(_CLAIM_AND_RECORD, {**params, "p_open": TaskStatus.OPEN.value,
                                                   "p_done": TaskStatus.COMPLETED.value,
                                                   **{f"e_{k}": event[k] for k in _EVENT_COLUMNS}}).all())
    else:
        won = conn.execute(_CLAIM, params).rowcount
        if won == 1:
            conn.execute(_INSERT_EVENT, [event])
    if won != 1:
        return False
    for key, value in (("status", TaskStatus.COMPLETED), ("completed_at", now), ("completed_by_id", user_id),
                       ("outcome", outcome[:50]), ("outcome_label", outcome_label[:50]), ("comment", comment),
                       ("assignee_id", assignee)):
        set_committed_value(task, key, value)
    return True


@dataclass(frozen=True)
class Rows:
    """Rows to insert with a prebuilt INSERT, sent as an executemany of its cached form: SQLAlchemy cannot cache
    a multi-VALUES INSERT, and compiling one on every completion cost half a millisecond of Python."""

    insert: Insert
    rows: list[dict[str, Any]]


Write: TypeAlias = UpdateBase | Rows  # what goes along an instance save


def _run(conn: Connection, write: Write) -> None:
    if isinstance(write, Rows):
        conn.execute(write.insert, write.rows)
    else:
        conn.execute(write)


def save_instance(session: DbSession, instance: ProcessInstance, values: dict[str, Any],
                  along: Sequence[Write] = ()) -> None:
    """Write the engine-owned instance columns with the optimistic-lock check on ``version_id``, then the
    ``along`` writes (the projection of the new state)."""
    version = instance.version_id
    merged = {name: values.get(name, getattr(instance, name)) for name in SAVED_COLUMNS}
    params = {**merged, "status": InstanceStatus(merged["status"]).value, "p_id": instance.id, "p_version": version,
              "p_next": version + 1}
    conn = session.connection()
    if conn.execute(_SAVE, params).rowcount != 1:
        raise StaleDataError(f"process instance {instance.id} was changed by someone else")
    for write in along:
        _run(conn, write)
    for key, value in merged.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "version_id", version + 1)


def add_event(session: DbSession, instance_id: int, kind: str, actor_id: int | None, actor_name: str,
              **fields: Any) -> None:
    session.connection().execute(_INSERT_EVENT, [event_row(instance_id, kind, actor_id, actor_name, **fields)])


def add_tasks(session: DbSession, rows: list[dict[str, Any]]) -> None:
    session.connection().execute(_INSERT_TASKS, rows)


def insert_tasks(rows: list[dict[str, Any]]) -> Rows:
    """The INSERT of task-projection rows, to run along an instance save."""
    return Rows(_INSERT_TASKS, rows)


def cancel_open_tasks(session: DbSession, instance_id: int, guids: set[str] | None = None,
                      now: datetime | None = None) -> None:
    session.connection().execute(cancel_tasks(instance_id, guids, now))


def cancel_tasks(instance_id: int, guids: set[str] | None = None, now: datetime | None = None) -> UpdateBase:
    """The UPDATE withdrawing an instance's open tasks (those of ``guids`` only, when given)."""
    stmt = update(_tasks).where(_tasks.c.instance_id == instance_id, _tasks.c.status == TaskStatus.OPEN.value)
    if guids is not None:
        stmt = stmt.where(_tasks.c.task_guid.in_(sorted(guids)))
    return stmt.values(status=TaskStatus.CANCELLED.value, completed_at=now or clock.now())


def replace_subscriptions(session: DbSession, instance_id: int, waits: tuple[tuple[str, str], ...]) -> None:
    conn = session.connection()
    for write in subscription_writes(instance_id, waits):
        _run(conn, write)


def subscription_writes(instance_id: int, waits: tuple[tuple[str, str], ...]) -> list[Write]:
    """The DELETE of an instance's message subscriptions and the INSERT of its current ones."""
    writes: list[Write] = [delete(_subscriptions).where(_subscriptions.c.instance_id == instance_id)]
    if waits:
        now = clock.now()
        writes.append(Rows(_INSERT_SUBSCRIPTIONS, [{"instance_id": instance_id, "message_name": name,
                                                    "correlation": correlation, "created_at": now}
                                                   for name, correlation in waits]))
    return writes


def add_links(session: DbSession, instance_id: int, business_keys: list[str]) -> None:
    session.connection().execute(insert(_links), [{"instance_id": instance_id, "business_key": key[:100]}
                                                  for key in business_keys])


def rename_business_keys(session: DbSession, old_keys: list[str], new_key: str) -> None:
    """Re-point instances, tasks and links from ``old_keys`` to ``new_key`` (set-based, duplicates dropped)."""
    conn = session.connection()
    conn.execute(update(_instances).where(_instances.c.business_key.in_(old_keys)).values(business_key=new_key))
    conn.execute(update(_tasks).where(_tasks.c.business_key.in_(old_keys)).values(business_key=new_key))
    already = select(_links.c.instance_id).where(_links.c.business_key == new_key)
    conn.execute(delete(_links).where(_links.c.business_key.in_(old_keys), _links.c.instance_id.in_(already)))
    conn.execute(update(_links).where(_links.c.business_key.in_(old_keys)).values(business_key=new_key))
