"""客户关怀 API: the care lists, the rendered care message of a customer, its care records and 登记关怀.

Bearer-token auth like every /api/v1 endpoint; the screens' data scope: a customer outside it is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api import spec
from app.api.routes import bp, query_int
from app.auth.permissions import require
from app.care import occasions, services
from app.care.access import CARE
from app.care.models import CareKind, CareRecord
from app.care.routes import care_scope
from app.customers import services as customers
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text

KINDS = [k.value for k in CareKind]
UPCOMING = spec.schema("CareUpcoming", {
    "type": "object", "required": ["customer_id", "number", "name", "date", "days_ahead", "years", "seat_id",
                                   "seat_name", "cared"],
    "properties": {
        "customer_id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
        "origin": {"type": "string", "format": "date", "description": "出生日期或首笔成交日"},
        "date": {"type": "string", "format": "date", "description": "本次生日或纪念日（平年的 2月29日记为 2月28日）"},
        "days_ahead": {"type": "integer", "description": "距今天数，0 为今天"},
        "years": {"type": "integer", "description": "年龄（周岁）或成交周年"},
        "seat_id": {"type": "integer", "nullable": True}, "seat_name": {"type": "string"},
        "last_cared_at": {"type": "string", "format": "date-time", "nullable": True},
        "cared": {"type": "boolean", "description": "本次生日或纪念日已登记关怀"},
    },
})
UPCOMING_LIST = spec.schema("CareUpcomingList", {
    "type": "object", "required": ["kind", "days", "total", "items"],
    "properties": {"kind": {"type": "string", "enum": ["birthday", "anniversary"]}, "days": {"type": "integer"},
                   "total": {"type": "integer", "description": f"名单总人数（items 最多 {occasions.LIST_LIMIT} 条）"},
                   "items": {"type": "array", "items": {"$ref": UPCOMING}}},
})
RECORD = spec.schema("CareRecord", {
    "type": "object", "required": ["id", "customer_id", "kind", "kind_label", "message", "by_id", "by_name",
                                   "cared_at"],
    "properties": {
        "id": {"type": "integer"}, "customer_id": {"type": "integer"}, "kind": {"type": "string", "enum": KINDS},
        "kind_label": {"type": "string"}, "occasion": {"type": "string", "format": "date", "nullable": True},
        "template_id": {"type": "integer", "nullable": True}, "template_name": {"type": "string", "nullable": True},
        "message": {"type": "string"}, "by_id": {"type": "integer"}, "by_name": {"type": "string"},
        "cared_at": {"type": "string", "format": "date-time"},
        "task_item_id": {"type": "integer", "nullable": True, "description": "因此执行完成的关怀任务客户"},
    },
})
RECORD_CREATE = spec.schema("CareRecordCreate", {
    "type": "object", "required": ["kind", "message"],
    "properties": {"kind": {"type": "string", "enum": KINDS}, "message": {"type": "string", "maxLength": 1000},
                   "template_id": {"type": "integer", "description": "所用内容模板"},
                   "occasion": {"type": "string", "format": "date", "description": "关怀的生日或纪念日"}},
})
MESSAGE = spec.schema("CareMessage", {
    "type": "object", "required": ["customer_id", "kind", "message"],
    "properties": {"customer_id": {"type": "integer"}, "kind": {"type": "string", "enum": KINDS},
                   "template_id": {"type": "integer", "nullable": True},
                   "template_name": {"type": "string", "nullable": True},
                   "occasion": {"type": "string", "format": "date", "nullable": True},
                   "years": {"type": "integer", "nullable": True},
                   "message": {"type": "string", "description": "按客户填好占位符的关怀话术；没有模板时为空"}},
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def record_json(care: CareRecord) -> dict[str, Any]:
    return {"id": care.id, "customer_id": care.customer_id, "kind": care.kind.value, "kind_label": care.kind.label,
            "occasion": _iso(care.occasion), "template_id": care.template_id,
            "template_name": care.template.name if care.template else None, "message": care.message,
            "by_id": care.by_id, "by_name": care.by.name, "cared_at": _iso(care.cared_at),
            "task_item_id": care.task_item_id}


spec.operation("get", "/care/upcoming", summary="生日关怀 / 纪念日关怀名单：今天起若干天内（含今天）", tag="客户管理",
               response=UPCOMING_LIST, errors=(403, 422), parameters=[
                   spec.query_param("kind", "birthday 生日（默认）| anniversary 成交纪念日",
                                    enum=["birthday", "anniversary"]),
                   spec.query_param("days", "天数 1–60，默认 7（1 为仅今天）", "integer")])


@bp.get("/care/upcoming")
@require(CARE)
def care_upcoming() -> Any:
    kind = occasions.clean_kind(request.args.get("kind") or "birthday")
    days = occasions.clean_days(request.args.get("days"))
    rows, total = occasions.listing(db.session, care_scope(), kind, clock.today(), days)
    items = [{"customer_id": r.customer_id, "number": r.number, "name": r.name, "origin": _iso(r.origin),
              "date": _iso(r.on), "days_ahead": r.ahead, "years": r.years, "seat_id": r.seat_id,
              "seat_name": r.seat_name, "last_cared_at": _iso(r.last_cared_at), "cared": r.cared} for r in rows]
    return jsonify({"kind": kind.value, "days": days, "total": total, "items": items})


spec.operation("get", "/care/customers/{customer_id}/message", summary="客户的关怀话术（按关怀模板填好占位符）",
               tag="客户管理", response=MESSAGE, errors=(403, 404, 422), parameters=[
                   spec.path_param("customer_id"), spec.query_param("kind", "关怀类型，默认 birthday", enum=KINDS),
                   spec.query_param("template_id", "内容模板（启用中的关怀模板），默认该类型第一个", "integer")])


@bp.get("/care/customers/<int:customer_id>/message")
@require(CARE)
def care_message(customer_id: int) -> Any:
    customer = customers.get_customer(db.session, care_scope(), customer_id)
    try:
        kind = CareKind(request.args.get("kind") or "birthday")
    except ValueError as exc:
        raise ValidationFailed("关怀类型无效", details={"field": "kind"}) from exc
    msg = services.message(db.session, customer, current_user, kind, query_int("template_id"))
    return jsonify({"customer_id": customer.id, "kind": kind.value,
                    "template_id": msg.template.id if msg.template else None,
                    "template_name": msg.template.name if msg.template else None, "occasion": _iso(msg.occasion),
                    "years": msg.years, "message": msg.text})


spec.operation("get", "/care/customers/{customer_id}/records", summary="客户的关怀记录（最近 50 条）", tag="客户管理",
               response={"type": "array", "items": {"$ref": RECORD}}, parameters=[spec.path_param("customer_id")])


@bp.get("/care/customers/<int:customer_id>/records")
@require(CARE)
def care_records(customer_id: int) -> Any:
    customer = customers.get_customer(db.session, care_scope(), customer_id)
    return jsonify([record_json(c) for c in services.customer_records(db.session, customer.id)])


spec.operation("post", "/care/customers/{customer_id}/records", summary="登记关怀（同时执行该客户待执行的关怀任务）",
               tag="客户管理", response=RECORD, status=201, request=RECORD_CREATE,
               parameters=[spec.path_param("customer_id")], errors=(403, 404, 409, 422))


@bp.post("/care/customers/<int:customer_id>/records")
@require(CARE)
def create_care_record(customer_id: int) -> Any:
    customer = customers.get_customer(db.session, care_scope(), customer_id)
    body = json_object()
    template_id = body.get("template_id")
    if template_id is not None and not is_json_int(template_id):
        raise ValidationFailed("字段 template_id 应为整数", details={"field": "template_id"})
    occasion = None
    if body.get("occasion") not in (None, ""):
        try:
            occasion = date.fromisoformat(json_text(body, "occasion"))
        except ValueError as exc:
            raise ValidationFailed("关怀日期格式应为 YYYY-MM-DD", details={"field": "occasion"}) from exc
    care = services.record(db.session, customer, current_user, kind=json_text(body, "kind"),
                           message_text=json_text(body, "message"), template_id=template_id, occasion=occasion)
    db.session.commit()
    response = jsonify(record_json(care))
    response.status_code = 201
    return response
