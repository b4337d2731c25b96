"""The one gateway to the engine: start, complete, claim/release/delegate, messages, timers, cancel,
retry and migration. Every call changes the instance, its task projection, subscriptions and history
in the caller's transaction, together with whatever domain changes the call causes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock, signals
from app.auth.models import User, UserStatus
from app.database import DbSession, UTCDateTime
from app.errors import Conflict, NotFound, ValidationFailed
from app.workflow import engine, operations, routing, serialization, specs, store
from app.workflow.deploy import latest_or_404
from app.workflow.models import (
    InstanceEvent,
    InstanceLink,
    InstanceStatus,
    MessageLog,
    MessageSubscription,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
    WorkflowTask,
)

TASK_TAKEN = "该任务已被他人处理"
# A task with its instance (workflow state included) and model version (XML deferred), loaded in one round
# trip for completion.
_LOAD_TASK = (select(WorkflowTask).where(WorkflowTask.id == bindparam("task_id"))
              .options(joinedload(WorkflowTask.instance).undefer(ProcessInstance.serialized),
                       joinedload(WorkflowTask.instance).joinedload(ProcessInstance.model)))
MAX_MESSAGE_DEPTH = 10
LIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING)


# --- loading and saving ----------------------------------------------------------------------------


def parsed_model(model: ProcessModel) -> specs.ParsedModel:
    return specs.SPECS.get(model.sha256, model.key, lambda: (model.bpmn_xml, list(model.dmn_xml or [])))


def load_workflow(instance: ProcessInstance) -> Any:
    """Restore an instance's workflow (for the gateway and the diagram view)."""
    return serialization.load(instance.serialized, parsed_model(instance.model))


def _plain(data: dict[str, Any] | None) -> dict[str, Any] | None:
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


def _event(session: DbSession, instance: ProcessInstance, kind: str, actor: User | None, **fields: Any) -> None:
    store.add_event(session, instance.id, kind, actor.id if actor else None, actor.name if actor else "系统", **fields)


def _save(session: DbSession, instance: ProcessInstance, workflow: Any, error: engine.EngineError | None,
          ready: list[Any] | None = None, projection: Callable[[InstanceStatus], list[Any]] | None = None) -> None:
    """Store the workflow's state and status; ``projection(new status)`` gives the task and subscription writes
    that go with it (one round trip on PostgreSQL)."""
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
class _Snapshot:
    """The human tasks and message waits a workflow had before an action, so the projection can be
    brought up to date by difference instead of re-reading every row."""

    ready: frozenset[str]
    waits: tuple[tuple[str, str], ...]
    tasks: tuple[Any, ...] = ()

    @classmethod
    def of(cls, workflow: Any) -> _Snapshot:
        tasks, waits = engine.active_state(workflow)
        return cls(frozenset(engine.task_guid(t) for t in tasks), tuple(waits), tuple(tasks))


def _projection(session: DbSession, instance: ProcessInstance, status: InstanceStatus, before: _Snapshot | None,
                handled: str, after: _Snapshot | None) -> list[Any]:
    """The writes bringing the task table and message subscriptions in line with the workflow's state.

    With a ``before`` snapshot only the differences are written (the usual case); without one every
    open row is compared (after retry, migration, cancellation).
    """
    if status == InstanceStatus.ERROR:
        return []  # rows stay as they were; nothing can be completed until the incident is resolved
    if status not in LIVE:
        after = _Snapshot(frozenset(), ())
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


def _run(session: DbSession, instance: ProcessInstance, workflow: Any, actor: User | None,
         action: Callable[[], None], depth: int = 0, raise_errors: bool = False, handled: str = "",
         full_sync: bool = False, before: _Snapshot | None = None) -> None:
    """Run an engine action, then save, project, record an incident on failure, and route messages.

    With ``raise_errors`` an engine failure propagates instead (the scheduler retries with back-off
    before it records an incident). ``handled`` names the task the action completed.
    """
    if before is None and not full_sync:
        before = _Snapshot.of(workflow)
    error: engine.EngineError | None = None
    with operations.running({"session": session, "instance": instance, "actor": actor}):
        try:
            action()
        except engine.EngineError as exc:
            if raise_errors:
                raise
            error = exc
    messages = [] if error else engine.outgoing_messages(workflow)
    after = None if error else _Snapshot.of(workflow)
    _save(session, instance, workflow, error, list(after.tasks) if after else None,
          lambda status: _projection(session, instance, status, before, handled, after))
    if error is not None:
        _event(session, instance, "error", actor, element_id=error.element_id[:100], comment=error.message)
    for message in messages:
        _deliver(session, message.name, message.correlation, message.payload, actor, instance.id, depth + 1)


# --- starting and completing -----------------------------------------------------------------------


