"""Task and process-instance API: my inbox, claim/release/complete, instance status and history."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import workflow
from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.inputs import json_object
from app.workflow import gateway, inbox, launch, views
from app.workflow.access import INBOX, LAUNCH, MONITOR
from app.workflow.models import ProcessInstance, TaskStatus, WorkflowTask
from forms import registry as form_registry

TASK = spec.schema("Task", {
    "type": "object",
    "required": ["id", "name", "element_id", "process_key", "business_key", "status", "candidate_role", "form_key",
                 "created_at", "instance_id"],
    "properties": {
        "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "name": {"type": "string"},
        "element_id": {"type": "string"}, "process_key": {"type": "string"}, "business_key": {"type": "string"},
        "title": {"type": "string"}, "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
        "candidate_role": {"type": "string"}, "assignee_id": {"type": "integer", "nullable": True},
        "form_key": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": "string", "format": "date-time", "nullable": True},
        "completed_at": {"type": "string", "format": "date-time", "nullable": True},
        "outcome": {"type": "string"}, "comment": {"type": "string"},
    },
})
COMPLETE = spec.schema("TaskCompletion", {
    "type": "object",
    "required": ["outcome"],
    "properties": {
        "outcome": {"type": "string", "description": "处理结果，必须是任务表单定义的按钮之一，如 pass / return"},
        "comment": {"type": "string"},
        "data": {"type": "object", "additionalProperties": True, "description": "表单字段，按表单定义校验并转换类型"},
    },
})
EVENT = spec.schema("InstanceEvent", {
    "type": "object",
    "required": ["kind", "at", "actor"],
    "properties": {
        "kind": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
        "task_name": {"type": "string"}, "outcome": {"type": "string"}, "comment": {"type": "string"},
    },
})
INSTANCE = spec.schema("ProcessInstance", {
    "type": "object",
    "required": ["id", "process_key", "version", "status", "business_key", "current_tasks", "history"],
    "properties": {
        "id": {"type": "integer"}, "process_key": {"type": "string"}, "version": {"type": "integer"},
        "title": {"type": "string"}, "business_key": {"type": "string"},
        "status": {"type": "string", "enum": ["running", "waiting", "completed", "cancelled", "error"]},
        "error_message": {"type": "string"},
        "started_at": {"type": "string", "format": "date-time"},
        "completed_at": {"type": "string", "format": "date-time", "nullable": True},
        "next_timer_at": {"type": "string", "format": "date-time", "nullable": True},
        "current_tasks": {"type": "array", "items": {"$ref": TASK}},
        "history": {"type": "array", "items": {"$ref": EVENT}},
    },
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(task: WorkflowTask) -> dict[str, Any]:
    return {
        "id": task.id, "instance_id": task.instance_id, "name": task.name, "element_id": task.element_id,
        "process_key": task.process_key, "business_key": task.business_key, "title": task.title,
        "status": task.status.value, "candidate_role": task.candidate_role, "assignee_id": task.assignee_id,
        "form_key": task.form_key, "created_at": _iso(task.created_at), "due_at": _iso(task.due_at),
        "completed_at": _iso(task.completed_at), "outcome": task.outcome, "comment": task.comment,
    }


spec.operation("get", "/tasks", summary="我的待办（默认：分配给我的和可认领的）", tag="待办",
               response=spec.page_of(TASK), errors=(403, 422), parameters=[
                   spec.query_param("tab", "mine | group | delegated | done；不填为全部可办理任务",
                                    enum=list(inbox.TABS)),
                   spec.query_param("process", "流程标识"), spec.query_param("q", "业务编号或标题"), *spec.PAGE_PARAMS])


@bp.get("/tasks")
@require(INBOX)
def tasks() -> Any:
    page, per_page = page_args()
    tab = request.args.get("tab", "")
    filters = inbox.Filters(process_key=request.args.get("process", ""), business_key=request.args.get("q", ""))
    if tab and tab not in inbox.TABS:
        raise ValidationFailed("tab 只能是 mine、group、delegated、done")
    stmt = inbox.query(db.session, current_user, tab, filters) if tab else filters.apply(
        inbox.open_for(db.session, current_user))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([task_json(t) for t in rows], page, per_page, total))


def _task_action_doc(action: str, summary: str, request_schema: str | None = None) -> None:
    spec.operation("post", f"/tasks/{{task_id}}/{action}", summary=summary, tag="待办", response=TASK,
                   request=request_schema, parameters=[spec.path_param("task_id")],
                   errors=(403, 404, 409) + ((422,) if request_schema else ()))


_task_action_doc("claim", "认领组任务")


@bp.post("/tasks/<int:task_id>/claim")
@require(INBOX)
def claim_task(task_id: int) -> Any:
    task = workflow.claim(db.session, task_id, current_user)
    db.session.commit()
    return jsonify(task_json(task))


_task_action_doc("release", "退回任务池")


@bp.post("/tasks/<int:task_id>/release")
@require(INBOX)
def release_task(task_id: int) -> Any:
    task = workflow.release(db.session, task_id, current_user)
    db.session.commit()
    return jsonify(task_json(task))


_task_action_doc("complete", "办理任务（数据按任务表单校验）", COMPLETE)


@bp.post("/tasks/<int:task_id>/complete")
@require(INBOX)
def complete_task(task_id: int) -> Any:
    body = json_object()
    task = workflow.get_task(db.session, task_id, current_user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(workflow.TASK_TAKEN)
    formdata = _formdata(body.get("data"))
    formdata["comment"] = str(body.get("comment") or "")
    try:
        form = views.build_form(db.session, task.form_key, formdata, None, task=task, user=current_user)
    except form_registry.UnknownForm as exc:
        raise ValidationFailed(f"任务表单 {task.form_key} 不存在") from exc
    outcome = str(body.get("outcome") or "")
    _check(form, form.check_outcome(outcome, formdata["comment"]))
    done = workflow.complete_task(db.session, task_id, current_user, form.task_data(), outcome=outcome,
                                  comment=formdata["comment"].strip(),
                                  outcome_label=dict(form.outcomes).get(outcome, ""))
    db.session.commit()
    return jsonify(task_json(done))


def _formdata(raw: Any) -> MultiDict[str, Any]:
    """Read a JSON object of form values as a form post would send them (true → "y", false → absent)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("data 必须是对象")
    return MultiDict({key: "" if value is None else ("y" if value is True else str(value))
                      for key, value in raw.items() if value is not False})


