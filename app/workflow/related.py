"""The process instances about a business object, as its page lists them (客户 360 相关流程, a project, a trade):
each with its current step, and a link to where the viewer may see it — their own task, else 流程监控."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import or_, select

from app.auth.models import User
from app.auth.permissions import can
from app.database import DbSession
from app.workflow import gateway, inbox
from app.workflow.access import MONITOR
from app.workflow.models import TaskStatus, WorkflowTask


def about(session: DbSession, user: User, business_key: str, limit: int = 50) -> dict[str, Any]:
    """``instances`` about the object (newest first), ``steps`` (instance id → open task names) and ``links``
    (instance id → the viewer's task page, or the monitor's instance page) — three queries for the list."""
    instances = gateway.instances_about(session, business_key, limit)
    ids = [i.id for i in instances]
    steps: dict[int, str] = {}
    links: dict[int, str] = {}
    if not ids:
        return {"instances": instances, "steps": steps, "links": links}
    names: dict[int, list[str]] = {}
    for instance_id, name in session.execute(select(WorkflowTask.instance_id, WorkflowTask.name).where(
            WorkflowTask.instance_id.in_(ids), WorkflowTask.status == TaskStatus.OPEN).order_by(WorkflowTask.id)):
        names.setdefault(instance_id, []).append(name)
    steps = {instance_id: "、".join(dict.fromkeys(found)) for instance_id, found in names.items()}
    # The viewer's own open task first (newest first), then one they completed or delegated.
    for task in session.scalars(inbox.open_for(session, user).where(WorkflowTask.instance_id.in_(ids))):
        links.setdefault(task.instance_id, url_for("tasks.task_page", task_id=task.id))
    for task in session.scalars(select(WorkflowTask).where(
            WorkflowTask.instance_id.in_(ids),
            or_(WorkflowTask.completed_by_id == user.id, WorkflowTask.delegated_from_id == user.id))
            .order_by(WorkflowTask.id.desc())):
        links.setdefault(task.instance_id, url_for("tasks.task_page", task_id=task.id))
    if can(MONITOR):
        for instance in instances:
            links.setdefault(instance.id, url_for("workflow.instance", instance_id=instance.id))
    return {"instances": instances, "steps": steps, "links": links}