def start(session: DbSession, process_key: str, *, business_key: str = "", title: str = "",
          org_id: int | None = None, owner_id: int | None = None, data: dict[str, Any] | None = None,
          actor: User | None = None, related: Sequence[str] = ()) -> ProcessInstance:
    """Start the latest version of a process with ``data`` on its start task.

    ``related`` lists further business keys the instance concerns (e.g. ``customer:17`` for a trade).
    """
    model = latest_or_404(session, process_key)
    return start_model(session, model, business_key=business_key, title=title, org_id=org_id, owner_id=owner_id,
                       data=data, actor=actor, related=related)


def start_model(session: DbSession, model: ProcessModel, *, business_key: str = "", title: str = "",
                org_id: int | None = None, owner_id: int | None = None, data: dict[str, Any] | None = None,
                actor: User | None = None, related: Sequence[str] = ()) -> ProcessInstance:
    """Start a specific process-model version."""
    workflow = engine.new_workflow(parsed_model(model), dict(data or {}))
    instance = ProcessInstance(model_id=model.id, model=model, process_key=model.key, business_key=business_key,
                               title=(title or model.name)[:200], org_id=org_id, owner_id=owner_id, serialized="{}",
                               serializer_version=serialization.SERIALIZER_VERSION,
                               started_by_id=actor.id if actor else None, started_at=clock.now())
    session.add(instance)
    session.flush()
    keys = sorted({key for key in (business_key, *related) if key})
    if keys:
        store.add_links(session, instance.id, keys)
    _event(session, instance, "start", actor, data=_plain(data))
    _run(session, instance, workflow, actor, lambda: engine.step(workflow))
    return instance


def instances_about(session: DbSession, business_key: str, limit: int = 50) -> list[ProcessInstance]:
    """Instances concerning a business object (by their own key or a related one), newest first."""
    return list(session.scalars(
        select(ProcessInstance).join(InstanceLink, InstanceLink.instance_id == ProcessInstance.id)
        .where(InstanceLink.business_key == business_key).order_by(ProcessInstance.id.desc()).limit(limit)))


def rename_business_keys(session: DbSession, old_keys: Sequence[str], new_key: str) -> None:
    """Point instances, their tasks and links at another business object (e.g. after a customer merge)."""
    if old_keys:
        store.rename_business_keys(session, list(old_keys), new_key)


def task_data(task: WorkflowTask) -> dict[str, Any]:
    """The data a human task sees (to pre-fill its form)."""
    return engine.task_data(load_workflow(task.instance), task.task_guid)


