"""Customers API: search, create, read, update (data scope applied as on screens: out of scope is 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.models import DataScope
from app.auth.permissions import require
from app.customers import blacklist, services, visibility
from app.customers.access import CUSTOMERS_EDIT, CUSTOMERS_VIEW
from app.customers.models import CUSTOMER_TYPE_LABELS, POOL_LABELS, Customer
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object
from app.org import scope as data_scope
from app.pools.services import seat_for_assignment
from rules.identity import ID_TYPE_LABELS

PHONE = spec.schema("CustomerPhone", {
    "type": "object", "required": ["phone", "is_primary", "blacklisted"],
    "properties": {"phone": {"type": "string"}, "is_primary": {"type": "boolean"},
                   "blacklisted": {"type": "boolean"}},
})
ADDRESS = spec.schema("CustomerAddress", {
    "type": "object", "required": ["kind", "address"],
    "properties": {"kind": {"type": "string", "enum": ["home", "work", "mail"]}, "address": {"type": "string"},
                   "postcode": {"type": "string"}},
})
TYPES = list(CUSTOMER_TYPE_LABELS)
POOLS = list(POOL_LABELS)
CUSTOMER = spec.schema("Customer", {
    "type": "object",
    "required": ["id", "number", "name", "gender", "type", "pool", "service_org_id", "service_seat_id", "phones"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string", "description": "客户编号"},
        "name": {"type": "string"}, "gender": {"type": "string", "enum": ["male", "female", "unknown"]},
        "birthday": {"type": "string", "format": "date", "nullable": True},
        "id_type": {"type": "string", "enum": [k.value for k in ID_TYPE_LABELS]},
        "id_number": {"type": "string", "nullable": True},
        "type": {"type": "string", "enum": TYPES, "description": "客户类型：新建/意向/有效/无效/成交"},
        "grade": {"type": "string"}, "source": {"type": "string"}, "import_batch": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}}, "remark": {"type": "string"},
        "category_id": {"type": "integer", "nullable": True},
        "service_seat_id": {"type": "integer", "nullable": True, "description": "服务坐席"},
        "service_org_id": {"type": "integer", "description": "服务组织"},
        "pool": {"type": "string", "enum": POOLS},
        "followup_count": {"type": "integer"}, "valid_call_count": {"type": "integer"},
        "last_followup_at": {"type": "string", "format": "date-time", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "phones": {"type": "array", "items": {"$ref": PHONE}},
        "addresses": {"type": "array", "items": {"$ref": ADDRESS}},
    },
})
_EDITABLE = {
    "name": {"type": "string", "maxLength": 50}, "gender": {"type": "string", "enum": ["male", "female", "unknown"]},
    "birthday": {"type": "string", "format": "date", "nullable": True},
    "id_type": {"type": "string", "enum": [k.value for k in ID_TYPE_LABELS]},
    "id_number": {"type": "string", "maxLength": 40}, "type": {"type": "string", "enum": TYPES},
    "grade": {"type": "string"}, "source": {"type": "string"}, "tags": {"type": "string"},
    "remark": {"type": "string"}, "category_id": {"type": "integer", "nullable": True},
}
CUSTOMER_CREATE = spec.schema("CustomerCreate", {
    "type": "object", "required": ["name", "phones"],
    "properties": {**_EDITABLE, "phones": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                   "address": {"type": "string"},
                   "org_id": {"type": "integer", "description": "服务组织（坐席可省略：进入本人个人信息池）"},
                   "seat_id": {"type": "integer", "nullable": True, "description": "服务坐席；省略则进入部门信息池"}},
})
CUSTOMER_UPDATE = spec.schema("CustomerUpdate", {"type": "object", "properties": _EDITABLE})


def customer_json(customer: Customer, flagged: set[str] | None = None) -> dict[str, Any]:
    flagged = flagged if flagged is not None else blacklist.blacklisted(db.session, (p.phone for p in customer.phones))
    return {
        "id": customer.id, "number": customer.number, "name": customer.name, "gender": customer.gender.value,
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "id_type": customer.id_type.value, "id_number": visibility.id_number_shown(customer.pool, customer.id_number),
        "type": customer.type.value,
        "grade": customer.grade, "source": customer.source, "import_batch": customer.import_batch,
        "tags": customer.tag_list, "remark": customer.remark, "category_id": customer.category_id,
        "service_seat_id": customer.service_seat_id, "service_org_id": customer.service_org_id,
        "pool": customer.pool.value, "followup_count": customer.followup_count,
        "valid_call_count": customer.valid_call_count,
        "last_followup_at": customer.last_followup_at.isoformat() if customer.last_followup_at else None,
        "created_at": customer.created_at.isoformat(),
        "phones": [{"phone": visibility.phone_shown(customer.pool, p.phone), "is_primary": p.is_primary,
                    "blacklisted": p.phone in flagged} for p in customer.phones],
        "addresses": [] if visibility.masked(customer.pool) else
        [{"kind": a.kind.value, "address": a.address, "postcode": a.postcode} for a in customer.addresses],
    }



def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed("出生日期格式应为 YYYY-MM-DD") from exc


def _text(body: dict[str, Any], key: str, default: str = "") -> str:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationFailed(f"字段 {key} 应为字符串")
    return value


def _input(body: dict[str, Any], base: Customer | None = None) -> services.CustomerInput:
    def pick(key: str, current: str) -> str:
        return _text(body, key, current) if key in body else current

    category = body.get("category_id", base.category_id if base else None)
    if category is not None and not is_json_int(category):
        raise ValidationFailed("字段 category_id 应为整数")
    return services.CustomerInput(
        name=pick("name", base.name if base else ""), gender=pick("gender", base.gender.value if base else ""),
        birthday=_day(body["birthday"]) if "birthday" in body else (base.birthday if base else None),
        id_type=pick("id_type", base.id_type.value if base else ""),
        id_number=pick("id_number", (base.id_number or "") if base else ""),
        category_id=category, type=pick("type", base.type.value if base else ""),
        grade=pick("grade", base.grade if base else ""), source=pick("source", base.source if base else ""),
        tags=pick("tags", base.tags if base else ""), remark=pick("remark", base.remark if base else ""))


spec.operation("get", "/customers", summary="客户查询（组合查询，数据范围内）", tag="客户",
               response=spec.page_of(CUSTOMER), errors=(403,),
               parameters=[spec.query_param("q", "组合查询：编号（含已合并编号）、姓名、电话、证件号、地址、标签"),
                           spec.query_param("type", "客户类型"), spec.query_param("pool", "所在信息池"),
                           *spec.PAGE_PARAMS])


@bp.get("/customers")
@require(CUSTOMERS_VIEW)
def list_customers() -> Any:
    page, per_page = page_args()
    kind, pool = request.args.get("type", ""), request.args.get("pool", "")
    f = services.CustomerFilter(q=request.args.get("q", "").strip()[:100], types=(kind,) if kind in TYPES else (),
                                pool=pool if pool in POOLS else "")
    scope = services.customer_scope(db.session, current_user)
    stmt = services.filter_customers(services.scoped(select(Customer), scope), f)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(db.session.scalars(stmt.options(selectinload(Customer.phones), selectinload(Customer.addresses))
                                   .order_by(Customer.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    flagged = blacklist.blacklisted(db.session, (p.phone for c in rows for p in c.phones))
    return jsonify(page_body([customer_json(c, flagged) for c in rows], page, per_page, total))


# 404: seat_id names no seat inside the caller's scope (as for /pools/assign).
spec.operation("post", "/customers", summary="新建客户", tag="客户", request=CUSTOMER_CREATE, response=CUSTOMER,
               status=201, errors=(403, 404, 409, 422))


@bp.post("/customers")
@require(CUSTOMERS_EDIT)
def create_customer() -> Any:
    body = json_object()
    data = _input(body)
    phones = body.get("phones")
    if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
        raise ValidationFailed("phones 应为电话号码字符串数组")
    data.phones, data.address = phones, _text(body, "address")
    scope = services.customer_scope(db.session, current_user, CUSTOMERS_EDIT)
    if scope.level == DataScope.SELF:
        org_id, seat_id = current_user.org_id, current_user.id
    else:
        org_id = body.get("org_id")
        if not is_json_int(org_id) or org_id not in data_scope.org_ids(db.session, scope):
            raise ValidationFailed("请指定您管理范围内的服务组织 org_id")
        seat_id = body.get("seat_id")
        if seat_id is not None:
            if not is_json_int(seat_id):
                raise ValidationFailed("seat_id 应为整数")
            org_id = seat_for_assignment(db.session, scope, seat_id).org_id
    customer = services.create_customer(db.session, data, org_id=org_id, seat_id=seat_id, actor_id=current_user.id,
                                        source_default="phone")
    db.session.commit()
    return jsonify(customer_json(customer)), 201


spec.operation("get", "/customers/{customer_id}", summary="客户详情", tag="客户", response=CUSTOMER,
               parameters=[spec.path_param("customer_id")])


@bp.get("/customers/<int:customer_id>")
@require(CUSTOMERS_VIEW)
def get_customer(customer_id: int) -> Any:
    scope = services.customer_scope(db.session, current_user)
    return jsonify(customer_json(services.get_customer(db.session, scope, customer_id)))


spec.operation("patch", "/customers/{customer_id}", summary="修改客户资料", tag="客户", request=CUSTOMER_UPDATE,
               response=CUSTOMER, parameters=[spec.path_param("customer_id")], errors=(403, 404, 409, 422))


@bp.patch("/customers/<int:customer_id>")
@require(CUSTOMERS_EDIT)
def update_customer(customer_id: int) -> Any:
    scope = services.customer_scope(db.session, current_user, CUSTOMERS_EDIT)
    customer = services.get_customer(db.session, scope, customer_id)
    visibility.check_change(customer)
    services.update_customer(db.session, customer, _input(json_object(), customer))
    db.session.commit()
    return jsonify(customer_json(customer))