def _check(form: Any, errors: list[str]) -> None:
    """Refuse with 422 naming every field error, as the task page shows them."""
    if not form.validate() or errors:
        details = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        if errors:
            details["outcome"] = errors
        raise ValidationFailed("表单数据有误：" + "；".join(m for ms in details.values() for m in ms), details=details)


START_REQUEST = spec.schema("ProcessStart", {
    "type": "object",
    "required": ["process_key"],
    "properties": {
        "process_key": {"type": "string"}, "business_key": {"type": "string"}, "title": {"type": "string"},
        "customer_id": {"type": "integer", "description": "关联客户（调用者须能查看）：业务编号为 customer:<id>"},
        "project_id": {"type": "integer", "description": "关联理财项目（调用者须能查看）：业务编号为 project:<id>"},
        "trade_id": {"type": "integer", "description": "关联交易（调用者须能查看）：业务编号为 trade:<id>"},
        "data": {"type": "object", "additionalProperties": True},
    },
})
# The objects a start may be about, by request field (the same check as 发起流程 on the object's page).
SUBJECT_FIELDS = {"customer_id": "customer", "project_id": "project", "trade_id": "trade"}
spec.operation("post", "/process-instances", tag="流程", response=INSTANCE, status=201, request=START_REQUEST,
               errors=(403, 404, 422),
               summary="发起流程（最新版本；与“发起流程”页面同一规则：调用者须持有开始事件的可发起角色；"
                       "有开始表单时 data 按表单校验；业务归属为调用者及其组织；customer_id / project_id / trade_id "
                       "关联业务对象，调用者须能查看该对象，否则 404 且不发起）")


@bp.post("/process-instances")
@require(LAUNCH)
def start_instance() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("process_key"), str):
        raise ValidationFailed("请求体必须包含 process_key")
    startable = launch.get_startable(db.session, current_user, body["process_key"])
    subject = _subject(body)
    raw = body.get("data") or {}
    data = dict(raw) if isinstance(raw, dict) else {}
    named: list[str] = []
    if startable.form_key:
        # The start form checks and types the values, as it does on the screen.
        form = views.build_form(db.session, startable.form_key, _formdata(raw), None, model_id=startable.model.id)
        _check(form, [])
        data = form.task_data()
        named = launch.subject_keys(form.subject_fields, data)
    elif not isinstance(raw, dict):
        raise ValidationFailed("data 必须是对象")
    instance = launch.launch(db.session, startable, current_user, current_user, data, LAUNCH,
                             business_key=str(body.get("business_key") or ""), title=str(body.get("title") or ""),
                             subject=subject, named=named)
    db.session.commit()
    return jsonify(_instance_json(instance)), 201


def _subject(body: dict[str, Any]) -> str:
    """The business key of the object a start names by ``customer_id`` / ``project_id`` / ``trade_id`` (one at most)."""
    given = [(name, body[name]) for name in SUBJECT_FIELDS if body.get(name) is not None]
    if len(given) > 1:
        raise ValidationFailed("customer_id、project_id、trade_id 只能指定一个")
    if not given:
        return ""
    name, value = given[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} 必须是整数")
    return f"{SUBJECT_FIELDS[name]}:{value}"


spec.operation("get", "/process-instances/{instance_id}", summary="流程实例状态、当前任务与历史", tag="流程",
               response=INSTANCE, parameters=[spec.path_param("instance_id")])


@bp.get("/process-instances/<int:instance_id>")
@require(INBOX, MONITOR)
def process_instance(instance_id: int) -> Any:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在或您无权查看")
    open_tasks = list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))
    if not can(MONITOR):
        mine = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).all()
        if not any(_visible(t) for t in mine) and instance.started_by_id != current_user.id:
            raise NotFound("流程实例不存在或您无权查看")
    return jsonify(_instance_json(instance, open_tasks))


def _instance_json(instance: ProcessInstance, open_tasks: list[WorkflowTask] | None = None) -> dict[str, Any]:
    if open_tasks is None:
        open_tasks = list(db.session.scalars(select(WorkflowTask).where(
            WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))
    return {
        "id": instance.id, "process_key": instance.process_key, "version": instance.model.version,
        "title": instance.title, "business_key": instance.business_key, "status": instance.status.value,
        "error_message": instance.error_message, "started_at": _iso(instance.started_at),
        "completed_at": _iso(instance.completed_at), "next_timer_at": _iso(instance.next_timer_at),
        "current_tasks": [task_json(t) for t in open_tasks],
        "history": [{"kind": e.kind, "at": _iso(e.at), "actor": e.actor_name, "task_name": e.task_name,
                     "outcome": e.outcome, "comment": e.comment} for e in views.history(db.session, instance.id)],
    }


def _visible(task: WorkflowTask) -> bool:
    try:
        gateway.get_task(db.session, task.id, current_user)
    except NotFound:
        return False
    return True
