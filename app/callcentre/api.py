"""The telephony system's API (电话系统接口): screen-pop (来电弹屏), missed calls (未接来电); a seat's call-backs.

Bearer-token auth like every /api/v1 endpoint; the telephony account's role holds ``callcentre.cti`` only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.callcentre import callbacks, screen_pop
from app.callcentre.access import CALLBACKS, CTI
from app.callcentre.models import Callback, CallbackSource, CallbackStatus, CallDirection
from app.customers.models import Customer
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import enum_arg, json_object

_STAMP = {"type": "string", "format": "date-time", "nullable": True}
_EXTENSION = {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "分机号（2–10 位数字）"}
POP_REQUEST = spec.schema("ScreenPopRequest", {
    "type": "object", "required": ["extension", "caller"],
    "properties": {
        "extension": _EXTENSION, "caller": {"type": "string", "description": "主叫号码（手机或带区号的固话）"},
        "call_id": {"type": "string", "maxLength": 64, "description": "电话系统的通话编号"},
        "direction": {"type": "string", "enum": [d.value for d in CallDirection], "description": "呼入 / 呼出"},
    },
})
POP = spec.schema("ScreenPop", {
    "type": "object",
    "required": ["id", "seat_id", "seat_name", "seat_online", "caller", "customers", "outside_scope", "blacklisted",
                 "blacklist_reason", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "seat_id": {"type": "integer"}, "seat_name": {"type": "string"},
        "seat_online": {"type": "boolean", "description": "坐席当前是否在线；不在线时登录后 5 分钟内仍会弹出"},
        "caller": {"type": "string", "description": "规范化后的号码"},
        "customers": {"type": "array", "description": "坐席数据范围内使用该号码的客户（最多 20 个）",
                      "items": {"type": "object", "required": ["id", "name", "number"], "properties": {
                          "id": {"type": "integer"}, "name": {"type": "string"}, "number": {"type": "string"}}}},
        "outside_scope": {"type": "boolean", "description": "坐席范围外还有客户使用该号码（不透露是谁）"},
        "blacklisted": {"type": "boolean"}, "blacklist_reason": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
})
MISSED_REQUEST = spec.schema("MissedCallRequest", {
    "type": "object", "required": ["caller"],
    "properties": {
        "caller": {"type": "string", "description": "主叫号码"},
        "time": {"type": "string", "format": "date-time", "description": "来电时间（带时区），缺省为现在"},
        "extension": _EXTENSION,
    },
})
CALLBACK = spec.schema("Callback", {
    "type": "object",
    "required": ["id", "customer_id", "phone", "seat_id", "org_id", "due_at", "reason", "source", "source_label",
                 "status", "status_label", "missed_calls", "overdue"],
    "properties": {
        "id": {"type": "integer"}, "customer_id": {"type": "integer", "nullable": True},
        "phone": {"type": "string"}, "seat_id": {"type": "integer", "nullable": True, "description": "空：部门待领"},
        "org_id": {"type": "integer"}, "due_at": {"type": "string", "format": "date-time"},
        "reason": {"type": "string"},
        "source": {"type": "string", "enum": [s.value for s in CallbackSource]}, "source_label": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in CallbackStatus]}, "status_label": {"type": "string"},
        "missed_calls": {"type": "integer"}, "overdue": {"type": "boolean"},
        "result_note": {"type": "string"}, "completed_at": _STAMP,
    },
})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def callback_json(callback: Callback) -> dict[str, Any]:
    return {"id": callback.id, "customer_id": callback.customer_id, "phone": callback.phone,
            "seat_id": callback.seat_id, "org_id": callback.org_id, "due_at": _iso(callback.due_at),
            "reason": callback.reason, "source": callback.source.value, "source_label": callback.source.label,
            "status": callback.status.value, "status_label": callback.status.label,
            "missed_calls": callback.missed_calls, "overdue": callback.overdue, "result_note": callback.result_note,
            "completed_at": _iso(callback.completed_at)}


spec.operation("post", "/cti/screen-pop", summary="来电弹屏：电话系统通知某分机的来电，坐席页面 1 秒内弹出客户",
               tag="呼叫中心", response=POP, status=201, request=POP_REQUEST, errors=(403, 404, 409, 422))


@bp.post("/cti/screen-pop")
@require(CTI)
def cti_screen_pop() -> Any:
    body = json_object()
    pop, online, customer_ids = screen_pop.announce(
        db.session, extension=body.get("extension"), caller=body.get("caller"),
        call_id=body.get("call_id") if body.get("call_id") is not None else "",
        direction=body.get("direction") or CallDirection.INBOUND.value)
    rows = db.session.execute(select(Customer.id, Customer.name, Customer.number)
                              .where(Customer.id.in_(customer_ids)).order_by(Customer.id)).all()
    db.session.commit()
    response = jsonify({"id": pop.id, "seat_id": pop.seat_id, "seat_name": pop.seat.name, "seat_online": online,
                        "caller": pop.caller, "customers": [{"id": r.id, "name": r.name, "number": r.number}
                                                            for r in rows],
                        "outside_scope": pop.outside_scope, "blacklisted": pop.blacklisted,
                        "blacklist_reason": pop.blacklist_reason, "created_at": _iso(pop.created_at)})
    response.status_code = 201
    return response


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise ValidationFailed("来电时间（time）应为带时区的 ISO 8601 时间，例如 2026-06-17T10:00:00+08:00",
                               details={"field": "time"})
    return stamp


spec.operation("post", "/cti/missed-call",
               summary="未接来电：按回访策略生成回访（服务坐席、分配规则或部门待领）；同一号码待回访时只累计次数",
               tag="呼叫中心", response=CALLBACK, status=201, request=MISSED_REQUEST, errors=(403, 404, 409, 422),
               also={200: "同一号码已有待回访的未接来电：累计次数，返回该回访"})


@bp.post("/cti/missed-call")
@require(CTI)
def cti_missed_call() -> Any:
    body = json_object()
    callback, created = callbacks.missed_call(db.session, current_user, caller=body.get("caller"),
                                              at=_time(body.get("time")), extension=body.get("extension"))
    db.session.commit()
    response = jsonify(callback_json(callback))
    response.status_code = 201 if created else 200
    return response


spec.operation("get", "/callbacks", summary="我的回访（默认待回访，按回访时间排序）", tag="呼叫中心",
               response=spec.page_of(CALLBACK), errors=(400, 403), parameters=[
                   spec.query_param("status", "pending（默认）| done | cancelled",
                                    enum=[s.value for s in CallbackStatus]), *spec.PAGE_PARAMS])


@bp.get("/callbacks")
@require(CALLBACKS)
def list_callbacks() -> Any:
    page, per_page = page_args()
    status = enum_arg("status", CallbackStatus) or CallbackStatus.PENDING
    stmt = callbacks.mine(current_user, status)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([callback_json(c) for c in rows], page, per_page, total))

