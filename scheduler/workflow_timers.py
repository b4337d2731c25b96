"""Scheduler job: fire BPMN timers that are due.

Instances are claimed in a short transaction (lock owner + expiry; SKIP LOCKED on PostgreSQL), then
advanced one per transaction, so one failing instance never holds back the others. A failure retries
with exponential back-off counted from the failure and becomes an incident (status error, shown in
the monitor) after ``MAX_FAILURES``. A scheduler that becomes leader frees every claim left behind
(:func:`release_claims`), so the timers a killed leader had claimed fire within seconds of the new
leader; the ``version_id`` check on ``process_instance`` keeps each firing to exactly once even when
the old leader was only frozen and wakes up. Claims taken outside the scheduler process
(``flask scheduler run-job``) still expire after ``LOCK_MINUTES``.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.database import DbSession, is_postgres
from app.errors import DomainError
from app.workflow import engine, gateway
from app.workflow.models import InstanceStatus, ProcessInstance
from scheduler.lease import LeadershipLost
from scheduler.registry import job

LOCK_MINUTES = 5
MAX_FAILURES = 5
BATCH_SIZE = 50
LIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_due(session: DbSession, now: datetime, owner: str, limit: int = BATCH_SIZE) -> list[int]:
    """Lock up to ``limit`` instances with a due timer for ``owner``; returns their ids."""
    free = or_(ProcessInstance.lock_expires_at.is_(None), ProcessInstance.lock_expires_at < now)
    due = (select(ProcessInstance.id)
           .where(ProcessInstance.status.in_(LIVE), ProcessInstance.next_timer_at <= now, free)
           .order_by(ProcessInstance.next_timer_at).limit(limit))
    if is_postgres():
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(update(ProcessInstance).where(ProcessInstance.id.in_(ids), free)
                    .values(lock_owner=owner, lock_expires_at=now + timedelta(minutes=LOCK_MINUTES)),
                    execution_options={"synchronize_session": False})
    return list(session.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(ids),
                                                                 ProcessInstance.lock_owner == owner)))


def release_claims(session: DbSession) -> int:
    """Free every timer claim (a new leader calls this before its first run); returns how many were freed."""
    claimed = select(ProcessInstance.id).where(ProcessInstance.lock_owner.is_not(None))
    if is_postgres():
        # A frozen old leader may still hold a row in an open transaction: skip it rather than wait.
        claimed = claimed.with_for_update(skip_locked=True)
    ids = list(session.scalars(claimed))
    if ids:
        session.execute(update(ProcessInstance).where(ProcessInstance.id.in_(ids))
                        .values(lock_owner=None, lock_expires_at=None),
                        execution_options={"synchronize_session": False})
    return len(ids)


def _unlock(instance: ProcessInstance) -> None:
    instance.lock_owner = None
    instance.lock_expires_at = None


def _record_failure(session: DbSession, instance_id: int, owner: str, message: str) -> str:
    """Count a failure; back off from now or, after MAX_FAILURES, record an incident.

    Returns "incident", "retry", or "gone" when the claim is no longer ours (another scheduler fired it).
    """
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or instance.lock_owner != owner:
        return "gone"
    now = clock.now()  # the back-off counts from the failure, not from the start of a long run
    instance.timer_failures += 1
    _unlock(instance)
    if instance.timer_failures >= MAX_FAILURES:
        gateway.record_incident(session, instance, f"定时器连续 {instance.timer_failures} 次执行失败：{message}")
        return "incident"
    instance.next_timer_at = now + timedelta(minutes=2 ** instance.timer_failures)
    return "retry"


@job("workflow.timers", "流程定时器", interval_seconds=15,
     description="触发到期的 BPMN 定时事件（超时提醒、升级、等待期满），失败按指数退避重试，多次失败转为异常")
def advance_workflow_timers(session: DbSession, now: datetime) -> str:
    """Fire every due timer; commits per instance."""
    owner = worker_id()
    ids = claim_due(session, now, owner)
    session.commit()
    fired = retried = incidents = 0
    for instance_id in ids:
        try:
            instance = session.get(ProcessInstance, instance_id, options=[undefer(ProcessInstance.serialized)])
            if instance is None or instance.lock_owner != owner:
                continue
            gateway.fire_due_timers(session, instance)
            instance.timer_failures = 0
            _unlock(instance)
            session.commit()
            fired += 1
        except Exception as exc:  # noqa: BLE001  (one failing instance must not stop the others)
            session.rollback()
            if isinstance(exc, LeadershipLost):
                raise
            if isinstance(exc, engine.EngineError | DomainError):  # a refusal by an operation reads as itself
                message = exc.message
            elif isinstance(exc, StaleDataError):
                message = "与其他操作同时修改了该流程"
            else:
                message = f"{type(exc).__name__}: {exc}"
            outcome = _record_failure(session, instance_id, owner, message)
            incidents += outcome == "incident"
            retried += outcome == "retry"
            session.commit()
    return f"到期 {len(ids)} 个，已触发 {fired} 个，稍后重试 {retried} 个，转为异常 {incidents} 个"
