"""The core every engine step goes through: restore a workflow, run an action on it, save its state, bring the
task projection and message subscriptions up to date, record history and incidents, and route the messages it
throws. The gateway's operations and version migration are built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.workflow import engine, operations, routing, serialization, specs, store
from app.workflow.models import (
    InstanceStatus,
    MessageLog,
    MessageSubscription,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
    WorkflowTask,
)

MAX_MESSAGE_DEPTH = 10
LIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING)


def parsed_model(model: ProcessModel) -> specs.ParsedModel:
    return specs.SPECS.get(model.sha256, model.key, lambda: (model.bpmn_xml, list(model.dmn_xml or [])))


def load_workflow(instance: ProcessInstance) -> Any:
    """Restore an instance's workflow (for the gateway and the diagram view)."""
    return serialization.load(instance.serialized, parsed_model(instance.model))


def plain(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    plain: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Decimal | datetime) or hasattr(value, "isoformat"):
            plain[key] = str(value)
        elif isinstance(value, str | int | float | bool) or value is None:
            plain[key] = value
        else:
            plain[key] = str(value)[:200]
    return plain


def record_event(session: DbSession, instance: ProcessInstance, kind: str, actor: User | None, **fields: Any) -> None:
    store.add_event(session, instance.id, kind, actor.id if actor else None, actor.name if actor else "系统", **fields)


def save(session: DbSession, instance: ProcessInstance, workflow: Any, error: engine.EngineError | None,
         ready: list[Any] | None = None, projection: Callable[[InstanceStatus], list[Any]] | None = None) -> None:
    """Store the workflow's state and status; ``projection(new status)`` gives the task and subscription writes
    that go with it."""
    now = clock.now()
    values: dict[str, Any] = {"serialized": serialization.dump(workflow), "updated_at": now,
                              "serializer_version": serialization.SERIALIZER_VERSION}
    if instance.status == InstanceStatus.CANCELLED:
        values.update(next_timer_at=None)
    elif error is not None:
        values.update(status=InstanceStatus.ERROR, error_message=error.message, next_timer_at=None)
    elif engine.is_completed(workflow):
        values.update(status=InstanceStatus.COMPLETED, completed_at=now, next_timer_at=None, error_message="")
    else:
        if ready is None:
            ready = engine.ready_human_tasks(workflow)
        values.update(status=InstanceStatus.RUNNING if ready else InstanceStatus.WAITING,
                      next_timer_at=engine.next_timer_at(workflow), error_message="")
    session.flush()  # ORM-side changes of the instance (new row, cancel, migration) go first
    along = projection(InstanceStatus(values.get("status", instance.status))) if projection else []
    store.save_instance(session, instance, values, along)


@dataclass(frozen=True)
class Snapshot:
    """The human tasks and message waits a workflow had before an action, so the projection can be
    brought up to date by difference instead of re-reading every row."""

    ready: frozenset[str]
    waits: tuple[tuple[str, str], ...]
    tasks: tuple[Any, ...] = ()

    @classmethod
    def of(cls, workflow: Any) -> Snapshot:
        tasks, waits = engine.active_state(workflow)
        return cls(frozenset(engine.task_guid(t) for t in tasks), tuple(waits), tuple(tasks))


