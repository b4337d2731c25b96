"""Helpers shared by the task and monitor screens: diagram data, history, form handling."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request, url_for
from flask_login import current_user
from lxml import etree
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import labels
from app.admin import dictionaries
from app.auth.models import Role, User
from app.database import DbSession
from app.errors import ValidationFailed
from app.extensions import db
from app.workflow import engine, form_lookups, model_forms, people, runtime, xmlsafe
from app.workflow.models import InstanceEvent, ProcessInstance, ProcessModel, WorkflowTask
from app.workflow.validation.common import NS
from forms import registry as form_registry
from forms.task_forms import TaskForm, coerce_initial

EVENT_LABELS = {
    "start": "发起", "complete": "办理", "claim": "认领", "release": "退回任务池", "delegate": "委派",
    "resolve": "委派交回", "assign": "转办",
    "timer": "定时器", "message": "收到消息", "cancel": "取消", "error": "异常", "retry": "重试", "migrate": "迁移版本",
    "message_held": "消息暂存（流程异常中）", "message_released": "暂存消息（重试后）", "operation": "服务操作",
    "variables": "修改流程变量", "move": "退回环节", "skip": "跳过环节",
}
# Outcomes a task may end with; a form's own button label wins (forms/tasks/*.form, designer forms).
OUTCOME_LABELS = {
    "done": "完成", "submit": "提交", "pass": "通过", "approve": "同意", "reject": "驳回", "return": "退回",
    "refund": "退款", "forward": "向下流转", "complete": "处理完成", "resubmit": "重新提交", "back": "退回",
    "publish": "发布", "success": "募集成功", "failure": "募集失败", "income": "进入收益阶段",
}


def _process_names() -> dict[str, str]:
    """Process key → the name of its newest version."""
    rows = db.session.execute(select(ProcessModel.key, ProcessModel.name).order_by(ProcessModel.version))
    return {key: name for key, name in rows}


labels.register("workflow_event", EVENT_LABELS)
labels.register("outcome", lambda: OUTCOME_LABELS | form_registry.outcome_labels())
# BPMN message names, as the history shows a received message (the names are the diagrams' contract).
MESSAGE_LABELS = {"project_raise_succeeded": "项目募集成功", "project_raise_failed": "项目募集失败"}
labels.register("process", _process_names)
labels.register("message", MESSAGE_LABELS)
labels.register("process_source", {"designer": "流程设计器"})  # otherwise the BPMN file it was deployed from


def history(session: DbSession, instance_id: int) -> list[InstanceEvent]:
    return list(session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.at, InstanceEvent.id)))


_hidden_in_diagrams: dict[str, frozenset[str]] = {}


def hide_in_diagrams(process_key: str, element_ids: Iterable[str]) -> None:
    """Leave a process's internal plumbing (steps and flows users never act on) out of its live diagrams."""
    _hidden_in_diagrams[process_key] = frozenset(element_ids)


def diagram_payload(instance: ProcessInstance) -> dict[str, Any]:
    """BPMN XML plus completed and current element ids for the bpmn-js viewer."""
    workflow = runtime.load_workflow(instance)
    done, current = engine.active_element_ids(workflow)
    hidden = _hidden_in_diagrams.get(instance.process_key, frozenset())
    xml = _for_viewer(instance.model.bpmn_xml, hidden, dict(db.session.execute(select(Role.code, Role.name)).all()))
    return {"xml": xml, "done": [i for i in done if i not in hidden],
            "current": [i for i in current if i not in hidden]}


def _for_viewer(bpmn_xml: str, hidden: frozenset[str], role_names: dict[str, str]) -> str:
    """The diagram as users see it: without the hidden elements, and lanes named by role (a lane stores its
    role's code, as the designer's canvas shows it by name)."""
    root = xmlsafe.parse_xml(bpmn_xml)
    lanes = [lane for lane in root.iterfind(".//bpmn:lane", NS) if lane.get("name") in role_names]
    if not hidden and not lanes:
        return bpmn_xml
    for lane in lanes:
        lane.set("name", role_names[str(lane.get("name"))])
    return _without(root, hidden) if hidden else xmlsafe.to_text(root)


