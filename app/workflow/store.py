"""Writes of the engine's state in plain Core SQL on the session's connection.

A task completion is on every approver's critical path, so its writes skip the ORM unit of work:
one conditional UPDATE claims the task, one UPDATE with an optimistic-lock check saves the instance,
and history, task-projection and subscription rows are inserted directly. ORM objects already in the
session are kept in step with ``set_committed_value``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.database import DbSession
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
                  outcome=bindparam("p_outcome"), comment=bindparam("p_comment"), assignee_id=bindparam("p_assignee")))
SAVED_COLUMNS = ("serialized", "serializer_version", "updated_at", "status", "error_message", "next_timer_at",
                 "completed_at")
_SAVE = (update(_instances)
         .where(_instances.c.id == bindparam("p_id"), _instances.c.version_id == bindparam("p_version"))
         .values({**{name: bindparam(name) for name in SAVED_COLUMNS}, "version_id": bindparam("p_next")}))
_INSERT_EVENT = insert(_events)
_INSERT_TASKS = insert(_tasks)

def claim_completion(session: DbSession, task: WorkflowTask, user_id: int, outcome: str, comment: str) -> bool:
    """Mark an open task completed by ``user_id``; False when someone else got there first."""
    now = clock.now()
    assignee = task.assignee_id or user_id
    result = session.connection().execute(_CLAIM, {"p_id": task.id, "p_at": now, "p_by": user_id,
                                                   "p_outcome": outcome[:50], "p_comment": comment,
                                                   "p_assignee": assignee})
    if result.rowcount != 1:
        return False
    for key, value in (("status", TaskStatus.COMPLETED), ("completed_at", now), ("completed_by_id", user_id),
                       ("outcome", outcome[:50]), ("comment", comment), ("assignee_id", assignee)):
        set_committed_value(task, key, value)
    return True


def save_instance(session: DbSession, instance: ProcessInstance, values: dict[str, Any]) -> None:
    """Write the engine-owned instance columns with the optimistic-lock check on ``version_id``."""
    version = instance.version_id
    merged = {name: values.get(name, getattr(instance, name)) for name in SAVED_COLUMNS}
    params = {**merged, "status": InstanceStatus(merged["status"]).value, "p_id": instance.id, "p_version": version,
              "p_next": version + 1}
    result = session.connection().execute(_SAVE, params)
    if result.rowcount != 1:
        raise StaleDataError(f"process instance {instance.id} was changed by someone else")
    for key, value in merged.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "version_id", version + 1)


def add_event(session: DbSession, instance_id: int, kind: str, actor_id: int | None, actor_name: str,
              **fields: Any) -> None:
    row = {"element_id": "", "task_name": "", "outcome": "", "comment": "", "data": None, **fields}
    session.connection().execute(_INSERT_EVENT, [{"instance_id": instance_id, "kind": kind, "actor_id": actor_id,
                                                    "actor_name": actor_name, "at": clock.now(), **row}])


def add_tasks(session: DbSession, rows: list[dict[str, Any]]) -> None:
    session.connection().execute(_INSERT_TASKS, rows)


def cancel_open_tasks(session: DbSession, instance_id: int, guids: set[str] | None = None,
                      now: datetime | None = None) -> None:
    stmt = update(_tasks).where(_tasks.c.instance_id == instance_id, _tasks.c.status == TaskStatus.OPEN.value)
    if guids is not None:
        stmt = stmt.where(_tasks.c.task_guid.in_(guids))
    session.connection().execute(stmt.values(status=TaskStatus.CANCELLED.value, completed_at=now or clock.now()))


def replace_subscriptions(session: DbSession, instance_id: int, waits: tuple[tuple[str, str], ...]) -> None:
    conn = session.connection()
    conn.execute(delete(_subscriptions).where(_subscriptions.c.instance_id == instance_id))
    if waits:
        now = clock.now()
        conn.execute(insert(_subscriptions), [{"instance_id": instance_id, "message_name": name,
                                               "correlation": correlation, "created_at": now}
                                              for name, correlation in waits])


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
