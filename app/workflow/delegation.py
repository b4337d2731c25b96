"""Who works a task besides its owner, the Camunda way: 委派 (delegate) and 转办 (assign).

- **委派 delegate**: the owner (the task's holder, or a candidate of an unheld group task, who becomes its
  owner) asks a colleague to work it. The delegate fills in the form and 交回 (resolves) it; the task goes
  back to the owner with what the delegate entered, and the owner completes it. A delegate cannot complete,
  re-delegate or hand the task on: it is not theirs. History shows both steps.
- **转办 assign**: the holder hands the task over for good; the new holder owns it as if they had claimed it.
- **Candidates only**: both offer — and accept — only active users who could act on the task themselves:
  holders of its candidate roles whose role data scope covers the business object, and its named candidate
  users (``routing.is_candidate``). A head's review is never offered to finance users.
- **Claiming**: a group task is claimed by 认领, or atomically by completing it (the completion takes the
  task if nobody holds it, see ``store.claim_completion``); the task page says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, update

from app import clock
from app.auth.models import Role, User, UserStatus
from app.database import DbSession, UTCDateTime
from app.errors import Conflict, ValidationFailed
from app.workflow import routing, store
from app.workflow.gateway import TASK_TAKEN, can_act, get_task
from app.workflow.models import InstanceEvent, TaskCandidate, TaskStatus, WorkflowTask


def candidates(session: DbSession, task: WorkflowTask) -> list[User]:
    """Active users who could act on the task themselves, by name."""
    extra = session.execute(select(TaskCandidate.role_code, TaskCandidate.user_id)
                            .where(TaskCandidate.task_id == task.id)).all()
    roles = {task.candidate_role, *(role for role, _user in extra if role)} - {""}
    named = {user_id for _role, user_id in extra if user_id is not None}
    holders = select(User.id).join(User.roles).where(Role.code.in_(roles)) if roles else None
    stmt = select(User).where(User.status == UserStatus.ACTIVE)
    if holders is not None and named:
        stmt = stmt.where(User.id.in_(holders) | User.id.in_(named))
    elif holders is not None:
        stmt = stmt.where(User.id.in_(holders))
    elif named:
        stmt = stmt.where(User.id.in_(named))
    else:
        return []
    return [user for user in session.scalars(stmt.order_by(User.name))
            if user.id in named or routing.is_candidate(session, user, task)]


def offered(session: DbSession, task: WorkflowTask, user: User) -> list[User]:
    """Whom ``user`` may delegate the task to or hand it over to: its candidates, except the holder and the owner."""
    if task.status != TaskStatus.OPEN or not can_act(session, user, task) or is_delegate(task, user):
        return []
    return [c for c in candidates(session, task) if c.id not in (user.id, task.assignee_id, task.delegated_from_id)]


def is_delegate(task: WorkflowTask, user: User) -> bool:
    """Tell whether the user works the task for someone else (委派给我的, to be resolved back)."""
    return task.delegated_from_id is not None and task.assignee_id == user.id


def _target(session: DbSession, task: WorkflowTask, user: User, to_user_id: int, verb: str) -> User:
    target = session.get(User, to_user_id)
    if target is None or target.status != UserStatus.ACTIVE:
        raise ValidationFailed(f"{verb}对象不存在或已离职")
    if target.id == user.id:
        raise ValidationFailed(f"不能{verb}给自己")
    if target.id not in {c.id for c in candidates(session, task)}:
        raise ValidationFailed(f"{target.name}不能办理“{task.name}”（不是该任务的候选人或不在其数据范围内），"
                               f"不能{verb}给他")
    return target


def _actionable(session: DbSession, task_id: int, user: User, verb: str) -> WorkflowTask:
    task = get_task(session, task_id, user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    if is_delegate(task, user):
        raise Conflict(f"这是委派给您的任务，不能再{verb}；请办理完毕后交回委派人")
    if not can_act(session, user, task):
        raise Conflict(held_by(session, task))
    return task


def held_by(session: DbSession, task: WorkflowTask) -> str:
    """The refusal for someone who is not the task's holder."""
    holder = session.get(User, task.assignee_id) if task.assignee_id is not None else None
    return f"该任务已由{holder.name}认领，您不能办理" if holder is not None else "该任务已由他人认领"


def _hand(session: DbSession, task: WorkflowTask, user: User, kind: str, assignee_id: int,
          owner_id: int | None, comment: str, data: dict[str, Any]) -> None:
    """Move the task to ``assignee_id`` if it is still as loaded; handling time goes on when it was held."""
    now = clock.now()
    done = session.execute(
        update(WorkflowTask).where(WorkflowTask.id == task.id, WorkflowTask.status == TaskStatus.OPEN,
                                   WorkflowTask.assignee_id.is_(None) if task.assignee_id is None
                                   else WorkflowTask.assignee_id == task.assignee_id)
        .values(assignee_id=assignee_id, delegated_from_id=owner_id,
                claimed_at=func.coalesce(WorkflowTask.claimed_at, literal(now, UTCDateTime())))
        .returning(WorkflowTask.claimed_at),
        execution_options={"synchronize_session": False},
    ).all()
    if len(done) != 1:
        raise Conflict("该任务刚被他人认领或办理，请刷新后重试")
    store.add_event(session, task.instance_id, kind, user.id, user.name, element_id=task.element_id,
                    task_name=task.name, comment=comment.strip()[:2000], data=data)
    session.expire(task)


def delegate(session: DbSession, task_id: int, user: User, to_user_id: int, comment: str = "") -> WorkflowTask:
    """委派: a candidate works the task for me and resolves it back; I stay its owner."""
    task = _actionable(session, task_id, user, "委派")
    target = _target(session, task, user, to_user_id, "委派")
    _hand(session, task, user, "delegate", target.id, user.id, comment, {"to_user_id": target.id,
                                                                         "to_user": target.name})
    return task


def transfer(session: DbSession, task_id: int, user: User, to_user_id: int, comment: str = "") -> WorkflowTask:
    """转办: hand the task over to a candidate, who owns it from now on."""
    task = _actionable(session, task_id, user, "转办")
    target = _target(session, task, user, to_user_id, "转办")
    _hand(session, task, user, "assign", target.id, None, comment, {"to_user_id": target.id, "to_user": target.name})
    return task


def resolve(session: DbSession, task_id: int, user: User, entered: dict[str, str], comment: str = "") -> WorkflowTask:
    """交回: the delegate gives the task back to its owner with what they entered (the owner's form starts from it)."""
    task = get_task(session, task_id, user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(TASK_TAKEN)
    if not is_delegate(task, user):
        raise Conflict("只有被委派人可以交回任务")
    owner = session.get(User, task.delegated_from_id)
    if owner is None:
        raise Conflict(TASK_TAKEN)
    _hand(session, task, user, "resolve", owner.id, None, comment, {"to_user_id": owner.id, "to_user": owner.name,
                                                                    "entered": entered})
    return task


def resolved_entries(session: DbSession, task: WorkflowTask) -> dict[str, str] | None:
    """What the last delegate entered when resolving this task back, for the owner's form; None if nobody did."""
    event = session.scalar(select(InstanceEvent).where(
        InstanceEvent.instance_id == task.instance_id, InstanceEvent.kind == "resolve",
        InstanceEvent.element_id == task.element_id, InstanceEvent.at >= task.created_at)
        .order_by(InstanceEvent.id.desc()).limit(1))
    if event is None or not isinstance(event.data, dict):
        return None
    entered = event.data.get("entered")
    return entered if isinstance(entered, dict) else None
