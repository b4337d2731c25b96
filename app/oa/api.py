"""OA API: applications (list mine / waiting for me / monitored, create, get with route, submit) and to-dos."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import clock
from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object
from app.oa import applications, monitoring, todos
from app.oa.access import APPLY, HANDLE, MONITOR, TODO_ASSIGN, TODOS
from app.oa.models import Application, ApplicationStatus, Todo, TodoUrgency
from app.org import scope as data_scope

_STAMP = {"type": "string", "format": "date-time", "nullable": True}
HOP = spec.schema("ApplicationHop", {
    "type": "object",
    "required": ["seq", "handler_id", "handler_name", "arrived_at", "handled_at", "result", "action", "handling"],
    "properties": {
        "seq": {"type": "integer"}, "handler_id": {"type": "integer"}, "handler_name": {"type": "string"},
        "handled_by_name": {"type": "string", "nullable": True},
        "arrived_at": {"type": "string", "format": "date-time"},
        "handled_at": _STAMP, "result": {"type": "string", "description": "approve 同意 / reject 不同意 / noted 已阅"},
        "action": {"type": "string", "description": "complete 处理完成 / forward 向下流转；空为处理中"},
        "handling": {"type": "string", "description": "处理内容"},
    },
})
APPLICATION = spec.schema("Application", {
    "type": "object",
    "required": ["id", "type_code", "type_label", "title", "status", "applicant_id", "handler_id",
                 "current_handler_id", "hop_count", "created_at", "submitted_at", "completed_at"],
    "properties": {
        "id": {"type": "integer"}, "type_code": {"type": "string"}, "type_label": {"type": "string"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "details": {"type": "object", "additionalProperties": True, "description": "申请类型的专属字段"},
        "status": {"type": "string", "enum": [s.value for s in ApplicationStatus]},
        "result": {"type": "string"}, "applicant_id": {"type": "integer"}, "applicant_name": {"type": "string"},
        "handler_id": {"type": "integer"}, "current_handler_id": {"type": "integer", "nullable": True},
        "current_handler_name": {"type": "string", "nullable": True}, "hop_count": {"type": "integer"},
        "age": {"type": "string", "description": "已历时"}, "created_at": {"type": "string", "format": "date-time"},
        "submitted_at": _STAMP, "completed_at": _STAMP,
    },
})
APPLICATION_DETAIL = spec.schema("ApplicationDetail", {
    "allOf": [{"$ref": APPLICATION}, {"type": "object", "required": ["route", "attachments"], "properties": {
        "route": {"type": "array", "items": {"$ref": HOP}},
        "attachments": {"type": "array", "items": {"type": "object", "required": ["id", "filename", "size"],
                                                   "properties": {"id": {"type": "integer"},
                                                                  "filename": {"type": "string"},
                                                                  "size": {"type": "integer"},
                                                                  "content_type": {"type": "string"}}}},
    }}],
})
APPLICATION_CREATE = spec.schema("ApplicationCreate", {
    "type": "object",
    "required": ["type_code", "title", "description", "handler_id"],
    "properties": {
        "type_code": {"type": "string", "description": "基础数据“申请类型”的编码，如 leave"},
        "title": {"type": "string", "maxLength": 100}, "description": {"type": "string", "maxLength": 5000},
        "handler_id": {"type": "integer", "description": "处理人：本分公司或总部的在职员工"},
        "details": {"type": "object", "additionalProperties": True, "description": "按类型表单 oa_apply_<类型> 校验"},
        "submit": {"type": "boolean", "description": "true：创建后立即提交（提交后不可修改）"},
    },
})
TODO = spec.schema("Todo", {
    "type": "object",
    "required": ["id", "title", "urgency", "due_date", "assignee_id", "assigned_by_id", "done"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "content": {"type": "string"},
        "urgency": {"type": "string", "enum": ["urgent", "important", "normal"]},
        "due_date": {"type": "string", "format": "date"}, "assignee_id": {"type": "integer"},
        "assigned_by_id": {"type": "integer"}, "done": {"type": "boolean"}, "overdue": {"type": "boolean"},
    },
})
TODO_CREATE = spec.schema("TodoCreate", {
    "type": "object", "required": ["assignee_ids", "title", "urgency", "due_date"],
    "properties": {
        "assignee_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 500,
                         "description": "执行人：管理范围内的在职员工，可多人（每人一条待办，全部成功或全部不写）"},
        "title": {"type": "string", "maxLength": 200}, "content": {"type": "string", "maxLength": 2000},
        "urgency": {"type": "string", "enum": [u.value for u in TodoUrgency], "description": "紧急 / 重要 / 一般"},
        "due_date": {"type": "string", "format": "date", "description": "完成日期：今天之后 1–3 天（系统参数）"},
    },
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def application_json(application: Application) -> dict[str, Any]:
    return {
        "id": application.id, "type_code": application.type_code,
        "type_label": applications.type_label(db.session, application.type_code), "title": application.title,
        "description": application.description, "details": application.details or {},
        "status": application.status.value, "result": application.result,
        "applicant_id": application.applicant_id, "applicant_name": application.applicant.name,
        "handler_id": application.handler_id, "current_handler_id": application.current_handler_id,
        "current_handler_name": application.current_handler.name if application.current_handler else None,
        "hop_count": application.hop_count, "age": monitoring.age(application, clock.now()),
        "created_at": _iso(application.created_at), "submitted_at": _iso(application.submitted_at),
        "completed_at": _iso(application.completed_at),
    }


def _detail_json(application: Application) -> dict[str, Any]:
    body = application_json(application)
    body["route"] = [{"seq": h.seq, "handler_id": h.handler_id, "handler_name": h.handler.name,
                      "handled_by_name": h.handled_by.name if h.handled_by else None,
                      "arrived_at": _iso(h.arrived_at), "handled_at": _iso(h.handled_at), "result": h.result,
                      "action": h.action, "handling": h.handling} for h in application.hops]
    body["attachments"] = [{"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
                           for a in application.attachments]
    return body


def _monitor_scope() -> data_scope.Scope | None:
    return data_scope.scope_of(db.session, current_user, MONITOR) if can(MONITOR) else None


VIEWS = ("mine", "todo", "monitor")
STATUSES = [s.value for s in ApplicationStatus]
spec.operation("get", "/oa/applications", summary="申请列表：mine 我的申请 / todo 等待我处理 / monitor 申请监控",
               tag="日常管理", response=spec.page_of(APPLICATION), errors=(403, 422), parameters=[
                   spec.query_param("view", "mine（默认）| todo | monitor", enum=list(VIEWS)),
                   spec.query_param("status", "申请状态", enum=STATUSES), *spec.PAGE_PARAMS])


@bp.get("/oa/applications")
@require(APPLY, HANDLE, MONITOR)
def list_applications() -> Any:
    page, per_page = page_args()
    view, status = request.args.get("view", "mine"), request.args.get("status", "")
    if view not in VIEWS:
        raise ValidationFailed("view 只能是 " + "、".join(VIEWS))
    if status and status not in STATUSES:
        raise ValidationFailed("status 只能是 " + "、".join(STATUSES))
    if view == "todo":
        waiting = [application for application, _task in applications.waiting_for(db.session, current_user)]
        chunk = waiting[(page - 1) * per_page:page * per_page]
        return jsonify(page_body([application_json(a) for a in chunk], page, per_page, len(waiting)))
    if view == "monitor":
        if not can(MONITOR):
            raise Forbidden("您没有申请监控权限")
        stmt = monitoring.query(data_scope.scope_of(db.session, current_user, MONITOR), monitoring.Filters(
            status=status))
    else:
        stmt = applications.mine(current_user)
        if status:
            stmt = stmt.where(Application.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([application_json(a) for a in rows], page, per_page, total))


def _details(type_code: str, raw: Any) -> dict[str, Any]:
    """Validate the type's own fields with its declarative form, as the screen does."""
    cls = applications.details_form_class(type_code)
    if cls is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed("details 必须是对象", details={"field": "details"})
    formdata = MultiDict({key: "" if value is None else ("y" if value is True else str(value))
                          for key, value in raw.items() if value is not False})
    form = cls(formdata=formdata)
    if not form.validate():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise ValidationFailed("申请字段有误：" + "；".join(m for ms in errors.values() for m in ms), details=errors)
    return applications.plain_details(form)


spec.operation("post", "/oa/applications", summary="新建申请（草稿；submit=true 时立即提交）", tag="日常管理",
               response=APPLICATION_DETAIL, status=201, request=APPLICATION_CREATE, errors=(403, 404, 409, 422))


@bp.post("/oa/applications")
@require(APPLY)
def create_application() -> Any:
    body = json_object()
    for name, kind in (("type_code", str), ("title", str), ("description", str), ("handler_id", int)):
        value = body.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValidationFailed(f"字段 {name} 缺失或类型不正确", details={"field": name})
    application = applications.create_application(
        db.session, current_user, type_code=body["type_code"], title=body["title"], description=body["description"],
        handler_id=body["handler_id"], details=_details(body["type_code"], body.get("details") or {}))
    if body.get("submit") is True:
        applications.submit(db.session, application, current_user)
    db.session.commit()
    response = jsonify(_detail_json(application))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_application", application_id=application.id)
    return response


spec.operation("get", "/oa/applications/{application_id}", summary="申请详情与流转路径", tag="日常管理",
               response=APPLICATION_DETAIL, parameters=[spec.path_param("application_id")])


@bp.get("/oa/applications/<int:application_id>")
@require(APPLY, HANDLE, MONITOR)
def get_application(application_id: int) -> Any:
    return jsonify(_detail_json(applications.get_visible(db.session, current_user, application_id,
                                                         _monitor_scope())))


