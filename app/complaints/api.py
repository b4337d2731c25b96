"""投诉 API: list complaints (the screens' views), one complaint, and filing one (e.g. from the call centre).

Bearer-token auth like every /api/v1 endpoint; the same data scope as the screens: a complaint outside it is a
404, and filing for a customer outside the caller's customer scope is a 404 with nothing written."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.permissions import require
from app.complaints import services
from app.complaints.access import FILE, VIEW
from app.complaints.models import Complaint, ComplaintChannel, ComplaintSeverity, ComplaintStatus
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text

_STAMP = {"type": "string", "format": "date-time", "nullable": True}
COMPLAINT = spec.schema("Complaint", {
    "type": "object",
    "required": ["id", "number", "customer_id", "customer_name", "category_id", "category_name", "channel",
                 "severity", "status", "status_label", "content", "due_at", "overdue", "escalated",
                 "escalation_level", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string"}, "customer_id": {"type": "integer"},
        "customer_name": {"type": "string"}, "category_id": {"type": "integer"}, "category_name": {"type": "string"},
        "channel": {"type": "string", "enum": [c.value for c in ComplaintChannel]},
        "severity": {"type": "string", "enum": [s.value for s in ComplaintSeverity]},
        "status": {"type": "string", "enum": [s.value for s in ComplaintStatus]}, "status_label": {"type": "string"},
        "content": {"type": "string"}, "result": {"type": "string"},
        "handler_id": {"type": "integer", "nullable": True}, "handler_name": {"type": "string", "nullable": True},
        "due_at": {"type": "string", "format": "date-time", "description": "处理时限（按投诉类别的 SLA 小时数）"},
        "overdue": {"type": "boolean", "description": "已超过处理时限且未结案"},
        "escalated": {"type": "boolean"}, "escalation_level": {"type": "integer"}, "escalated_at": _STAMP,
        "process_instance_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"}, "closed_at": _STAMP,
    },
})
COMPLAINT_CREATE = spec.schema("ComplaintCreate", {
    "type": "object", "required": ["customer_id", "category_id", "content"],
    "properties": {
        "customer_id": {"type": "integer", "description": "须在调用人的客户数据范围内"},
        "category_id": {"type": "integer", "description": "启用的投诉类别"},
        "channel": {"type": "string", "enum": [c.value for c in ComplaintChannel], "default": "api"},
        "severity": {"type": "string", "enum": [s.value for s in ComplaintSeverity], "default": "normal"},
        "content": {"type": "string", "maxLength": services.CONTENT_MAX},
    },
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def complaint_json(c: Complaint) -> dict[str, Any]:
    return {"id": c.id, "number": c.number, "customer_id": c.customer_id, "customer_name": c.customer.name,
            "category_id": c.category_id, "category_name": c.category.name, "channel": c.channel.value,
            "severity": c.severity.value, "status": c.status.value, "status_label": c.status.label,
            "content": c.content, "result": c.result, "handler_id": c.handler_id,
            "handler_name": c.handler.name if c.handler else None, "due_at": _iso(c.due_at), "overdue": c.overdue(),
            "escalated": c.escalated, "escalation_level": c.escalation_level, "escalated_at": _iso(c.escalated_at),
            "process_instance_id": c.process_instance_id, "created_at": _iso(c.created_at),
            "closed_at": _iso(c.closed_at)}


spec.operation("get", "/complaints", summary="投诉列表：all 全部 / open 未结案 / overdue 超时未结案 / mine 我的投诉",
               tag="投诉", response=spec.page_of(COMPLAINT), errors=(403, 422), parameters=[
                   spec.query_param("view", "all（默认）| open | overdue | mine", enum=list(services.VIEWS)),
                   spec.query_param("category_id", "投诉类别", "integer"),
                   spec.query_param("customer_id", "客户", "integer"), *spec.PAGE_PARAMS])


@bp.get("/complaints")
@require(VIEW)
def list_complaints() -> Any:
    page, per_page = page_args()
    view = request.args.get("view", "all")
    if view not in services.VIEWS:
        raise ValidationFailed("view 只能是 " + "、".join(services.VIEWS))
    stmt = services.listing(db.session, current_user, view=view, category_id=query_int("category_id"),
                            customer_id=query_int("customer_id"))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([complaint_json(c) for c in rows], page, per_page, total))


spec.operation("post", "/complaints", summary="登记投诉（启动投诉处理流程，按类别分派处理人）", tag="投诉",
               response=COMPLAINT, status=201, request=COMPLAINT_CREATE, errors=(403, 404, 422))


@bp.post("/complaints")
@require(FILE)
def create_complaint() -> Any:
    body = json_object()
    for key in ("customer_id", "category_id"):
        if not is_json_int(body.get(key)):
            raise ValidationFailed(f"字段 {key} 缺失或类型不正确", details={"field": key})
    complaint = services.file(db.session, current_user, customer_id=body["customer_id"],
                              category_id=body["category_id"],
                              channel=json_text(body, "channel") or ComplaintChannel.API.value,
                              content=json_text(body, "content"),
                              severity=json_text(body, "severity") or ComplaintSeverity.NORMAL.value)
    db.session.commit()
    response = jsonify(complaint_json(complaint))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_complaint", complaint_id=complaint.id)
    return response


spec.operation("get", "/complaints/{complaint_id}", summary="投诉详情", tag="投诉", response=COMPLAINT,
               parameters=[spec.path_param("complaint_id")])


@bp.get("/complaints/<int:complaint_id>")
@require(VIEW)
def get_complaint(complaint_id: int) -> Any:
    return jsonify(complaint_json(services.get_visible(db.session, current_user, complaint_id)))
