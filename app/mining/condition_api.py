"""Mining conditions API (挖掘条件): list, create, read, update, delete saved conditions, and count a spec."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select

from app import clock
from app.api import spec as openapi
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.extensions import db
from app.inputs import json_object
from app.mining import conditions
from app.mining.access import MINING_CONDITIONS
from app.mining.models import MiningCondition
from app.org.scope import Scope, scope_of

TAG = "数据挖掘"
SPEC = openapi.schema("MiningConditionSpec", {
    "type": "object", "required": ["items"],
    "description": ("条件组：op 为 and（且）或 or（或）；items 为条件 {field, cmp, value} 或嵌套条件组。"
                    "字段见 docs/mining.md"),
    "properties": {"op": {"type": "string", "enum": ["and", "or"]},
                   "items": {"type": "array", "items": {"type": "object"}}},
})
CONDITION = openapi.schema("MiningCondition", {
    "type": "object",
    "required": ["id", "name", "description", "spec", "summary", "org_id", "created_by_id", "created_at",
                 "updated_at"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "description": {"type": "string"},
        "spec": {"$ref": SPEC}, "summary": {"type": "string", "description": "条件的中文描述"},
        "org_id": {"type": "integer"}, "created_by_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
})
CONDITION_INPUT = openapi.schema("MiningConditionInput", {
    "type": "object", "required": ["name", "spec"],
    "properties": {"name": {"type": "string", "maxLength": 100}, "description": {"type": "string"},
                   "spec": {"$ref": SPEC}},
})
COUNT_INPUT = openapi.schema("MiningConditionCountInput", {
    "type": "object", "required": ["spec"], "properties": {"spec": {"$ref": SPEC}},
})
PREVIEW_ROW = openapi.schema("MiningConditionPreviewRow", {
    "type": "object", "required": ["id", "number", "name", "phone", "type", "pool"],
    "properties": {"id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
                   "phone": {"type": "string", "description": "主电话，中间几位隐藏"},
                   "type": {"type": "string"}, "type_label": {"type": "string"}, "pool": {"type": "string"},
                   "pool_label": {"type": "string"}, "seat": {"type": "string"}, "org": {"type": "string"}},
})
COUNT = openapi.schema("MiningConditionCount", {
    "type": "object", "required": ["count", "summary", "preview"],
    "properties": {"count": {"type": "integer", "description": "数据范围内符合条件的客户数"},
                   "summary": {"type": "string"},
                   "preview": {"type": "array", "items": {"$ref": PREVIEW_ROW}, "description": "前 20 个客户"}},
})
CONDITION_ID = openapi.path_param("condition_id", "挖掘条件 ID")


def _scope() -> Scope:
    return scope_of(db.session, current_user, MINING_CONDITIONS)



def condition_json(condition: MiningCondition, summary: str | None = None) -> dict[str, Any]:
    return {"id": condition.id, "name": condition.name, "description": condition.description,
            "spec": condition.spec,
            "summary": summary if summary is not None else conditions.describe(db.session, condition.spec),
            "org_id": condition.org_id, "created_by_id": condition.created_by_id,
            "created_at": condition.created_at.isoformat(), "updated_at": condition.updated_at.isoformat()}


openapi.operation("get", "/mining/conditions", summary="挖掘条件列表（数据范围内）", tag=TAG,
                  response=openapi.page_of(CONDITION), errors=(403,), parameters=openapi.PAGE_PARAMS)


@bp.get("/mining/conditions")
@require(MINING_CONDITIONS)
def list_conditions() -> Any:
    page, per_page = page_args()
    stmt = conditions.saved_query(_scope())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    summaries = conditions.summaries(db.session, rows)
    return jsonify(page_body([condition_json(c, summaries[c.id]) for c in rows], page, per_page, total))


openapi.operation("post", "/mining/conditions", summary="新建挖掘条件（保存在本人组织）", tag=TAG,
                  request=CONDITION_INPUT, response=CONDITION, status=201, errors=(403, 409, 422))


@bp.post("/mining/conditions")
@require(MINING_CONDITIONS)
def create_condition() -> Any:
    body = json_object()
    condition = conditions.create(db.session, current_user, body.get("name"), body.get("spec"),
                                  body.get("description", ""))
    db.session.commit()
    return jsonify(condition_json(condition)), 201


openapi.operation("post", "/mining/conditions/count", summary="试算：数据范围内符合条件的客户数与前 20 个客户",
                  tag=TAG, request=COUNT_INPUT, response=COUNT, errors=(403, 422))


@bp.post("/mining/conditions/count")
@require(MINING_CONDITIONS)
def count_condition() -> Any:
    spec = conditions.validate(db.session, json_object().get("spec"))
    scope, now = _scope(), clock.now()
    return jsonify({"count": conditions.count(db.session, spec, scope, now),
                    "summary": conditions.describe(db.session, spec),
                    "preview": conditions.preview_rows(db.session, spec, scope, now)})


openapi.operation("get", "/mining/conditions/{condition_id}", summary="挖掘条件详情", tag=TAG, response=CONDITION,
                  parameters=[CONDITION_ID], errors=(403, 404))


@bp.get("/mining/conditions/<int:condition_id>")
@require(MINING_CONDITIONS)
def get_condition(condition_id: int) -> Any:
    return jsonify(condition_json(conditions.saved(db.session, condition_id, _scope())))


openapi.operation("put", "/mining/conditions/{condition_id}", summary="修改挖掘条件（名称、说明、条件）", tag=TAG,
                  request=CONDITION_INPUT, response=CONDITION, parameters=[CONDITION_ID],
                  errors=(403, 404, 409, 422))


@bp.put("/mining/conditions/<int:condition_id>")
@require(MINING_CONDITIONS)
def update_condition(condition_id: int) -> Any:
    condition = conditions.saved(db.session, condition_id, _scope())
    body = json_object()
    conditions.update(db.session, condition, body.get("name"), body.get("spec"), body.get("description", ""))
    db.session.commit()
    return jsonify(condition_json(condition))


openapi.operation("delete", "/mining/conditions/{condition_id}", summary="删除挖掘条件", tag=TAG, response=None,
                  status=204, parameters=[CONDITION_ID], errors=(403, 404, 409))


@bp.delete("/mining/conditions/<int:condition_id>")
@require(MINING_CONDITIONS)
def delete_condition(condition_id: int) -> Any:
    conditions.delete(db.session, conditions.saved(db.session, condition_id, _scope()))
    db.session.commit()
    return "", 204
