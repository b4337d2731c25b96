"""Pools API: list a pool, claim (extract) from the public pool, assign to a seat."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.customers import visibility
from app.customers.models import Customer, Pool
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object
from app.org import scope as data_scope
from app.pools import services
from app.pools.access import (
    POOLS_ASSIGN,
    POOLS_CITY,
    POOLS_DEPARTMENT,
    POOLS_EXTRACT,
    POOLS_PERSONAL,
    POOLS_PUBLIC,
    POOLS_RED_FLAG,
)

POOL_CUSTOMER = spec.schema("PoolCustomer", {
    "type": "object", "required": ["id", "number", "name", "type", "pool", "phones", "service_org_id"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
        "type": {"type": "string"}, "grade": {"type": "string"}, "pool": {"type": "string"},
        "phones": {"type": "array", "items": {"type": "string"},
                   "description": "公共信息池中电话中间几位隐藏，提取后可见"},
        "category_id": {"type": "integer", "nullable": True}, "service_org_id": {"type": "integer"},
        "service_seat_id": {"type": "integer", "nullable": True},
        "pool_changed_at": {"type": "string", "format": "date-time"},
        "followup_count": {"type": "integer"},
    },
})
MOVE_RESULT = spec.schema("PoolMoveResult", {
    "type": "object", "required": ["moved", "skipped", "message"],
    "properties": {"moved": {"type": "array", "items": {"type": "integer"}}, "skipped": {"type": "integer"},
                   "message": {"type": "string"}},
})
CLAIM = spec.schema("PoolClaim", {
    "type": "object",
    "properties": {"customer_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 200},
                   "next": {"type": "boolean", "description": "true：提取等待最久的一个客户"}},
})
ASSIGN = spec.schema("PoolAssign", {
    "type": "object", "required": ["customer_ids", "seat_id"],
    "properties": {"customer_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500},
                   "seat_id": {"type": "integer"}},
})
POOL_PERMISSIONS = {"public": POOLS_PUBLIC, "personal": POOLS_PERSONAL, "department": POOLS_DEPARTMENT,
                    "city": POOLS_CITY, "head": POOLS_RED_FLAG}


def pool_customer_json(customer: Customer) -> dict[str, Any]:
    """A pool list's customer, phones masked as the pool's rule says (app.customers.visibility)."""
    return {"id": customer.id, "number": customer.number, "name": customer.name, "type": customer.type.value,
            "grade": customer.grade, "pool": customer.pool.value,
            "phones": [visibility.phone_shown(customer.pool, p.phone) for p in customer.phones],
            "category_id": customer.category_id, "service_org_id": customer.service_org_id,
            "service_seat_id": customer.service_seat_id, "pool_changed_at": customer.pool_changed_at.isoformat(),
            "followup_count": customer.followup_count}


def _pool_query(key: str) -> Select[Any]:
    permission = POOL_PERMISSIONS.get(key)
    if permission is None:
        abort(404)
    if not can(permission):
        abort(403)
    if key == "public":
        return services.public_pool(db.session, current_user)
    if key == "personal":
        return services.personal_pool(current_user.id)
    return services.scoped_pool(Pool(key), data_scope.scope_of(db.session, current_user, permission))


def _ids(body: dict[str, Any], key: str = "customer_ids") -> list[int]:
    ids = body.get(key, [])
    if not isinstance(ids, list) or not all(is_json_int(i) for i in ids):
        raise ValidationFailed(f"{key} 应为整数数组")
    return ids



spec.operation("get", "/pools/{pool}", summary="数据池客户列表（公共/个人/部门/城市经理/主管标红池）", tag="数据池",
               response=spec.page_of(POOL_CUSTOMER), errors=(403, 404),
               parameters=[{"name": "pool", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": list(POOL_PERMISSIONS)}}, *spec.PAGE_PARAMS])


@bp.get("/pools/<key>")
@require(*POOL_PERMISSIONS.values())
def pool_list(key: str) -> Any:
    page, per_page = page_args()
    stmt = _pool_query(key)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.options(selectinload(Customer.phones)).order_by(Customer.pool_changed_at,
                                                                                  Customer.id)
                              .limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([pool_customer_json(c) for c in rows], page, per_page, total))


spec.operation("post", "/pools/public/claim", summary="从公共信息池提取客户（竞争安全）", tag="数据池", request=CLAIM,
               response=MOVE_RESULT, errors=(403, 422))


@bp.post("/pools/public/claim")
@require(POOLS_EXTRACT)
def claim() -> Any:
    body = json_object()
    if body.get("next"):
        customer_id = services.take_next(db.session, current_user)
        db.session.commit()
        won = [customer_id] if customer_id else []
        return jsonify({"moved": won, "skipped": 0,
                        "message": "已提取 1 个客户" if won else "公共信息池中暂时没有可提取的客户"})
    result = services.extract(db.session, current_user, _ids(body))
    db.session.commit()
    return jsonify({"moved": result.moved, "skipped": result.skipped, "message": result.message("提取")})


spec.operation("post", "/pools/assign", summary="把未分配的客户分配给坐席", tag="数据池", request=ASSIGN,
               response=MOVE_RESULT, errors=(403, 404, 422))


@bp.post("/pools/assign")
@require(POOLS_ASSIGN)
def assign() -> Any:
    body = json_object()
    seat_id = body.get("seat_id")
    if not is_json_int(seat_id):
        raise ValidationFailed("seat_id 应为整数")
    pools = [Pool.PUBLIC] + [Pool(key) for key in ("department", "city", "head") if can(POOL_PERMISSIONS[key])]
    result = services.assign(db.session, current_user, data_scope.scope_of(db.session, current_user, POOLS_ASSIGN),
                             _ids(body), seat_id, pools)
    db.session.commit()
    return jsonify({"moved": result.moved, "skipped": result.skipped, "message": result.message("分配")})