def _without(root: etree._Element, element_ids: frozenset[str]) -> str:
    """The BPMN text without these elements, their shapes and edges, and the references to them."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and (
        el.get("id") in element_ids or el.get("bpmnElement") in element_ids
        or (etree.QName(el).localname in ("incoming", "outgoing", "flowNodeRef") and (el.text or "").strip()
            in element_ids))]
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    return xmlsafe.to_text(root)


def diagram_url(instance: ProcessInstance) -> str:
    return url_for("workflow.instance_diagram", instance_id=instance.id)


def build_form(session: DbSession, form_key: str, formdata: MultiDict[str, Any] | None,
               initial: dict[str, Any] | None, *, task: WorkflowTask | None = None, user: User | None = None,
               model_id: int | None = None) -> TaskForm:
    """Instantiate a task's form: posted data, or initial values from task data with the same names.

    The form is the one deployed with the task's process version (``model_id`` for a start form), else the
    registry's. Person pickers offer (and accept) whom their people source gives for ``task`` and ``user``
    (default: the signed-in user); customer / project / file fields accept what ``form_lookups`` allows that
    user. Files posted into 附件 fields are stored first and their ids take the fields' places.
    """
    if task is not None:
        model_id = task.instance.model_id
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    cls = model_forms.resolve(session, model_id, form_key)
    # The outcome and comment in task data are the previous task's: each task starts without them.
    defaults = {key: coerce_initial(value) for key, value in (initial or {}).items()
                if key not in ("outcome", "comment")}
    in_process: set[int] = set()
    if cls.file_fields and task is not None:  # a previous step's files stay acceptable as they are
        known = initial if initial is not None else runtime_data(task)
        in_process = {int(known[name]) for name in cls.file_fields if isinstance(known.get(name), int)}
    upload_errors: dict[str, str] = {}
    if formdata is not None and cls.file_fields and user is not None:
        formdata = _take_uploads(session, cls, form_key, formdata, user, task, upload_errors)
    form = cls(formdata=formdata, data=defaults) if formdata is not None else cls(data=defaults)
    form.prepare(lambda code: dictionaries.choices(session, code),
                 lambda source: people.choices(session, source, task, user),
                 form_lookups.UserLookups(session, user, form_key, in_process, task.id if task else None))
    for name, message in upload_errors.items():
        getattr(form, name).upload_error = message
    return form


def runtime_data(task: WorkflowTask) -> dict[str, Any]:
    return engine.task_data(runtime.load_workflow(task.instance), task.task_guid)


def _take_uploads(session: DbSession, cls: type[TaskForm], form_key: str, formdata: MultiDict[str, Any],
                  user: User, task: WorkflowTask | None, errors: dict[str, str]) -> MultiDict[str, Any]:
    """Store the files posted into 附件 fields (``<name>__upload``); their ids become the fields' values.

    Called before the request changes anything else: the stored files are committed at once."""
    if not has_request_context() or not request.files:
        return formdata
    posted = MultiDict(formdata)
    for name in cls.file_fields:
        upload = request.files.get(f"{name}__upload")
        if upload is None or not upload.filename:
            continue
        field = getattr(cls, name)
        accept = [a.strip().lower() for a in field.kwargs.get("accept", "").split(",") if a.strip()]
        extension = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        if accept and extension not in accept:
            errors[name] = f"{field.kwargs['label']}：只接受 {'、'.join(accept)} 文件"
            continue
        try:
            stored = form_lookups.store_upload(session, user, form_key, task.id if task else None, upload)
        except ValidationFailed as exc:
            errors[name] = f"{field.kwargs['label']}：{exc.message}"
            continue
        posted.setlist(name, [str(stored.id)])
    if posted != formdata:
        # Kept even when the rest of the form is refused: the page shows the file again, nothing is lost.
        session.commit()
    return posted


def show_readonly(form: TaskForm, initial: dict[str, Any]) -> None:
    """Give a refused submission's read-only fields their values again: they are shown, never posted back."""
    for f in form.data_fields():
        if f.short_name in form.readonly_fields and f.short_name in initial:
            f.data = coerce_initial(initial[f.short_name])


def instance_data(instance: ProcessInstance) -> dict[str, Any]:
    """The instance's current data, for the monitor."""
    return engine.current_data(runtime.load_workflow(instance))