def can_act(session: DbSession, user: User, task: WorkflowTask) -> bool:
    """Tell whether the user may claim or complete the task: assignee, or candidate (``routing.is_candidate``)."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return routing.is_candidate(session, user, task)


def get_task(session: DbSession, task_id: int, user: User, *, for_action: bool = False) -> WorkflowTask:
    """Load a task the user may see (or act on); others look exactly like missing tasks."""
    task = session.get(WorkflowTask, task_id)
    if task is None:
        raise NotFound("任务不存在或您无权查看")
    visible = (can_act(session, user, task) or task.completed_by_id == user.id
               or task.delegated_from_id == user.id or (not for_action and routing.is_candidate(session, user, task)))
    if not visible:
        raise NotFound("任务不存在或您无权查看")
    return task


def complete_task(session: DbSession, task_id: int, user: User, data: dict[str, Any], *, outcome: str = "",
                  comment: str = "", outcome_label: str = "") -> WorkflowTask:
    """Complete a human task with typed form data; exactly one of two concurrent completions wins."""
    task = session.execute(_LOAD_TASK, {"task_id": task_id}).scalar_one_or_none()
    if task is None:
        raise NotFound("任务不存在或您无权查看")
    if not can_act(session, user, task):
        get_task(session, task_id, user)  # 404 when the task is not visible at all
        raise Conflict(TASK_TAKEN if task.status != TaskStatus.OPEN else "该任务已由他人认领")
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    instance = task.instance
    if instance.status not in LIVE:
        raise Conflict("流程处于异常或已结束状态，暂不能处理，请联系管理员")
    event = store.event_row(instance.id, "complete", user.id, user.name, element_id=task.element_id,
                            task_name=task.name, outcome=(outcome_label or outcome)[:50], comment=comment,
                            data=_plain(data))
    if not store.claim_completion(session, task, user.id, outcome, comment, event):
        raise Conflict(TASK_TAKEN)
    workflow = load_workflow(instance)
    before = _Snapshot.of(workflow)
    spiff_task = next((t for t in before.tasks if engine.task_guid(t) == task.task_guid), None)
    if spiff_task is None:
        raise Conflict(TASK_TAKEN)
    values = dict(data)
    values["outcome"] = outcome
    values["comment"] = comment
    _run(session, instance, workflow, user, lambda: engine.run_task(workflow, spiff_task, values),
         handled=task.task_guid, before=before)
    return task


def claim(session: DbSession, task_id: int, user: User) -> WorkflowTask:
    """Take a group task into my own inbox."""
    task = get_task(session, task_id, user, for_action=True)
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    now = clock.now()
    done = session.execute(
        update(WorkflowTask).where(WorkflowTask.id == task.id, WorkflowTask.status == TaskStatus.OPEN,
                                   WorkflowTask.assignee_id.is_(None)).values(assignee_id=user.id, claimed_at=now),
        execution_options={"synchronize_session": False},
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("该任务已被他人认领")
    store.add_event(session, task.instance_id, "claim", user.id, user.name, element_id=task.element_id,
                    task_name=task.name)
    _updated(task, assignee_id=user.id, claimed_at=now)
    return task


def _updated(task: WorkflowTask, **values: Any) -> None:
    """Tell the loaded task what a conditional UPDATE just wrote (instead of reading the row again)."""
    for key, value in values.items():
        set_committed_value(task, key, value)


def release(session: DbSession, task_id: int, user: User) -> WorkflowTask:
    """Give a claimed task back to the group."""
    task = get_task(session, task_id, user)
    done = session.execute(
        update(WorkflowTask).where(WorkflowTask.id == task.id, WorkflowTask.status == TaskStatus.OPEN,
                                   WorkflowTask.assignee_id == user.id)
        .values(assignee_id=None, delegated_from_id=None, claimed_at=None),  # waits for someone again
        execution_options={"synchronize_session": False},
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("只能退回自己认领的待办任务")
    store.add_event(session, task.instance_id, "release", user.id, user.name, element_id=task.element_id,
                    task_name=task.name)
    _updated(task, assignee_id=None, delegated_from_id=None, claimed_at=None)
    return task


def delegate(session: DbSession, task_id: int, user: User, to_user_id: int, comment: str = "") -> WorkflowTask:
    """Hand a task I may act on to another active colleague (委派)."""
    task = get_task(session, task_id, user, for_action=True)
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    if not can_act(session, user, task):
        raise Conflict("该任务已由他人认领")
    target = session.get(User, to_user_id)
    if target is None or target.status != UserStatus.ACTIVE:
        raise ValidationFailed("委派对象不存在或已离职")
    if target.id == user.id:
        raise ValidationFailed("不能委派给自己")
    now = clock.now()
    done = session.execute(
        update(WorkflowTask).where(WorkflowTask.id == task.id, WorkflowTask.status == TaskStatus.OPEN)
        # Handing on a held task does not restart its handling time; delegating an unheld one assigns it now.
        .values(assignee_id=target.id, delegated_from_id=user.id,
                claimed_at=func.coalesce(WorkflowTask.claimed_at, literal(now, UTCDateTime())))
        .returning(WorkflowTask.claimed_at),
        execution_options={"synchronize_session": False},
    ).all()
    if len(done) != 1:
        raise Conflict(TASK_TAKEN)
    store.add_event(session, task.instance_id, "delegate", user.id, user.name, element_id=task.element_id,
                    task_name=task.name, comment=comment, data={"to_user_id": target.id, "to_user": target.name})
    _updated(task, assignee_id=target.id, delegated_from_id=user.id, claimed_at=done[0].claimed_at)
    return task


# --- messages --------------------------------------------------------------------------------------


def send_message(session: DbSession, name: str, correlation: dict[str, Any], payload: dict[str, Any] | None = None,
                 actor: User | None = None) -> list[int]:
    """Deliver a message to every instance waiting for ``name`` with this correlation; returns their ids.

    The correlation values travel in the payload too, as they do in messages thrown by a diagram.
    A message nobody waits for is recorded in the message log, not lost. An instance in 异常 keeps the
    message (a ``message_held`` event) and receives it when it is retried.
    """
    body = {**correlation, **(payload or {})}
    return _deliver(session, name, engine.canonical_correlation(correlation), body, actor, None, 0)


def _delivery(workflow: Any, name: str, payload: dict[str, Any]) -> Callable[[], None]:
    return lambda: engine.deliver(workflow, name, payload)


def _deliver(session: DbSession, name: str, correlation: str, payload: dict[str, Any], actor: User | None,
             source_id: int | None, depth: int) -> list[int]:
    delivered: list[int] = []
    if depth > MAX_MESSAGE_DEPTH:
        session.add(MessageLog(message_name=name, correlation=correlation, payload=_plain(payload),
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
            _event(session, instance, "message_held", actor, comment=name,
                   data={"correlation": correlation, "payload": _plain(payload)})
            held = True
        if instance is None or instance.status not in LIVE:
            continue
        workflow = load_workflow(instance)
        _event(session, instance, "message", actor, comment=name, data=_plain(payload))
        _run(session, instance, workflow, actor, _delivery(workflow, name, payload), depth)
        delivered.append(instance_id)
    session.add(MessageLog(message_name=name, correlation=correlation, payload=_plain(payload),
                           source_instance_id=source_id, delivered_to=delivered, matched=bool(delivered) or held))
    session.flush()
    return delivered


# --- timers ----------------------------------------------------------------------------------------


def fire_due_timers(session: DbSession, instance: ProcessInstance) -> None:
    """Advance one instance whose timer is due; an engine failure raises EngineError for the scheduler to retry."""
    workflow = load_workflow(instance)
    _event(session, instance, "timer", None, comment="定时器到期", data={"due": str(instance.next_timer_at)})
    _run(session, instance, workflow, None, lambda: engine.fire_timers(workflow), raise_errors=True)


def record_incident(session: DbSession, instance: ProcessInstance, message: str) -> None:
    """Put an instance into the error state after retries ran out; the monitor offers a retry."""
    instance.status = InstanceStatus.ERROR
    instance.error_message = message
    instance.next_timer_at = None
    _event(session, instance, "error", None, comment=message)


# --- administration --------------------------------------------------------------------------------


def cancel(session: DbSession, instance: ProcessInstance, reason: str, actor: User | None) -> None:
    """Cancel a live or failed instance with a reason; its open tasks are withdrawn."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写取消原因")
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise Conflict("流程已结束，不能取消")
    workflow = load_workflow(instance)
    engine.cancel(workflow)
    instance.status = InstanceStatus.CANCELLED
    instance.end_reason = reason
    instance.completed_at = clock.now()
    _save(session, instance, workflow, None)
    store.cancel_open_tasks(session, instance.id)
    store.replace_subscriptions(session, instance.id, ())
    _event(session, instance, "cancel", actor, comment=reason)
    signals.instance_cancelled.send(session, instance=instance)


