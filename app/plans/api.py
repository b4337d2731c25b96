"""Dispatch plans API: list, create (草稿 or 下达), detail with progress and children, revise, publish, split,
and the caller's 今日目标."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import clock
from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text
from app.org import scope as data_scope
from app.plans import actuals, periods, services
from app.plans.access import PLANS_SPLIT, PLANS_VIEW, PUBLISH_CODES
from app.plans.models import Plan, PlanStatus
from app.plans.periods import PeriodKind
from app.quotas.metrics import Metric

TAG = "工作计划"
KINDS = [k.value for k in PeriodKind]
STATUSES = [s.value for s in PlanStatus]
METRICS = [m.value for m in Metric]
TARGETS = spec.schema("PlanTargets", {
    "type": "object", "additionalProperties": False,
    "description": "各指标目标：intent 意向客户 / valid_call 有效电话 / visit 见客 / invitation 邀约；"
                   "缺省或 0 为不考核",
    "properties": {m: {"type": "integer", "minimum": 0, "maximum": services.MAX_AMOUNT} for m in METRICS},
})
PROGRESS = spec.schema("PlanProgress", {
    "type": "object", "required": ["metric", "label", "target", "done", "percent"],
    "properties": {"metric": {"type": "string", "enum": METRICS}, "label": {"type": "string"},
                   "target": {"type": "integer"}, "done": {"type": "integer"}, "percent": {"type": "integer"}},
})
PLAN_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": KINDS, "description": "month 月计划 / week 周计划 / day 日计划"},
    "period_start": {"type": "string", "format": "date"}, "period_end": {"type": "string", "format": "date"},
    "period_label": {"type": "string"}, "target_org_id": {"type": "integer", "nullable": True},
    "target_user_id": {"type": "integer", "nullable": True}, "target_name": {"type": "string"},
    "parent_id": {"type": "integer", "nullable": True}, "publisher_id": {"type": "integer"},
    "status": {"type": "string", "enum": STATUSES, "description": "draft 草稿 / published 已下达"},
    "note": {"type": "string"}, "targets": {"$ref": TARGETS},
    "progress": {"type": "array", "items": {"$ref": PROGRESS}},
}
PLAN = spec.schema("Plan", {"type": "object", "required": list(PLAN_FIELDS), "properties": PLAN_FIELDS})
PLAN_DETAIL = spec.schema("PlanDetail", {"allOf": [{"$ref": PLAN}, {
    "type": "object", "required": ["children"],
    "properties": {"children": {"type": "array", "items": {"$ref": PLAN}}}}]})
PLAN_CREATE = spec.schema("PlanCreate", {
    "type": "object", "required": ["kind", "period", "targets"],
    "properties": {
        "kind": {"type": "string", "enum": KINDS},
        "period": {"type": "string", "description": "月：2026-06；周：2026-W25 或该周任一天；日：2026-06-17"},
        "target_org_id": {"type": "integer", "description": "计划对象：部门或小组（与 target_user_id 二选一）"},
        "target_user_id": {"type": "integer", "description": "计划对象：坐席"},
        "targets": {"$ref": TARGETS}, "note": {"type": "string", "maxLength": 500},
        "publish": {"type": "boolean", "description": "true：立即下达；否则保存为草稿"},
    },
})
PLAN_REVISE = spec.schema("PlanRevise", {
    "type": "object", "required": ["targets"],
    "properties": {"targets": {"$ref": TARGETS}, "note": {"type": "string", "maxLength": 500},
                   "publish": {"type": "boolean", "description": "草稿保存后立即下达"}},
})
PLAN_SPLIT = spec.schema("PlanSplit", {
    "type": "object", "required": ["children"],
    "properties": {"children": {
        "type": "array", "maxItems": 500, "description": "未列出的下级计划保持不变；targets 为空则撤销该下级计划",
        "items": {"type": "object", "required": ["targets"], "properties": {
            "target_org_id": {"type": "integer"}, "target_user_id": {"type": "integer"},
            "targets": {"$ref": TARGETS}}}}},
})
TODAY_TARGET = spec.schema("TodayTarget", {
    "type": "object", "required": ["metric", "label", "target", "done_today", "plan_id", "basis"],
    "properties": {"metric": {"type": "string", "enum": METRICS}, "label": {"type": "string"},
                   "target": {"type": "integer"}, "done_today": {"type": "integer"}, "plan_id": {"type": "integer"},
                   "basis": {"type": "string", "description": "计算依据"}},
})
PLAN_ID = spec.path_param("plan_id", "计划编号")


def plan_json(plan: Plan, progress: list[actuals.Progress]) -> dict[str, Any]:
    return {"id": plan.id, "kind": plan.kind.value, "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(), "period_label": plan.period_label,
            "target_org_id": plan.target_org_id, "target_user_id": plan.target_user_id,
            "target_name": plan.target_name, "parent_id": plan.parent_id, "publisher_id": plan.publisher_id,
            "status": plan.status.value, "note": plan.note,
            "targets": {m.value: amount for m, amount in plan.amounts.items()},
            "progress": [{"metric": p.metric.value, "label": p.metric.label, "target": p.target, "done": p.done,
                          "percent": p.percent} for p in progress]}


def _detail(plan: Plan) -> dict[str, Any]:
    children = list(plan.children)
    progress = actuals.progress(db.session, [plan, *children])
    return {**plan_json(plan, progress[plan.id]), "children": [plan_json(c, progress[c.id]) for c in children]}


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, PLANS_VIEW)



def _targets(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationFailed("targets 必须是对象：指标 → 目标", details={"field": "targets"})
    for name, value in raw.items():
        if not is_json_int(value):
            raise ValidationFailed(f"targets.{name} 必须是整数", details={"field": f"targets.{name}"})
    return raw


def _optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is not None and not is_json_int(value):
        raise ValidationFailed(f"{name} 必须是整数", details={"field": name})
    return value



def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ValidationFailed(f"{name} 必须是布尔值", details={"field": name})
    return value


spec.operation("get", "/plans", summary="工作计划列表（可见范围内，按期间倒序）", tag=TAG, response=spec.page_of(PLAN),
               errors=(403, 422), parameters=[
                   spec.query_param("kind", "计划类型", enum=KINDS),
                   spec.query_param("month", "月份，如 2026-06：与该月有交集的计划"),
                   spec.query_param("status", "状态", enum=STATUSES), *spec.PAGE_PARAMS])


@bp.get("/plans")
@require(PLANS_VIEW)
def list_plans() -> Any:
    page, per_page = page_args()
    kind, status, month = (request.args.get(name, "") for name in ("kind", "status", "month"))
    if kind and kind not in KINDS:
        raise ValidationFailed("kind 只能是 " + "、".join(KINDS))
    if status and status not in STATUSES:
        raise ValidationFailed("status 只能是 " + "、".join(STATUSES))
    try:
        first = periods.parse(PeriodKind.MONTH, month)[0] if month else None
    except ValueError as exc:
        raise ValidationFailed("month 应为 YYYY-MM，如 2026-06") from exc
    stmt = services.listing(current_user, _scope(), services.Filters(
        kind=PeriodKind(kind) if kind else None, month=first, status=PlanStatus(status) if status else None))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    progress = actuals.progress(db.session, rows)
    return jsonify(page_body([plan_json(p, progress[p.id]) for p in rows], page, per_page, total))


spec.operation("post", "/plans", summary="新建计划（publish=true 时立即下达）", tag=TAG, request=PLAN_CREATE,
               response=PLAN_DETAIL, status=201, errors=(403, 409, 422))


@bp.post("/plans")
@require(*PUBLISH_CODES)
def create_plan() -> Any:
    body = json_object()
    data = services.PlanInput(kind=json_text(body, "kind"), period=json_text(body, "period"),
                              target_org_id=_optional_int(body, "target_org_id"),
                              target_user_id=_optional_int(body, "target_user_id"),
                              amounts=_targets(body.get("targets")), note=json_text(body, "note"))
    plan = services.create(db.session, current_user, data, publish=_flag(body, "publish"))
    db.session.commit()
    response = jsonify(_detail(plan))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_plan", plan_id=plan.id)
    return response


spec.operation("get", "/plans/{plan_id}", summary="计划详情：目标、完成进度、下级计划", tag=TAG,
               response=PLAN_DETAIL, parameters=[PLAN_ID])


@bp.get("/plans/<int:plan_id>")
@require(PLANS_VIEW)
def get_plan(plan_id: int) -> Any:
    return jsonify(_detail(services.get_visible(db.session, current_user, plan_id, _scope())))


spec.operation("patch", "/plans/{plan_id}", summary="修改计划目标与说明（下达人；不超过上级、不低于下级合计）", tag=TAG,
               request=PLAN_REVISE, response=PLAN_DETAIL, parameters=[PLAN_ID], errors=(403, 404, 422))


@bp.patch("/plans/<int:plan_id>")
@require(*PUBLISH_CODES, PLANS_SPLIT)
def revise_plan(plan_id: int) -> Any:
    body = json_object()
    plan = services.get_visible(db.session, current_user, plan_id, _scope())
    services.revise(db.session, plan, current_user, _targets(body.get("targets")), json_text(body, "note"),
                    publish=_flag(body, "publish"))
    db.session.commit()
    return jsonify(_detail(plan))


spec.operation("post", "/plans/{plan_id}/publish", summary="下达草稿", tag=TAG, response=PLAN_DETAIL,
               parameters=[PLAN_ID], errors=(403, 404, 409, 422))


@bp.post("/plans/<int:plan_id>/publish")
@require(*PUBLISH_CODES)
def publish_plan(plan_id: int) -> Any:
    plan = services.get_visible(db.session, current_user, plan_id, _scope())
    services.publish(db.session, plan, current_user)
    db.session.commit()
    return jsonify(_detail(plan))


spec.operation("post", "/plans/{plan_id}/split", summary="拆分下达到下级小组、坐席（每项指标合计不超过上级目标）",
               tag=TAG, request=PLAN_SPLIT, response=PLAN_DETAIL, parameters=[PLAN_ID], errors=(403, 404, 409, 422))


@bp.post("/plans/<int:plan_id>/split")
@require(PLANS_SPLIT)
def split_plan(plan_id: int) -> Any:
    body = json_object()
    children = body.get("children")
    if not isinstance(children, list) or len(children) > 500 or not all(isinstance(c, dict) for c in children):
        raise ValidationFailed("children 必须是对象数组（最多 500 个）", details={"field": "children"})
    plan = services.get_visible(db.session, current_user, plan_id, _scope())
    rows = [services.SplitRow(_optional_int(c, "target_org_id"), _optional_int(c, "target_user_id"),
                              _targets(c.get("targets"))) for c in children]
    services.split(db.session, plan, current_user, rows)
    db.session.commit()
    return jsonify(_detail(plan))


spec.operation("get", "/plans/today", summary="我的今日目标（日计划，或周/月计划余量按剩余工作日平均）", tag=TAG,
               response={"type": "object", "required": ["date", "items"], "properties": {
                   "date": {"type": "string", "format": "date"},
                   "items": {"type": "array", "items": {"$ref": TODAY_TARGET}}}}, errors=(403,))


@bp.get("/plans/today")
@require(PLANS_VIEW)
def today_target() -> Any:
    today = clock.today()
    items = [{"metric": t.metric.value, "label": t.metric.label, "target": t.target, "done_today": t.done_today,
              "plan_id": t.plan.id, "basis": t.basis} for t in actuals.today_targets(db.session, current_user, today)]
    return jsonify({"date": today.isoformat(), "items": items})
