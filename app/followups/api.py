"""Follow-ups API: record and list a customer's follow-ups (e.g. from the call centre), the 有效跟进 customer list,
and a customer's appointments (预约: book, reschedule, complete, cancel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.customers import services as customer_services
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer
from app.errors import ValidationFailed
from app.extensions import db
from app.followups import services, work
from app.followups.access import FOLLOWUPS_RECORD, FOLLOWUPS_VIEW
from app.followups.models import FOLLOW_UP_KIND_LABELS, Appointment, AppointmentStatus, FollowUp
from app.inputs import json_object
from rules import phones as phone_rules

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



def _moment(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed("at 应为 ISO-8601 时间（含时区）") from exc


def _customer(customer_id: int) -> Customer:
    return customer_services.get_customer(db.session, customer_services.customer_scope(db.session, current_user),
                                          customer_id)


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
    body = json_object()
    customer = _customer(customer_id)
    at = _moment(body.get("at")) if body.get("at") else None
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
    return jsonify([follow_up_json(f) for f in services.follow_ups_of(db.session, _customer(customer_id).id)])


# --- 有效跟进客户查询 ---------------------------------------------------------------------------------

STATUSES = [s.value for s in work.WORK_STATUS_LABELS]
TYPES = [t.value for t in CUSTOMER_TYPE_LABELS]
WORK_CUSTOMER = spec.schema("FollowUpCustomer", {
    "type": "object",
    "required": ["id", "number", "name", "type", "phones", "followup_count", "valid_call_count"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
        "type": {"type": "string", "enum": TYPES},
        "phones": {"type": "array", "items": {"type": "string"}, "description": "遮蔽中间位的电话"},
        "followup_count": {"type": "integer", "description": "本次分配后跟进次数"},
        "valid_call_count": {"type": "integer", "description": "本次分配后有效电话次数"},
        "last_followup_at": {"type": "string", "format": "date-time", "nullable": True},
        "next_appointment_at": {"type": "string", "format": "date-time", "nullable": True},
    },
})


def _query_day(name: str) -> date | None:
    text = request.args.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(f"{name} 应为 YYYY-MM-DD 日期") from exc


spec.operation("get", "/followups/customers", summary="有效跟进客户查询（坐席：自己的客户）", tag="跟进",
               response=spec.page_of(WORK_CUSTOMER), errors=(403, 422),
               parameters=[spec.query_param("q", "姓名（模糊）或客户编号"),
                           spec.query_param("phone", "电话尾号，至少 3 位数字"),
                           spec.query_param("type", "客户类型", enum=TYPES),
                           spec.query_param("status", "due 待跟进（未跟进或预约已到）| valid 已有效跟进",
                                            enum=STATUSES),
                           spec.query_param("from", "最近跟进日期起（YYYY-MM-DD）"),
                           spec.query_param("to", "最近跟进日期止（YYYY-MM-DD）"), *spec.PAGE_PARAMS])


@bp.get("/followups/customers")
@require(FOLLOWUPS_VIEW)
def list_work_customers() -> Any:
    page, per_page = page_args()
    args = request.args
    kind, status = args.get("type", ""), args.get("status", "")
    if (kind and kind not in TYPES) or (status and status not in STATUSES):
        raise ValidationFailed("type 或 status 无效")
    f = work.WorkFilter(q=args.get("q", "").strip()[:50], phone_tail=work.clean_phone_tail(args.get("phone", "")[:30]),
                        type=kind, status=status, day_from=_query_day("from"), day_to=_query_day("to"))
    stmt = work.work_customers(customer_services.customer_scope(db.session, current_user), f)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.options(selectinload(Customer.phones))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    items = [{"id": c.id, "number": c.number, "name": c.name, "type": c.type.value,
              "phones": [phone_rules.mask(p.phone) for p in c.phones], "followup_count": c.followup_count,
              "valid_call_count": c.valid_call_count,
              "last_followup_at": c.last_followup_at.isoformat() if c.last_followup_at else None,
              "next_appointment_at": next_at.isoformat() if next_at else None} for c, next_at in rows]
    return jsonify(page_body(items, page, per_page, int(total)))


# --- appointments (预约) ----------------------------------------------------------------------------

APPOINTMENT = spec.schema("Appointment", {
    "type": "object", "required": ["id", "customer_id", "user_id", "at", "content", "status"],
    "properties": {
        "id": {"type": "integer"}, "customer_id": {"type": "integer"}, "user_id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"}, "content": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in AppointmentStatus], "description": "待办/已完成/已取消"},
    },
})
APPOINTMENT_CREATE = spec.schema("AppointmentCreate", {
    "type": "object", "required": ["at"],
    "properties": {"at": {"type": "string", "format": "date-time", "description": "晚于现在、一年以内，含时区"},
                   "content": {"type": "string", "maxLength": 500}},
})
APPOINTMENT_MOVE = spec.schema("AppointmentReschedule", {
    "type": "object", "required": ["at"],
    "properties": {"at": {"type": "string", "format": "date-time", "description": "新的预约时间（改期）"}},
})


def appointment_json(a: Appointment) -> dict[str, Any]:
    return {"id": a.id, "customer_id": a.customer_id, "user_id": a.user_id, "at": a.at.isoformat(),
            "content": a.content, "status": a.status.value}


spec.operation("get", "/customers/{customer_id}/appointments", summary="客户的预约", tag="跟进",
               response={"type": "array", "items": {"$ref": APPOINTMENT}}, parameters=[spec.path_param("customer_id")])


@bp.get("/customers/<int:customer_id>/appointments")
@require(FOLLOWUPS_VIEW)
def list_appointments(customer_id: int) -> Any:
    return jsonify([appointment_json(a) for a in services.appointments_of(db.session, _customer(customer_id).id)])


spec.operation("post", "/customers/{customer_id}/appointments", summary="预约客户", tag="跟进",
               request=APPOINTMENT_CREATE, response=APPOINTMENT, status=201,
               parameters=[spec.path_param("customer_id")], errors=(403, 404, 422))


@bp.post("/customers/<int:customer_id>/appointments")
@require(FOLLOWUPS_RECORD)
def book_appointment(customer_id: int) -> Any:
    body = json_object()
    customer = _customer(customer_id)
    content = body.get("content") or ""
    if not isinstance(content, str):
        raise ValidationFailed("content 应为字符串")
    appointment = services.book_appointment(db.session, customer, current_user,
                                            _moment(body["at"]) if body.get("at") else None, content)
    db.session.commit()
    return jsonify(appointment_json(appointment)), 201


spec.operation("patch", "/appointments/{appointment_id}", summary="预约改期（本人的待办预约）", tag="跟进",
               request=APPOINTMENT_MOVE, response=APPOINTMENT, parameters=[spec.path_param("appointment_id")],
               errors=(403, 404, 409, 422))


@bp.patch("/appointments/<int:appointment_id>")
@require(FOLLOWUPS_RECORD)
def reschedule_appointment(appointment_id: int) -> Any:
    body = json_object()
    appointment = services.own_appointment(db.session, current_user, appointment_id)
    services.reschedule_appointment(db.session, appointment, _moment(body["at"]) if body.get("at") else None)
    db.session.commit()
    return jsonify(appointment_json(appointment))


for _action, _summary in (("done", "完成预约"), ("cancel", "取消预约")):
    spec.operation("post", f"/appointments/{{appointment_id}}/{_action}", summary=f"{_summary}（本人的待办预约）",
                   tag="跟进", response=APPOINTMENT, parameters=[spec.path_param("appointment_id")],
                   errors=(403, 404, 409))


@bp.post("/appointments/<int:appointment_id>/<any(done, cancel):action>")
@require(FOLLOWUPS_RECORD)
def close_appointment(appointment_id: int, action: str) -> Any:
    appointment = services.own_appointment(db.session, current_user, appointment_id)
    services.close_appointment(db.session, appointment, done=action == "done")
    db.session.commit()
    return jsonify(appointment_json(appointment))