def retry(session: DbSession, instance: ProcessInstance, actor: User | None) -> None:
    """Run the failed steps of an instance in error again (after the cause was fixed)."""
    if instance.status != InstanceStatus.ERROR:
        raise Conflict("只有异常状态的流程可以重试")
    workflow = load_workflow(instance)
    instance.status = InstanceStatus.RUNNING
    instance.timer_failures = 0
    _event(session, instance, "retry", actor)

    def again() -> None:
        engine.retry_errors(workflow)
        engine.step(workflow)

    _run(session, instance, workflow, actor, again, full_sync=True)
    _release_held_messages(session, instance, actor)


def _release_held_messages(session: DbSession, instance: ProcessInstance, actor: User | None) -> None:
    """Deliver, in order, the messages sent while the instance was in 异常; one it no longer waits for (an
    earlier one moved it on, or ended it) is recorded as not delivered. Each release names the held event,
    so a message is released once."""
    events = session.scalars(select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind.in_(("message_held", "message_released")))
        .order_by(InstanceEvent.id)).all()
    released = {e.data["held"] for e in events if e.kind == "message_released" and e.data}
    for held in (e for e in events if e.kind == "message_held" and e.id not in released):
        if instance.status == InstanceStatus.ERROR:
            return  # a delivery failed again: the rest wait for the next retry
        kept = held.data or {}
        name, correlation, payload = held.comment, kept.get("correlation", ""), kept.get("payload") or {}
        waiting = session.scalar(select(MessageSubscription.id).where(
            MessageSubscription.instance_id == instance.id, MessageSubscription.message_name == name,
            MessageSubscription.correlation == correlation).limit(1))
        if waiting is None:
            _event(session, instance, "message_released", actor, comment=name, outcome="已不再等待，未投递",
                   data={"held": held.id, "payload": payload})
            continue
        workflow = load_workflow(instance)
        _event(session, instance, "message_released", actor, comment=name, outcome="已投递",
               data={"held": held.id, "payload": payload})
        _run(session, instance, workflow, actor, _delivery(workflow, name, payload))


def record_event(session: DbSession, instance: ProcessInstance, kind: str, actor: User | None, **fields: Any) -> None:
    """Append a history event (for operations in sibling modules such as migration)."""
    _event(session, instance, kind, actor, **fields)


def run_action(session: DbSession, instance: ProcessInstance, workflow: Any, actor: User | None,
               action: Callable[[], None]) -> None:
    """Run an engine action with save, a full projection and message routing (migration)."""
    _run(session, instance, workflow, actor, action, full_sync=True)


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


def live_instance(session: DbSession, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance
