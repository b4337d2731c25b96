"""Mining and work tasks API (/api/v1/mining/tasks): list, create, get, items, publish, close, draw, execute;
work tasks (工作任务) also distribute (任务分配) and report completion per seat."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.errors import ValidationFailed
from app.extensions import db
from app.followups import services as followups
from app.followups.models import FOLLOW_UP_KIND_LABELS
from app.inputs import is_json_int, json_object
from app.mining import task_draws as draws
from app.mining import task_work, tasks
from app.mining.task_access import TASKS_EXECUTE, TASKS_MANAGE
from app.mining.task_models import (
    DISTRIBUTION_METHODS,
    TASK_ACTION_LABELS,
    TASK_TYPE_LABELS,
    WORK_METHODS,
    ItemStatus,
    MiningTask,
    MiningTaskItem,
    SourceKind,
    TaskStatus,
)
from rules import phones as phone_rules

TAG = "数据挖掘任务"
TYPES = [t.value for t in TASK_TYPE_LABELS]
ACTIONS = [a.value for a in TASK_ACTION_LABELS]
METHODS = list(dict.fromkeys([*DISTRIBUTION_METHODS, *WORK_METHODS]))
MINING_TASK = spec.schema("MiningTask", {
    "type": "object",
    "required": ["id", "name", "type", "source_kind", "status", "start_date", "end_date", "org_id", "counts"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "category_id": {"type": "integer", "nullable": True},
        "description": {"type": "string"}, "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date"},
        "type": {"type": "string", "enum": TYPES, "description": "系统分配/随机抽取/主动抽取/再次服务/工作任务"},
        "source_kind": {"type": "string", "enum": [k.value for k in SourceKind], "description": "动态条件/固定选择"},
        "condition_id": {"type": "integer", "nullable": True}, "method": {"type": "string"},
        "max_unexecuted": {"type": "integer", "nullable": True, "description": "最大执行数量（抽取类任务）"},
        "action": {"type": "string", "enum": ["", *ACTIONS],
                   "description": "执行内容（工作任务）：电话/见客/关怀电话/问卷；数据挖掘任务为空"},
        "quota": {"type": "integer", "nullable": True, "description": "每人配额（工作任务）"},
        "status": {"type": "string", "enum": [s.value for s in TaskStatus]}, "org_id": {"type": "integer"},
        "targets": {"type": "array", "items": {"type": "object", "properties": {
            "seat_id": {"type": "integer", "nullable": True}, "org_id": {"type": "integer", "nullable": True}}}},
        "counts": {"type": "object", "required": ["source", "drawn", "executed"], "properties": {
            "source": {"type": "integer"}, "drawn": {"type": "integer", "description": "已抽取/分配"},
            "executed": {"type": "integer"}}},
    },
})
MINING_TASK_CREATE = spec.schema("MiningTaskCreate", {
    "type": "object", "required": ["name", "type", "start_date", "end_date"],
    "properties": {
        "name": {"type": "string", "maxLength": 100}, "category_id": {"type": "integer", "nullable": True},
        "description": {"type": "string", "maxLength": 2000},
        "start_date": {"type": "string", "format": "date"}, "end_date": {"type": "string", "format": "date"},
        "type": {"type": "string", "enum": TYPES},
        "source_kind": {"type": "string", "enum": ["dynamic", "fixed"],
                        "description": "数据挖掘任务必填；工作任务总是按条件（dynamic）"},
        "condition_id": {"type": "integer", "description": "动态条件来源：已保存的挖掘条件"},
        "method": {"type": "string", "enum": ["", *METHODS],
                   "description": "系统分配任务：average/random/weight；"
                                  "工作任务（可在分配时再定）：average/random/quota"},
        "max_unexecuted": {"type": "integer", "nullable": True, "minimum": 1},
        "action": {"type": "string", "enum": ["", *ACTIONS], "description": "执行内容（工作任务必填）"},
        "quota": {"type": "integer", "nullable": True, "description": "每人配额（工作任务必填，1–10000）"},
        "seat_work_nos": {"type": "array", "items": {"type": "string"}, "maxItems": 500, "description": "执行坐席工号"},
        "org_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500,
                    "description": "执行组织（其下全部在职坐席）"},
        "customer_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000,
                         "description": "固定选择来源：加入任务来源的客户"},
    },
})
MINING_TASK_ITEM = spec.schema("MiningTaskItem", {
    "type": "object", "required": ["id", "task_id", "customer_id", "status"],
    "properties": {
        "id": {"type": "integer"}, "task_id": {"type": "integer"}, "customer_id": {"type": "integer"},
        "customer_name": {"type": "string"}, "phones": {"type": "array", "items": {"type": "string"}},
        "seat_id": {"type": "integer", "nullable": True},
        "status": {"type": "string", "enum": [s.value for s in ItemStatus]},
        "drawn_at": {"type": "string", "format": "date-time", "nullable": True},
        "executed_at": {"type": "string", "format": "date-time", "nullable": True},
        "outcome": {"type": "string"}, "note": {"type": "string"},
        "followup_id": {"type": "integer", "nullable": True},
    },
})
DRAW = spec.schema("MiningTaskDraw", {
    "type": "object",
    "properties": {"item_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 200,
                                "description": "主动抽取：选中的任务客户；随机抽取不填"}},
})
DRAW_RESULT = spec.schema("MiningTaskDrawResult", {
    "type": "object", "required": ["items", "skipped", "message"],
    "properties": {"items": {"type": "array", "items": {"$ref": MINING_TASK_ITEM}}, "skipped": {"type": "integer"},
                   "message": {"type": "string"}},
})
EXECUTE = spec.schema("MiningTaskExecute", {
    "type": "object", "required": ["outcome"],
    "properties": {
        "outcome": {"type": "string",
                    "description": "执行结果：数据挖掘任务为基础数据 mining_outcome，"
                                   "工作任务为跟进结果 followup_result"},
        "note": {"type": "string", "maxLength": 500},
        "followup": {"type": "object",
                     "description": "同时记录的跟进；不填时关联抽取后最近一次跟进。工作任务总是记录跟进：方式由执行内容"
                                    "决定，结果为 outcome（跟进结果），内容为 note",
                     "properties": {"kind": {"type": "string", "enum": [k.value for k in FOLLOW_UP_KIND_LABELS]},
                                    "connected": {"type": "boolean"},
                                    "duration_seconds": {"type": "integer", "minimum": 0},
                                    "phone_index": {"type": "integer", "minimum": 0,
                                                    "description": "拨打的客户电话序号（从 0 起），不填为第一个"},
                                    "result": {"type": "string"}, "content": {"type": "string", "maxLength": 2000}}},
    },
})
DISTRIBUTE = spec.schema("WorkTaskDistribute", {
    "type": "object", "required": ["method"],
    "properties": {
        "method": {"type": "string", "enum": list(WORK_METHODS), "description": "平均/随机/配额"},
        "seat_work_nos": {"type": "array", "items": {"type": "string"}, "maxItems": 500, "description": "人员（工号）"},
        "org_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500,
                    "description": "组（其下全部在职坐席）"},
    },
})
SEAT_PROGRESS = {"type": "object", "required": ["seat_id", "name", "work_no", "assigned", "executed", "percent"],
                 "properties": {"seat_id": {"type": "integer"}, "name": {"type": "string"},
                                "work_no": {"type": "string"}, "assigned": {"type": "integer"},
                                "executed": {"type": "integer"}, "percent": {"type": "integer"},
                                "quota_met": {"type": "boolean", "description": "工作任务：已完成每人配额"}}}
DISTRIBUTION = spec.schema("WorkTaskDistribution", {
    "type": "object", "required": ["task", "assigned", "waiting", "message"],
    "properties": {"task": {"$ref": MINING_TASK},
                   "assigned": {"type": "array", "items": {"type": "object", "properties": {
                       "seat_id": {"type": "integer"}, "count": {"type": "integer"}}},
                                  "description": "本次分配给各坐席的数量"},
                   "waiting": {"type": "integer", "description": "待分配"}, "message": {"type": "string"}},
})
PROGRESS = spec.schema("MiningTaskProgress", {
    "type": "object", "required": ["task_id", "seats"],
    "properties": {"task_id": {"type": "integer"}, "seats": {"type": "array", "items": SEAT_PROGRESS}},
})
TASK_PARAM = [spec.path_param("mining_task_id", "任务 id")]


def task_json(task: MiningTask, counts: tasks.Counts | None = None) -> dict[str, Any]:
    c = counts or tasks.Counts()
    return {"id": task.id, "name": task.name, "category_id": task.category_id, "description": task.description,
            "start_date": task.start_date.isoformat(), "end_date": task.end_date.isoformat(),
            "type": task.type.value, "source_kind": task.source_kind.value, "condition_id": task.condition_id,
            "method": task.method, "max_unexecuted": task.max_unexecuted, "action": task.action, "quota": task.quota,
            "status": task.status.value,
            "org_id": task.org_id, "targets": [{"seat_id": t.seat_id, "org_id": t.org_id} for t in task.targets],
            "counts": {"source": c.source, "drawn": c.drawn, "executed": c.executed}}


def item_json(item: MiningTaskItem, masked: bool = False) -> dict[str, Any]:
    phones = [p.phone for p in item.customer.phones] if item.customer else []
    return {"id": item.id, "task_id": item.task_id, "customer_id": item.customer_id,
            "customer_name": item.customer.name if item.customer else "",
            "phones": [phone_rules.mask(p) for p in phones] if masked else phones, "seat_id": item.seat_id,
            "status": item.status.value, "drawn_at": item.drawn_at.isoformat() if item.drawn_at else None,
            "executed_at": item.executed_at.isoformat() if item.executed_at else None, "outcome": item.outcome,
            "note": item.note, "followup_id": item.followup_id}



def _int_list(body: dict[str, Any], key: str) -> list[int]:
    values = body.get(key) or []
    if not isinstance(values, list) or not all(is_json_int(v) for v in values):
        raise ValidationFailed(f"{key} 应为整数数组")
    return values


def _opt_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not is_json_int(value):
        raise ValidationFailed(f"{key} 应为整数")
    return value


def _date(body: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(str(body.get(key, "")))
    except ValueError as exc:
        raise ValidationFailed(f"{key} 应为日期（YYYY-MM-DD）") from exc


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{key} 应为字符串")
    return value


def _visible(task_id: int) -> MiningTask:
    if can(TASKS_MANAGE):
        return tasks.get_task(db.session, tasks.manager_scope(db.session, current_user), task_id)
    return draws.seat_task(db.session, current_user, task_id)


spec.operation("get", "/mining/tasks", summary="数据挖掘任务列表（主管：管理范围内；坐席：分配给自己的）", tag=TAG,
               response=spec.page_of(MINING_TASK), errors=(403, 422),
               parameters=[spec.query_param("status", "任务状态", enum=[s.value for s in TaskStatus]),
                           *spec.PAGE_PARAMS])


@bp.get("/mining/tasks")
@require(TASKS_MANAGE, TASKS_EXECUTE)
def list_mining_tasks() -> Any:
    page, per_page = page_args()
    status = request.args.get("status", "")
    if status and status not in {s.value for s in TaskStatus}:
        raise ValidationFailed("status 无效")
    if can(TASKS_MANAGE):
        stmt = tasks.managed_tasks(tasks.manager_scope(db.session, current_user))
    else:
        stmt = select(MiningTask).where(draws.seat_task_condition(current_user))
    if status:
        stmt = stmt.where(MiningTask.status == TaskStatus(status))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(db.session.scalars(stmt.options(selectinload(MiningTask.targets)).order_by(MiningTask.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)))
    counts = tasks.counts(db.session, [t.id for t in rows])
    return jsonify(page_body([task_json(t, counts.get(t.id)) for t in rows], page, per_page, int(total)))


spec.operation("post", "/mining/tasks", summary="新建数据挖掘任务（草稿）", tag=TAG, request=MINING_TASK_CREATE,
               response=MINING_TASK, status=201, errors=(403, 404, 409, 422))


@bp.post("/mining/tasks")
@require(TASKS_MANAGE)
def create_mining_task() -> Any:
    body = json_object()
    work_nos = body.get("seat_work_nos") or []
    if not isinstance(work_nos, list) or not all(isinstance(w, str) for w in work_nos):
        raise ValidationFailed("seat_work_nos 应为字符串数组")
    scope = tasks.manager_scope(db.session, current_user)
    data = tasks.TaskInput(
        name=_str(body, "name"), category_id=_opt_int(body, "category_id"), description=_str(body, "description"),
        start_date=_date(body, "start_date"), end_date=_date(body, "end_date"), type=_str(body, "type"),
        source_kind=_str(body, "source_kind"), condition_id=_opt_int(body, "condition_id"),
        method=_str(body, "method"), max_unexecuted=_opt_int(body, "max_unexecuted"), seat_work_nos=work_nos,
        org_ids=_int_list(body, "org_ids"), action=_str(body, "action"), quota=_opt_int(body, "quota"))
    customer_ids = _int_list(body, "customer_ids")
    task = tasks.create_task(db.session, current_user, scope, data)
    if customer_ids:
        tasks.add_picks(db.session, scope, task, customer_ids)
    db.session.commit()
    return jsonify(task_json(task)), 201


spec.operation("get", "/mining/tasks/{mining_task_id}", summary="数据挖掘任务详情", tag=TAG, response=MINING_TASK,
               parameters=TASK_PARAM)


@bp.get("/mining/tasks/<int:mining_task_id>")
@require(TASKS_MANAGE, TASKS_EXECUTE)
def get_mining_task(mining_task_id: int) -> Any:
    task = _visible(mining_task_id)
    return jsonify(task_json(task, tasks.counts(db.session, [task.id]).get(task.id)))


spec.operation("get", "/mining/tasks/{mining_task_id}/items",
               summary="任务客户（主管：全部；坐席：自己的，及主动抽取任务可挑选的来源）", tag=TAG,
               response=spec.page_of(MINING_TASK_ITEM), errors=(403, 404, 422),
               parameters=[*TASK_PARAM, spec.query_param("status", "状态", enum=[s.value for s in ItemStatus]),
                           *spec.PAGE_PARAMS])


@bp.get("/mining/tasks/<int:mining_task_id>/items")
@require(TASKS_MANAGE, TASKS_EXECUTE)
def list_mining_task_items(mining_task_id: int) -> Any:
    page, per_page = page_args()
    task = _visible(mining_task_id)
    status = request.args.get("status", "")
    if status and status not in {s.value for s in ItemStatus}:
        raise ValidationFailed("status 无效")
    manager = can(TASKS_MANAGE)
    if manager:
        stmt = tasks.items_query(task.id, status)
    elif status == ItemStatus.OPEN.value:
        stmt = draws.pickable(task.id, current_user.id) if task.type.value == "active" else \
            select(MiningTaskItem).where(MiningTaskItem.id.is_(None))
    else:
        stmt = draws.my_items(task.id, current_user.id, status)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(page_body([item_json(i, masked=i.seat_id != current_user.id) for i in rows], page, per_page,
                             int(total)))


spec.operation("post", "/mining/tasks/{mining_task_id}/publish", summary="发布任务（固定来源在此时确定）", tag=TAG,
               response=MINING_TASK, parameters=TASK_PARAM, errors=(403, 404, 409, 422))


@bp.post("/mining/tasks/<int:mining_task_id>/publish")
@require(TASKS_MANAGE)
def publish_mining_task(mining_task_id: int) -> Any:
    scope = tasks.manager_scope(db.session, current_user)
    task = tasks.get_task(db.session, scope, mining_task_id)
    tasks.publish(db.session, current_user, scope, task)
    db.session.commit()
    return jsonify(task_json(task, tasks.counts(db.session, [task.id]).get(task.id)))


spec.operation("post", "/mining/tasks/{mining_task_id}/close", summary="关闭任务", tag=TAG, response=MINING_TASK,
               parameters=TASK_PARAM, errors=(403, 404, 409, 422))


@bp.post("/mining/tasks/<int:mining_task_id>/close")
@require(TASKS_MANAGE)
def close_mining_task(mining_task_id: int) -> Any:
    task = tasks.get_task(db.session, tasks.manager_scope(db.session, current_user), mining_task_id)
    tasks.close(db.session, task)
    db.session.commit()
    return jsonify(task_json(task, tasks.counts(db.session, [task.id]).get(task.id)))


spec.operation("post", "/mining/tasks/{mining_task_id}/draw",
               summary="坐席抽取任务客户（随机抽取：一个；主动抽取：选中的）", tag=TAG, request=DRAW,
               response=DRAW_RESULT, parameters=TASK_PARAM, errors=(403, 404, 409, 422))


@bp.post("/mining/tasks/<int:mining_task_id>/draw")
@require(TASKS_EXECUTE)
def draw_mining_task(mining_task_id: int) -> Any:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise ValidationFailed("请求体必须是 JSON 对象")
    item_ids = _int_list(body, "item_ids")
    task = draws.seat_task(db.session, current_user, mining_task_id)
    if task.type.value == "active":
        result = draws.pick(db.session, current_user, task.id, item_ids)
        taken, skipped, message = result.taken, result.skipped, result.message()
    else:
        item = draws.draw_random(db.session, current_user, task.id)
        taken, skipped, message = [item.id], 0, "已抽取 1 个任务客户"
    db.session.commit()
    items = db.session.scalars(select(MiningTaskItem).where(MiningTaskItem.id.in_(taken))
                               .order_by(MiningTaskItem.id)).all()
    return jsonify({"items": [item_json(i) for i in items], "skipped": skipped, "message": message})


spec.operation("post", "/mining/tasks/items/{item_id}/execute", summary="执行任务客户：记录执行结果并关联跟进",
               tag=TAG, request=EXECUTE, response=MINING_TASK_ITEM,
               parameters=[spec.path_param("item_id", "任务客户 id")], errors=(403, 404, 409, 422))


@bp.post("/mining/tasks/items/<int:item_id>/execute")
@require(TASKS_EXECUTE)
def execute_mining_task_item(item_id: int) -> Any:
    body = json_object()
    follow_up = None
    raw = body.get("followup")
    if raw is not None:
        if not isinstance(raw, dict):
            raise ValidationFailed("followup 应为 JSON 对象")
        duration = raw.get("duration_seconds", 0)
        if not is_json_int(duration) or not isinstance(raw.get("connected", False), bool):
            raise ValidationFailed("duration_seconds 应为整数，connected 应为布尔值")
        phone = task_work.phone_at(draws.my_item(db.session, current_user, item_id).customer,
                                   _opt_int(raw, "phone_index"))
        follow_up = followups.FollowUpInput(kind=_str(raw, "kind"), connected=bool(raw.get("connected")),
                                            duration_seconds=duration, result=_str(raw, "result"),
                                            content=_str(raw, "content"), phone=phone)
    item = draws.execute(db.session, current_user, item_id, _str(body, "outcome"), _str(body, "note"), follow_up)
    db.session.commit()
    return jsonify(item_json(item))


spec.operation("post", "/mining/tasks/{mining_task_id}/distribute",
               summary="任务分配（工作任务）：按组、人员平均/随机/配额分配，草稿同时发布；不移动客户", tag=TAG,
               request=DISTRIBUTE, response=DISTRIBUTION, parameters=TASK_PARAM, errors=(403, 404, 409, 422))


@bp.post("/mining/tasks/<int:mining_task_id>/distribute")
@require(TASKS_MANAGE)
def distribute_work_task(mining_task_id: int) -> Any:
    body = json_object()
    work_nos = body.get("seat_work_nos") or []
    if not isinstance(work_nos, list) or not all(isinstance(w, str) for w in work_nos):
        raise ValidationFailed("seat_work_nos 应为字符串数组")
    scope = tasks.manager_scope(db.session, current_user)
    task = tasks.get_task(db.session, scope, mining_task_id)
    result = task_work.distribute(db.session, current_user, scope, task, _str(body, "method"), work_nos,
                                  _int_list(body, "org_ids"))
    db.session.commit()
    return jsonify({"task": task_json(task, tasks.counts(db.session, [task.id]).get(task.id)),
                    "assigned": [{"seat_id": seat.id, "count": n} for seat, n in result.assigned],
                    "waiting": result.waiting, "message": result.message()})


spec.operation("get", "/mining/tasks/{mining_task_id}/progress", summary="各坐席完成情况（已分配、已执行、配额）",
               tag=TAG, response=PROGRESS, parameters=TASK_PARAM, errors=(403, 404))


@bp.get("/mining/tasks/<int:mining_task_id>/progress")
@require(TASKS_MANAGE)
def mining_task_progress(mining_task_id: int) -> Any:
    task = tasks.get_task(db.session, tasks.manager_scope(db.session, current_user), mining_task_id)
    return jsonify({"task_id": task.id, "seats": [
        {"seat_id": p.seat.id, "name": p.seat.name, "work_no": p.seat.work_no, "assigned": p.drawn,
         "executed": p.executed, "percent": p.percent, "quota_met": p.quota_met}
        for p in tasks.seat_progress(db.session, task)]})