def _projection(session: DbSession, instance: ProcessInstance, status: InstanceStatus, before: Snapshot | None,
                handled: str, after: Snapshot | None) -> list[Any]:
    """The writes bringing the task table and message subscriptions in line with the workflow's state.

    With a ``before`` snapshot only the differences are written (the usual case); without one every
    open row is compared (after retry, migration, cancellation).
    """
    if status == InstanceStatus.ERROR:
        return []  # rows stay as they were; nothing can be completed until the incident is resolved
    if status not in LIVE:
        after = Snapshot(frozenset(), ())
    assert after is not None
    if before is None:
        open_guids = set(session.scalars(select(WorkflowTask.task_guid).where(
            WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))
        waits_changed = True
    else:
        open_guids = set(before.ready) - {handled}
        waits_changed = before.waits != after.waits
    writes: list[Any] = []
    vanished = open_guids - after.ready
    if vanished:
        writes.append(store.cancel_tasks(instance.id, vanished))
    fresh = [t for t in after.tasks if engine.task_guid(t) not in open_guids]
    if fresh:
        rows, extra = routing.task_rows(session, instance, fresh)
        if extra:  # further candidates need the rows' ids: insert them now (rare)
            store.add_tasks(session, rows)
            routing.write_candidates(session, extra)
        else:
            writes.append(store.insert_tasks(rows))
    if waits_changed:
        writes.extend(store.subscription_writes(instance.id, after.waits))
    return writes


def run(session: DbSession, instance: ProcessInstance, workflow: Any, actor: User | None,
        action: Callable[[], None], depth: int = 0, raise_errors: bool = False, handled: str = "",
        full_sync: bool = False, before: Snapshot | None = None, administrative: bool = False) -> None:
    """Run an engine action, then save, project, record an incident on failure, and route messages.

    With ``raise_errors`` an engine failure propagates instead (the scheduler retries with back-off
    before it records an incident). ``handled`` names the task the action completed. ``administrative``: a
    monitor's retry, repair or migration — the monitor acts on the process, not on its customers, so the
    service operations it runs act as the instance's owner (as for a timer), not as the monitor.
    """
    if before is None and not full_sync:
        before = Snapshot.of(workflow)
    error: engine.EngineError | None = None
    with operations.running({"session": session, "instance": instance,
                             "actor": None if administrative else actor}):
        try:
            action()
        except engine.EngineError as exc:
            if raise_errors:
                raise
            error = exc
    messages = [] if error else engine.outgoing_messages(workflow)
    after = None if error else Snapshot.of(workflow)
    save(session, instance, workflow, error, list(after.tasks) if after else None,
          lambda status: _projection(session, instance, status, before, handled, after))
    if error is not None:
        record_event(session, instance, "error", actor, element_id=error.element_id[:100], comment=error.message)
    for message in messages:
        _deliver(session, message.name, message.correlation, message.payload, actor, instance.id, depth + 1)


def send_message(session: DbSession, name: str, correlation: dict[str, Any], payload: dict[str, Any] | None = None,
                 actor: User | None = None, source_id: int | None = None) -> list[int]:
    """Deliver a message to every instance waiting for ``name`` with this correlation; returns their ids.

    The correlation values travel in the payload too, as they do in messages thrown by a diagram.
    ``source_id``: the instance sending it from a service task, which never receives its own message.
    A message nobody waits for is recorded in the message log, not lost. An instance in 异常 keeps the
    message (a ``message_held`` event) and receives it when it is retried.
    """
    body = {**correlation, **(payload or {})}
    return _deliver(session, name, engine.canonical_correlation(correlation), body, actor, source_id, 0)


def delivery(workflow: Any, name: str, payload: dict[str, Any]) -> Callable[[], None]:
    return lambda: engine.deliver(workflow, name, payload)


def _deliver(session: DbSession, name: str, correlation: str, payload: dict[str, Any], actor: User | None,
             source_id: int | None, depth: int) -> list[int]:
    delivered: list[int] = []
    if depth > MAX_MESSAGE_DEPTH:
        session.add(MessageLog(message_name=name, correlation=correlation, payload=plain(payload),
                               source_instance_id=source_id, delivered_to=[], matched=False))
        return delivered
    targets = list(session.scalars(
        select(MessageSubscription.instance_id).where(MessageSubscription.message_name == name,
                                                      MessageSubscription.correlation == correlation)
        .distinct().order_by(MessageSubscription.instance_id)))
    held = False
    for instance_id in targets:
        if instance_id == source_id:
            continue
        instance = session.get(ProcessInstance, instance_id)
        if instance is not None and instance.status == InstanceStatus.ERROR:
            record_event(session, instance, "message_held", actor, comment=name,
                   data={"correlation": correlation, "payload": plain(payload)})
            held = True
        if instance is None or instance.status not in LIVE:
            continue
        workflow = load_workflow(instance)
        record_event(session, instance, "message", actor, comment=name, data=plain(payload))
        run(session, instance, workflow, actor, delivery(workflow, name, payload), depth)
        delivered.append(instance_id)
    session.add(MessageLog(message_name=name, correlation=correlation, payload=plain(payload),
                           source_instance_id=source_id, delivered_to=delivered, matched=bool(delivered) or held))
    session.flush()
    return delivered


def refresh_task_rows(session: DbSession, instance: ProcessInstance) -> None:
    """Rewrite open rows from the current spec (names, form keys, lanes change when a version is migrated)."""
    rows, extra = routing.task_rows(session, instance, engine.ready_human_tasks(load_workflow(instance)))
    by_guid = {row["task_guid"]: row for row in rows}
    for task in session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                           WorkflowTask.status == TaskStatus.OPEN)):
        fresh = by_guid.get(task.task_guid)
        if fresh is not None:
            for key in ("element_id", "name", "lane", "candidate_role", "form_key"):
                setattr(task, key, fresh[key])
    session.flush()
    routing.write_candidates(session, {guid: extra.get(guid, routing.Candidates()) for guid in by_guid},
                             replace=True)