spec.operation("post", "/oa/applications/{application_id}/submit", summary="提交申请（提交后不可修改）",
               tag="日常管理", response=APPLICATION_DETAIL, parameters=[spec.path_param("application_id")],
               errors=(403, 404, 409, 422))


@bp.post("/oa/applications/<int:application_id>/submit")
@require(APPLY)
def submit_application(application_id: int) -> Any:
    application = applications.get_visible(db.session, current_user, application_id, _monitor_scope())
    applications.submit(db.session, application, current_user)
    db.session.commit()
    return jsonify(_detail_json(application))


def todo_json(todo: Todo) -> dict[str, Any]:
    return {"id": todo.id, "title": todo.title, "content": todo.content, "urgency": todo.urgency.value,
            "due_date": todo.due_date.isoformat(), "assignee_id": todo.assignee_id,
            "assigned_by_id": todo.assigned_by_id, "done": todo.done_at is not None,
            "overdue": todo.done_at is None and todo.due_date < clock.today()}


spec.operation("get", "/oa/todos", summary="待办事项：mine 我的 / assigned 我分配的 / team 下属的（未完成）",
               tag="日常管理", response=spec.page_of(TODO), errors=(403,),
               parameters=[spec.query_param("tab", "mine（默认）| assigned | team"), *spec.PAGE_PARAMS])


@bp.get("/oa/todos")
@require(TODOS)
def list_todos() -> Any:
    page, per_page = page_args()
    scope = data_scope.scope_of(db.session, current_user, TODO_ASSIGN) if can(TODO_ASSIGN) else None
    stmt = todos.listing(current_user, request.args.get("tab", "mine"), scope)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([todo_json(t) for t in rows], page, per_page, total))


spec.operation("post", "/oa/todos", summary="给下属分配待办事项（可多人，每人一条）", tag="日常管理",
               request=TODO_CREATE, status=201, errors=(403, 422), response={
                   "type": "object", "required": ["items"], "properties": {"items": {"type": "array",
                                                                                      "items": {"$ref": TODO}}}})


@bp.post("/oa/todos")
@require(TODO_ASSIGN)
def create_todos() -> Any:
    body = json_object()
    ids = body.get("assignee_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 500 or not all(is_json_int(i) for i in ids):
        raise ValidationFailed("assignee_ids 必须是 1–500 个员工编号", details={"field": "assignee_ids"})
    for name in ("title", "urgency", "due_date"):
        if not isinstance(body.get(name), str):
            raise ValidationFailed(f"字段 {name} 缺失或类型不正确", details={"field": name})
    if not isinstance(body.get("content", ""), str):
        raise ValidationFailed("字段 content 类型不正确", details={"field": "content"})
    try:
        urgency, due_date = TodoUrgency(body["urgency"]), date.fromisoformat(body["due_date"])
    except ValueError as exc:
        raise ValidationFailed("urgency 应为 urgent/important/normal，due_date 应为 YYYY-MM-DD") from exc
    given = todos.assign(db.session, current_user, data_scope.scope_of(db.session, current_user, TODO_ASSIGN),
                         assignee_ids=ids, title=body["title"], content=body.get("content", ""), urgency=urgency,
                         due_date=due_date)
    db.session.commit()
    return jsonify({"items": [todo_json(t) for t in given]}), 201
