"""Distribution rules and runs API: rule CRUD, a rule's dry-run preview, executing a previewed run, a run's counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object
from app.mining import rules
from app.mining.rule_access import MINING_MANUAL, MINING_RULES, MINING_RUNS, MINING_SEMI
from app.mining.rule_models import DistributionRule
from app.mining.run_models import DistributionRun, RunKind
from app.org import scope as data_scope
from app.pools.access import POOLS_CITY

TARGET_LISTS = {
    "seat_work_nos": {"type": "array", "items": {"type": "string"}, "maxItems": 500,
                      "description": "分配到人：坐席工号"},
    "org_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500, "description": "分配到组：组织编号"},
}
RULE_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 60}, "description": {"type": "string", "maxLength": 500},
    "enabled": {"type": "boolean"}, "auto": {"type": "boolean", "description": "参与自动分配"},
    "semi": {"type": "boolean", "description": "参与半自动分配"},
    "kind": {"type": "string", "enum": ["to_people", "to_groups"], "description": "分配到人 / 分配到组"},
    "method": {"type": "string", "enum": ["average", "random", "weight"], "description": "平均 / 随机 / 权重"},
    "sort": {"type": "integer", "minimum": 0, "maximum": 9999, "description": "自动分配的执行顺序"},
    "condition_id": {"type": "integer", "nullable": True, "description": "挖掘条件"},
    "time_field": {"type": "string", "enum": ["pool_changed_at", "created_at"]},
    "date_from": {"type": "string", "format": "date", "nullable": True},
    "date_to": {"type": "string", "format": "date", "nullable": True},
    "recent_days": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 3650},
    "pools": {"type": "array", "items": {"type": "string", "enum": ["department", "public", "city"]}},
    "max_per_run": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 1000000},
    **TARGET_LISTS,
}
RULE_INPUT = spec.schema("DistributionRuleInput", {"type": "object", "required": ["name"],
                                                   "properties": RULE_FIELDS})
RULE = spec.schema("DistributionRule", {
    "type": "object", "required": ["id", "name", "kind", "method", "org_id", "seat_work_nos", "org_ids"],
    "properties": {"id": {"type": "integer"}, **RULE_FIELDS, "org_id": {"type": "integer"},
                   "last_run_at": {"type": "string", "format": "date-time", "nullable": True}},
})
RUN_TARGET = spec.schema("DistributionRunTarget", {
    "type": "object", "required": ["label", "seat_id", "org_id", "weight", "planned", "moved"],
    "properties": {"label": {"type": "string"}, "seat_id": {"type": "integer", "nullable": True},
                   "org_id": {"type": "integer"}, "weight": {"type": "integer"},
                   "room": {"type": "integer", "nullable": True, "description": "预览时个人客户数上限内的剩余容量"},
                   "planned": {"type": "integer"}, "moved": {"type": "integer"}},
})
RUN = spec.schema("DistributionRun", {
    "type": "object", "required": ["id", "kind", "status", "title", "planned", "moved", "targets"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "enum": [k.value for k in RunKind]},
                   "status": {"type": "string"}, "title": {"type": "string"},
                   "rule_id": {"type": "integer", "nullable": True}, "method": {"type": "string"},
                   "source_count": {"type": "integer"}, "planned": {"type": "integer"}, "moved": {"type": "integer"},
                   "skipped": {"type": "integer"}, "over_cap": {"type": "integer"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "finished_at": {"type": "string", "format": "date-time", "nullable": True},
                   "targets": {"type": "array", "items": {"$ref": spec.ref("DistributionRunTarget")}},
                   "message": {"type": "string"}},
})
RULE_ID = spec.path_param("rule_id", "分配规则编号")
RUN_ID = spec.path_param("run_id", "分配记录编号")


def rule_json(rule: DistributionRule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "description": rule.description, "enabled": rule.enabled,
            "auto": rule.auto, "semi": rule.semi, "kind": rule.kind.value, "method": rule.method.value,
            "sort": rule.sort, "condition_id": rule.condition_id, "time_field": rule.time_field.value,
            "date_from": rule.date_from.isoformat() if rule.date_from else None,
            "date_to": rule.date_to.isoformat() if rule.date_to else None, "recent_days": rule.recent_days,
            "pools": list(rule.pools or []), "max_per_run": rule.max_per_run, "org_id": rule.org_id,
            "seat_work_nos": [t.seat.work_no for t in rule.targets if t.seat is not None],
            "org_ids": [t.org_id for t in rule.targets if t.org_id is not None],
            "last_run_at": rule.last_run_at.isoformat() if rule.last_run_at else None}


def run_json(run: DistributionRun, message: str = "") -> dict[str, Any]:
    body = {"id": run.id, "kind": run.kind.value, "status": run.status.value, "title": run.title,
            "rule_id": run.rule_id, "method": run.method.value, "source_count": run.source_count,
            "planned": run.planned, "moved": run.moved, "skipped": run.skipped,
            "over_cap": rules.over_cap(db.session, run), "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "targets": [{"label": t.label, "seat_id": t.seat_id, "org_id": t.org_id, "weight": t.weight,
                         "room": t.room, "planned": t.quota, "moved": t.moved} for t in run.targets]}
    if message:
        body["message"] = message
    return body



def _typed(body: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = body.get(key, default)
    if value is None:
        return None if kind is int else default
    if kind is int and not is_json_int(value):
        raise ValidationFailed(f"字段 {key} 应为整数", details={"field": key})
    if kind is not int and not isinstance(value, kind):
        raise ValidationFailed(f"字段 {key} 的类型不正确", details={"field": key})
    return value


def _day(body: dict[str, Any], key: str, default: date | None) -> date | None:
    value = body.get(key, default.isoformat() if default else None)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(f"字段 {key} 应为日期 YYYY-MM-DD", details={"field": key}) from exc


def _input(body: dict[str, Any], rule: DistributionRule | None) -> rules.RuleInput:
    """A rule input from a JSON body; on update, fields left out keep their values."""
    base = rules.RuleInput.of(rule) if rule is not None else rules.RuleInput()
    lists = {key: _typed(body, key, list, getattr(base, key)) for key in ("pools", "seat_work_nos", "org_ids")}
    if not all(isinstance(v, str) for v in lists["pools"] + lists["seat_work_nos"]):
        raise ValidationFailed("字段 pools、seat_work_nos 应为字符串数组")
    if not all(is_json_int(v) for v in lists["org_ids"]):
        raise ValidationFailed("字段 org_ids 应为整数数组")
    return rules.RuleInput(
        name=_typed(body, "name", str, base.name), description=_typed(body, "description", str, base.description),
        enabled=_typed(body, "enabled", bool, base.enabled), auto=_typed(body, "auto", bool, base.auto),
        semi=_typed(body, "semi", bool, base.semi), kind=_typed(body, "kind", str, base.kind),
        method=_typed(body, "method", str, base.method), sort=_typed(body, "sort", int, base.sort),
        condition_id=_typed(body, "condition_id", int, base.condition_id),
        time_field=_typed(body, "time_field", str, base.time_field), date_from=_day(body, "date_from", base.date_from),
        date_to=_day(body, "date_to", base.date_to), recent_days=_typed(body, "recent_days", int, base.recent_days),
        pools=lists["pools"], max_per_run=_typed(body, "max_per_run", int, base.max_per_run),
        seat_work_nos=lists["seat_work_nos"], org_ids=lists["org_ids"])


def _scope(permission: str) -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, permission)


spec.operation("get", "/mining/rules", summary="分配规则列表", tag="数据挖掘", response=spec.page_of(RULE),
               errors=(403,), parameters=spec.PAGE_PARAMS)


@bp.get("/mining/rules")
@require(MINING_RULES)
def rule_list() -> Any:
    page, per_page = page_args()
    stmt = rules.rule_query(_scope(MINING_RULES))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = db.session.scalars(stmt.options(selectinload(DistributionRule.targets)).order_by(
        DistributionRule.sort, DistributionRule.id).limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([rule_json(r) for r in found], page, per_page, total))


spec.operation("post", "/mining/rules", summary="新建分配规则", tag="数据挖掘", request=RULE_INPUT, response=RULE,
               status=201, errors=(403, 404, 409, 422))


@bp.post("/mining/rules")
@require(MINING_RULES)
def rule_create() -> Any:
    rule = rules.save_rule(db.session, current_user, _scope(MINING_RULES), _input(json_object(), None),
                           may_use_city=can(POOLS_CITY))
    db.session.commit()
    return jsonify(rule_json(rule)), 201


spec.operation("get", "/mining/rules/{rule_id}", summary="分配规则详情", tag="数据挖掘", response=RULE,
               parameters=[RULE_ID], errors=(403, 404))


@bp.get("/mining/rules/<int:rule_id>")
@require(MINING_RULES)
def rule_detail(rule_id: int) -> Any:
    return jsonify(rule_json(rules.get_rule(db.session, _scope(MINING_RULES), rule_id)))


spec.operation("put", "/mining/rules/{rule_id}", summary="修改分配规则（未给出的字段保持不变）", tag="数据挖掘",
               request=RULE_INPUT, response=RULE, parameters=[RULE_ID], errors=(403, 404, 409, 422))


@bp.put("/mining/rules/<int:rule_id>")
@require(MINING_RULES)
def rule_update(rule_id: int) -> Any:
    scope = _scope(MINING_RULES)
    rule = rules.get_rule(db.session, scope, rule_id)
    rule = rules.save_rule(db.session, current_user, scope, _input(json_object(), rule), rule,
                           may_use_city=can(POOLS_CITY))
    db.session.commit()
    return jsonify(rule_json(rule))


spec.operation("delete", "/mining/rules/{rule_id}", summary="删除分配规则（分配记录保留）", tag="数据挖掘",
               response=None, status=204, parameters=[RULE_ID], errors=(403, 404))


@bp.delete("/mining/rules/<int:rule_id>")
@require(MINING_RULES)
def rule_delete(rule_id: int) -> Any:
    rules.delete_rule(db.session, rules.get_rule(db.session, _scope(MINING_RULES), rule_id))
    db.session.commit()
    return "", 204


spec.operation("post", "/mining/rules/{rule_id}/preview",
               summary="预览（试运行）分配规则：生成待执行的分配记录和各目标的分配数", tag="数据挖掘", response=RUN,
               status=201, parameters=[RULE_ID], errors=(403, 404, 409, 422))


@bp.post("/mining/rules/<int:rule_id>/preview")
@require(MINING_SEMI)
def rule_preview(rule_id: int) -> Any:
    rule = rules.get_rule(db.session, _scope(MINING_SEMI), rule_id)
    run = rules.run_rule(db.session, rule, current_user, dry_run=True, kind=RunKind.SEMI)
    db.session.commit()
    return jsonify(run_json(run)), 201


spec.operation("post", "/mining/runs/{run_id}/execute", summary="执行已预览的分配（严格按预览的计划移动客户）",
               tag="数据挖掘", response=RUN, parameters=[RUN_ID], errors=(403, 404, 409, 422))


@bp.post("/mining/runs/<int:run_id>/execute")
@require(MINING_SEMI, MINING_MANUAL)
def run_execute(run_id: int) -> Any:
    scope = _scope(MINING_RUNS)
    run = rules.get_run(db.session, scope, run_id)
    rules.execute_previews(db.session, current_user, [run])
    db.session.commit()
    run = rules.get_run(db.session, scope, run_id)
    return jsonify(run_json(run, rules.result_message(db.session, [run])))


spec.operation("get", "/mining/runs/{run_id}", summary="分配记录：状态与各目标的计划数、已移动数", tag="数据挖掘",
               response=RUN, parameters=[RUN_ID], errors=(403, 404))


@bp.get("/mining/runs/<int:run_id>")
@require(MINING_RUNS, MINING_SEMI, MINING_MANUAL)
def run_detail(run_id: int) -> Any:
    return jsonify(run_json(rules.get_run(db.session, _scope(MINING_RUNS), run_id)))
