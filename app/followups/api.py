"""Follow-ups API: record a follow-up (e.g. from the call centre) and list a customer's follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.customers import services as customer_services
from app.errors import ValidationFailed
from app.extensions import db
from app.followups import services
from app.followups.access import FOLLOWUPS_RECORD, FOLLOWUPS_VIEW
from app.followups.models import FOLLOW_UP_KIND_LABELS, FollowUp

KINDS = [k.value for k in FOLLOW_UP_KIND_LABELS]
FOLLOW_UP = spec.schema("FollowUp", {
    "type": "object", "required": ["id", "customer_id", "user_id", "kind", "at", "valid"],
    "properties": {
        "id": {"type": "integer"}, "customer_id": {"type": "integer"}, "user_id": {"type": "integer"},
        "kind": {"type": "string", "enum": KINDS, "description": "电话/见客/来访/沙龙/邀约"},
        "at": {"type": "string", "format": "date-time"}, "phone": {"type": "string"},
        "connected": {"type": "boolean"},
        "valid": {"type": "boolean", "description": "有效跟进（电话：接通且达到时长）"},
        "duration_seconds": {"type": "integer"}, "result": {"type": "string"}, "content": {"type": "string"},
    },
})
FOLLOW_UP_CREATE = spec.schema("FollowUpCreate", {
    "type": "object", "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": KINDS}, "at": {"type": "string", "format": "date-time"},
        "phone": {"type": "string"}, "connected": {"type": "boolean"},
        "duration_seconds": {"type": "integer", "minimum": 0},
        "valid": {"type": "boolean", "description": "省略时按“接通且达到有效通话时长”判断"},
        "result": {"type": "string"}, "content": {"type": "string", "maxLength": 2000},
        "new_type": {"type": "string", "description": "同时更新客户类型"},
    },
})


def follow_up_json(f: FollowUp) -> dict[str, Any]:
    return {"id": f.id, "customer_id": f.customer_id, "user_id": f.user_id, "kind": f.kind.value,
            "at": f.at.isoformat(), "phone": f.phone, "connected": f.connected, "valid": f.valid,
            "duration_seconds": f.duration_seconds, "result": f.result, "content": f.content}


spec.operation("post", "/customers/{customer_id}/followups", summary="记录跟进", tag="跟进",
               request=FOLLOW_UP_CREATE, response=FOLLOW_UP, status=201, parameters=[spec.path_param("customer_id")],
               errors=(403, 404, 422))


@bp.post("/customers/<int:customer_id>/followups")
@require(FOLLOWUPS_RECORD)
def create_follow_up(customer_id: int) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("请求体应为 JSON 对象")
    customer = customer_services.get_customer(db.session, customer_services.customer_scope(db.session, current_user),
                                              customer_id)
    at = None
    if body.get("at"):
        try:
            at = datetime.fromisoformat(str(body["at"]))
        except ValueError as exc:
            raise ValidationFailed("at 应为 ISO-8601 时间（含时区）") from exc
    duration = body.get("duration_seconds", 0)
    valid = body.get("valid")
    if not isinstance(duration, int) or (valid is not None and not isinstance(valid, bool)):
        raise ValidationFailed("duration_seconds 应为整数，valid 应为布尔值")
    record = services.log_follow_up(db.session, customer, current_user, services.FollowUpInput(
        kind=str(body.get("kind", "")), at=at, phone=str(body.get("phone") or ""),
        connected=bool(body.get("connected")), duration_seconds=duration, result=str(body.get("result") or ""),
        content=str(body.get("content") or ""), valid=valid, new_type=str(body.get("new_type") or "")))
    db.session.commit()
    return jsonify(follow_up_json(record)), 201


spec.operation("get", "/customers/{customer_id}/followups", summary="客户的跟进记录", tag="跟进",
               response={"type": "array", "items": {"$ref": FOLLOW_UP}}, parameters=[spec.path_param("customer_id")])


@bp.get("/customers/<int:customer_id>/followups")
@require(FOLLOWUPS_VIEW)
def list_follow_ups(customer_id: int) -> Any:
    customer = customer_services.get_customer(db.session, customer_services.customer_scope(db.session, current_user),
                                              customer_id)
    return jsonify([follow_up_json(f) for f in services.follow_ups_of(db.session, customer.id)])
