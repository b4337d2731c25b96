"""The one gateway to the engine: start, complete, claim/release/delegate, timers, cancel and retry (messages and
the core every step goes through are in ``runtime``, migration in ``migration``). Every call changes the instance,
its task projection, subscriptions and history in the caller's transaction, together with whatever domain changes
the call causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock, signals
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.workflow import engine, routing, runtime, serialization, store
from app.workflow.deploy import latest_or_404
from app.workflow.models import (
    InstanceEvent,
    InstanceLink,
    InstanceStatus,
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
    workflow = engine.new_workflow(runtime.parsed_model(model), dict(data or {}))
    instance = ProcessInstance(model_id=model.id, model=model, process_key=model.key, business_key=business_key,
                               title=(title or model.name)[:200], org_id=org_id, owner_id=owner_id, serialized="{}",
                               serializer_version=serialization.SERIALIZER_VERSION,
                               started_by_id=actor.id if actor else None, started_at=clock.now())
    session.add(instance)
    session.flush()
    keys = sorted({key for key in (business_key, *related) if key})
    if keys:
        store.add_links(session, instance.id, keys)
    runtime.record_event(session, instance, "start", actor, data=runtime.plain(data))
    runtime.run(session, instance, workflow, actor, lambda: engine.step(workflow))
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
    return engine.task_data(runtime.load_workflow(task.instance), task.task_guid)


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
    if task.delegated_from_id is not None and task.assignee_id == user.id:  # 委派: the owner completes it
        raise Conflict("这是委派给您的任务，请填写后点“办理完毕，交回”，由委派人办理")
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    instance = task.instance
    if instance.status not in runtime.LIVE:
        raise Conflict("流程处于异常或已结束状态，暂不能处理，请联系管理员")
    event = store.event_row(instance.id, "complete", user.id, user.name, element_id=task.element_id,
                            task_name=task.name, outcome=(outcome_label or outcome)[:50], comment=comment,
                            data=runtime.plain(data))
    if not store.claim_completion(session, task, user.id, outcome, comment, event, outcome_label):
        raise Conflict(TASK_TAKEN)
    workflow = runtime.load_workflow(instance)
    before = runtime.Snapshot.of(workflow)
    spiff_task = next((t for t in before.tasks if engine.task_guid(t) == task.task_guid), None)
    if spiff_task is None:
        raise Conflict(TASK_TAKEN)
    values = dict(data)
    values["outcome"] = outcome
    values["comment"] = comment
    runtime.run(session, instance, workflow, user, lambda: engine.run_task(workflow, spiff_task, values),
                handled=task.task_guid, before=before)
    return task


def claim(session: DbSession, task_id: int, user: User) -> WorkflowTask:
    """Take a group task into my own inbox; a candidate who lost the race to another is told who won."""
    task = get_task(session, task_id, user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    if task.assignee_id is not None:
        holder = session.get(User, task.assignee_id)
        raise Conflict("您已认领该任务" if task.assignee_id == user.id else
                       f"该任务已被{holder.name if holder else '他人'}认领，请刷新待办")
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
                                   WorkflowTask.assignee_id == user.id, WorkflowTask.delegated_from_id.is_(None))
        .values(assignee_id=None, claimed_at=None),  # waits for someone again
        execution_options={"synchronize_session": False},
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("只能退回自己认领的待办任务（委派给您的任务请交回委派人）")
    store.add_event(session, task.instance_id, "release", user.id, user.name, element_id=task.element_id,
                    task_name=task.name)
    _updated(task, assignee_id=None, claimed_at=None)
    return task


# --- timers ----------------------------------------------------------------------------------------


def fire_due_timers(session: DbSession, instance: ProcessInstance) -> None:
    """Advance one instance whose timer is due; an engine failure raises EngineError for the scheduler to retry."""
    workflow = runtime.load_workflow(instance)
    runtime.record_event(session, instance, "timer", None, comment="定时器到期",
                         data={"due": str(instance.next_timer_at)})
    runtime.run(session, instance, workflow, None, lambda: engine.fire_timers(workflow), raise_errors=True)


def record_incident(session: DbSession, instance: ProcessInstance, message: str) -> None:
    """Put an instance into the error state after retries ran out; the monitor offers a retry."""
    instance.status = InstanceStatus.ERROR
    instance.error_message = message
    instance.next_timer_at = None
    runtime.record_event(session, instance, "error", None, comment=message)


# --- administration --------------------------------------------------------------------------------


def cancel(session: DbSession, instance: ProcessInstance, reason: str, actor: User | None) -> None:
    """Cancel a live or failed instance with a reason; its open tasks are withdrawn."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写取消原因")
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise Conflict("流程已结束，不能取消")
    workflow = runtime.load_workflow(instance)
    engine.cancel(workflow)
    instance.status = InstanceStatus.CANCELLED
    instance.end_reason = reason
    instance.completed_at = clock.now()
    runtime.save(session, instance, workflow, None)
    store.cancel_open_tasks(session, instance.id)
    store.replace_subscriptions(session, instance.id, ())
    runtime.record_event(session, instance, "cancel", actor, comment=reason)
    signals.instance_cancelled.send(session, instance=instance)


def retry(session: DbSession, instance: ProcessInstance, actor: User | None) -> None:
    """Run the failed steps of an instance in error again (after the cause was fixed)."""
    if instance.status != InstanceStatus.ERROR:
        raise Conflict("只有异常状态的流程可以重试")
    workflow = runtime.load_workflow(instance)
    instance.status = InstanceStatus.RUNNING
    instance.timer_failures = 0
    runtime.record_event(session, instance, "retry", actor)

    def again() -> None:
        engine.retry_errors(workflow)
        engine.step(workflow)

    runtime.run(session, instance, workflow, actor, again, full_sync=True, administrative=True)
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
            runtime.record_event(session, instance, "message_released", actor, comment=name,
                                 outcome="已不再等待，未投递", data={"held": held.id, "payload": payload})
            continue
        workflow = runtime.load_workflow(instance)
        runtime.record_event(session, instance, "message_released", actor, comment=name, outcome="已投递",
                             data={"held": held.id, "payload": payload})
        runtime.run(session, instance, workflow, actor, runtime.delivery(workflow, name, payload))


def live_instance(session: DbSession, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance
