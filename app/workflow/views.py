"""Helpers shared by the task and monitor screens: diagram data, history, form handling."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.admin import dictionaries
from app.auth.models import User
from app.database import DbSession
from app.workflow import engine, people, runtime
from app.workflow.models import InstanceEvent, ProcessInstance, WorkflowTask
from forms import registry as form_registry
from forms.task_forms import TaskForm, coerce_initial

EVENT_LABELS = {
    "start": "发起", "complete": "办理", "claim": "认领", "release": "退回任务池", "delegate": "委派",
    "timer": "定时器", "message": "收到消息", "cancel": "取消", "error": "异常", "retry": "重试", "migrate": "迁移版本",
    "message_held": "消息暂存（流程异常中）", "message_released": "暂存消息（重试后）",
}


def history(session: DbSession, instance_id: int) -> list[InstanceEvent]:
    return list(session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.at, InstanceEvent.id)))


def diagram_payload(instance: ProcessInstance) -> dict[str, Any]:
    """BPMN XML plus completed and current element ids for the bpmn-js viewer."""
    workflow = runtime.load_workflow(instance)
    done, current = engine.active_element_ids(workflow)
    return {"xml": instance.model.bpmn_xml, "done": done, "current": current}


def diagram_url(instance: ProcessInstance) -> str:
    return url_for("workflow.instance_diagram", instance_id=instance.id)


def build_form(session: DbSession, form_key: str, formdata: MultiDict[str, Any] | None,
               initial: dict[str, Any] | None, *, task: WorkflowTask | None = None, user: User | None = None
               ) -> TaskForm:
    """Instantiate a task's form: posted data, or initial values from task data with the same names.

    Person pickers offer (and accept) whom their people source gives for ``task`` and ``user``.
    """
    cls = form_registry.resolve(form_key)
    # The outcome and comment in task data are the previous task's: each task starts without them.
    defaults = {key: coerce_initial(value) for key, value in (initial or {}).items()
                if key not in ("outcome", "comment")}
    form = cls(formdata=formdata, data=defaults) if formdata is not None else cls(data=defaults)
    form.prepare(lambda code: dictionaries.choices(session, code),
                 lambda source: people.choices(session, source, task, user))
    return form


def instance_data(instance: ProcessInstance) -> dict[str, Any]:
    """The instance's current data, for the monitor."""
    return engine.current_data(runtime.load_workflow(instance))
