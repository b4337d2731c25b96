"""Invalid-customer pool API: list the pool, mark a customer 无效, revive customers (激活)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.customers import services as customer_services
from app.customers.access import CUSTOMERS_EDIT
from app.customers.models import Customer
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text
from app.mining import invalid
from app.mining.access import MINING_CONDITIONS
from app.mining.invalid_access import MINING_INVALID
from app.org import scope as data_scope

INVALID_CUSTOMER = spec.schema("InvalidCustomer", {
    "type": "object",
    "required": ["id", "number", "name", "type", "pool", "phones", "service_org_id", "invalid_reason"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string", "description": "客户编号"},
        "name": {"type": "string"}, "type": {"type": "string", "description": "客户类型"},
        "pool": {"type": "string", "description": "所在信息池；标记无效后为 invalid"},
        "phones": {"type": "array", "items": {"type": "string"}},
        "service_org_id": {"type": "integer", "description": "服务组织（标记无效时保留）"},
        "service_seat_id": {"type": "integer", "nullable": True},
        "prev_seat_id": {"type": "integer", "nullable": True, "description": "标记无效前的服务坐席"},
        "invalid_reason": {"type": "string", "description": "无效原因代码（基础数据 invalid_reason）"},
        "invalid_reason_label": {"type": "string"},
        "invalid_note": {"type": "string"},
        "invalid_at": {"type": "string", "format": "date-time", "nullable": True},
        "invalid_by_id": {"type": "integer", "nullable": True, "description": "标记人"},
    },
})
MARK = spec.schema("InvalidMark", {
    "type": "object", "required": ["reason"],
    "properties": {"reason": {"type": "string", "description": "无效原因代码：基础数据“无效原因”(invalid_reason)"},
                   "note": {"type": "string", "maxLength": 200, "description": "备注（可选）"}},
})
REVIVE = spec.schema("InvalidRevive", {
    "type": "object", "required": ["customer_ids", "target"],
    "properties": {
        "customer_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": invalid.MAX_IDS},
        "target": {"type": "string", "enum": [k.value for k in invalid.TargetKind],
                   "description": "public：公共信息池（类型改为意向）；department：部门信息池（需 org_id）；"
                                  "seat：坐席个人信息池（需 seat_id，受个人客户数上限约束）"},
        "org_id": {"type": "integer", "nullable": True}, "seat_id": {"type": "integer", "nullable": True},
    },
})
REVIVE_RESULT = spec.schema("InvalidReviveResult", {
    "type": "object", "required": ["moved", "skipped", "message"],
    "properties": {"moved": {"type": "integer", "description": "激活的客户数"},
                   "skipped": {"type": "integer", "description": "已被他人处理或不在数据范围内、未激活的客户数"},
                   "message": {"type": "string"}},
})


def invalid_customer_json(customer: Customer, labels: dict[str, str]) -> dict[str, Any]:
    return {"id": customer.id, "number": customer.number, "name": customer.name, "type": customer.type.value,
            "pool": customer.pool.value, "phones": [p.phone for p in customer.phones],
            "service_org_id": customer.service_org_id, "service_seat_id": customer.service_seat_id,
            "prev_seat_id": customer.prev_seat_id, "invalid_reason": customer.invalid_reason,
            "invalid_reason_label": labels.get(customer.invalid_reason, customer.invalid_reason),
            "invalid_note": customer.invalid_note,
            "invalid_at": customer.invalid_at.isoformat() if customer.invalid_at else None,
            "invalid_by_id": customer.invalid_by_id}




spec.operation("get", "/pools/invalid", summary="无效客户池（数据范围内）", tag="数据池",
               response=spec.page_of(INVALID_CUSTOMER), errors=(401, 403, 404, 422),
               parameters=[spec.query_param("q", "客户编号、姓名、电话"),
                           spec.query_param("reason", "无效原因代码"),
                           spec.query_param("condition_id", "按已保存的挖掘条件筛选", "integer"), *spec.PAGE_PARAMS])


@bp.get("/pools/invalid")
@require(MINING_INVALID)
def invalid_pool() -> Any:
    page, per_page = page_args()
    condition_id = request.args.get("condition_id", "")
    if condition_id and not (condition_id.isdigit() and len(condition_id) < 10):
        raise ValidationFailed("condition_id 应为挖掘条件的编号")
    f = invalid.InvalidFilter(q=request.args.get("q", "").strip()[:100], reason=request.args.get("reason", "")[:30],
                              condition_id=int(condition_id) if condition_id else None)
    invalid.apply_condition(db.session, f, data_scope.scope_of(db.session, current_user, MINING_CONDITIONS))
    stmt = invalid.invalid_pool(data_scope.scope_of(db.session, current_user, MINING_INVALID), f)
    total = invalid.count(db.session, stmt)
    rows = db.session.scalars(stmt.options(selectinload(Customer.phones))
                              .order_by(Customer.invalid_at.desc().nullslast(), Customer.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    labels = dict(invalid.reason_choices(db.session))
    return jsonify(page_body([invalid_customer_json(c, labels) for c in rows], page, per_page, total))


# 404: not a customer in the caller's scope; 409: already in the invalid pool; 422: no/unknown reason, 成交.
spec.operation("post", "/customers/{customer_id}/invalid", summary="标记客户无效（移入无效客户池）", tag="数据池",
               request=MARK, response=INVALID_CUSTOMER, parameters=[spec.path_param("customer_id")],
               errors=(401, 403, 404, 409, 422))


@bp.post("/customers/<int:customer_id>/invalid")
@require(CUSTOMERS_EDIT)
def mark_invalid(customer_id: int) -> Any:
    body = json_object()
    scope = customer_services.customer_scope(db.session, current_user, CUSTOMERS_EDIT)
    customer = invalid.mark_invalid(db.session, current_user, scope, customer_id, json_text(body, "reason"),
                                    json_text(body, "note"))
    db.session.commit()
    return jsonify(invalid_customer_json(customer, dict(invalid.reason_choices(db.session))))


# 404: a single id not in the caller's invalid pool, or an org/seat target outside the scope.
spec.operation("post", "/pools/invalid/revive", summary="激活无效客户（到公共信息池、部门信息池或坐席）", tag="数据池",
               request=REVIVE, response=REVIVE_RESULT, errors=(401, 403, 404, 422))


@bp.post("/pools/invalid/revive")
@require(MINING_INVALID)
def revive() -> Any:
    body = json_object()
    ids = body.get("customer_ids")
    if not isinstance(ids, list) or not all(is_json_int(i) for i in ids):
        raise ValidationFailed("customer_ids 应为整数数组")
    for key in ("org_id", "seat_id"):
        if body.get(key) is not None and not is_json_int(body.get(key)):
            raise ValidationFailed(f"{key} 应为整数")
    kind = body.get("target")
    target = invalid.parse_target(kind if isinstance(kind, str) else "", body.get("org_id"), body.get("seat_id"))
    result = invalid.revive(db.session, current_user, data_scope.scope_of(db.session, current_user, MINING_INVALID),
                            target, ids=ids)
    db.session.commit()
    return jsonify({"moved": result.moved, "skipped": result.skipped, "message": result.message})
