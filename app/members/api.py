"""会员 API: list members in scope, one member with level history, the points ledger, adjustment requests and
their approval or rejection by another user.

Bearer-token auth like every /api/v1 endpoint; the same data scope as the screens: a customer outside it is a
404, exactly like a missing one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.customers import services as customer_services
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text
from app.members import adjustments, ledger, levels, services
from app.members.access import ADJUST, APPROVE, VIEW
from app.members.models import Member, PointsAdjustment, PointsEntry, PointsKind

TAG = "会员"
_STAMP = {"type": "string", "format": "date-time", "nullable": True}
MEMBER = spec.schema("Member", {
    "type": "object",
    "required": ["customer_id", "customer_name", "customer_number", "level_code", "level_name", "points_balance",
                 "cumulative_subscription", "level_since", "joined_at"],
    "properties": {
        "customer_id": {"type": "integer"}, "customer_name": {"type": "string"}, "customer_number": {"type": "string"},
        "level_code": {"type": "string", "description": "等级代码（空：未定级）"}, "level_name": {"type": "string"},
        "points_balance": {"type": "integer"},
        "cumulative_subscription": {"type": "string", "description": "累计认购（元），十进制字符串"},
        "level_since": _STAMP, "joined_at": {"type": "string", "format": "date-time"},
    },
})
LEVEL_CHANGE = spec.schema("MemberLevelChange", {
    "type": "object", "required": ["from_level", "to_level", "trigger", "changed_at"],
    "properties": {"from_level": {"type": "string"}, "to_level": {"type": "string"},
                   "trigger": {"type": "string", "enum": ["nightly", "event"]},
                   "changed_at": {"type": "string", "format": "date-time"}},
})
MEMBER_DETAIL = spec.schema("MemberDetail", {
    "allOf": [{"$ref": MEMBER}, {"type": "object", "required": ["level_history"], "properties": {
        "level_history": {"type": "array", "items": {"$ref": LEVEL_CHANGE}}}}],
})
LEDGER_ENTRY = spec.schema("PointsLedgerEntry", {
    "type": "object", "required": ["id", "delta", "balance_after", "kind", "kind_label", "reason", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "delta": {"type": "integer"}, "balance_after": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.value for k in PointsKind]}, "kind_label": {"type": "string"},
        "reason": {"type": "string"}, "trade_id": {"type": "integer", "nullable": True},
        "activity_id": {"type": "integer", "nullable": True}, "adjustment_id": {"type": "integer", "nullable": True},
        "expires_at": _STAMP, "actor_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
    },
})
ADJUSTMENT = spec.schema("PointsAdjustment", {
    "type": "object", "required": ["id", "customer_id", "delta", "reason", "status", "status_label",
                                   "requested_by_id", "requested_at"],
    "properties": {
        "id": {"type": "integer"}, "customer_id": {"type": "integer"}, "delta": {"type": "integer"},
        "reason": {"type": "string"}, "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
        "status_label": {"type": "string"}, "requested_by_id": {"type": "integer"},
        "requested_at": {"type": "string", "format": "date-time"},
        "decided_by_id": {"type": "integer", "nullable": True}, "decided_at": _STAMP,
        "decision_note": {"type": "string"},
    },
})
ADJUSTMENT_CREATE = spec.schema("PointsAdjustmentCreate", {
    "type": "object", "required": ["delta", "reason"],
    "properties": {"delta": {"type": "integer", "description": "正数增加，负数扣减；不能为 0"},
                   "reason": {"type": "string", "maxLength": 500, "description": "调整原因（必填）"}},
})
DECISION = spec.schema("PointsAdjustmentDecision", {
    "type": "object", "properties": {"note": {"type": "string", "maxLength": 500,
                                              "description": "审批意见；驳回时必填"}},
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def member_json(member: Member, names: dict[str, str]) -> dict[str, Any]:
    return {"customer_id": member.customer_id, "customer_name": member.customer.name,
            "customer_number": member.customer.number, "level_code": member.level_code,
            "level_name": names.get(member.level_code, member.level_code), "points_balance": member.points_balance,
            "cumulative_subscription": f"{member.cumulative_subscription:.2f}", "level_since": _iso(member.level_since),
            "joined_at": _iso(member.joined_at)}


def entry_json(entry: PointsEntry) -> dict[str, Any]:
    return {"id": entry.id, "delta": entry.delta, "balance_after": entry.balance_after, "kind": entry.kind.value,
            "kind_label": entry.kind.label, "reason": entry.reason, "trade_id": entry.trade_id,
            "activity_id": entry.activity_id, "adjustment_id": entry.adjustment_id,
            "expires_at": _iso(entry.expires_at), "actor_id": entry.actor_id, "created_at": _iso(entry.created_at)}


def adjustment_json(adjustment: PointsAdjustment) -> dict[str, Any]:
    return {"id": adjustment.id, "customer_id": adjustment.customer_id, "delta": adjustment.delta,
            "reason": adjustment.reason, "status": adjustment.status.value, "status_label": adjustment.status.label,
            "requested_by_id": adjustment.requested_by_id, "requested_at": _iso(adjustment.requested_at),
            "decided_by_id": adjustment.decided_by_id, "decided_at": _iso(adjustment.decided_at),
            "decision_note": adjustment.decision_note}


spec.operation("get", "/members", summary="会员列表（数据范围内的客户），积分从高到低", tag=TAG,
               response=spec.page_of(MEMBER), errors=(403, 422), parameters=[
                   spec.query_param("q", "客户姓名或编号"), spec.query_param("level", "等级代码（空串：未定级）"),
                   *spec.PAGE_PARAMS])


@bp.get("/members")
@require(VIEW)
def list_members() -> Any:
    page, per_page = page_args()
    names = levels.level_names(db.session)
    level = request.args.get("level")
    if level is not None and level not in names:
        raise ValidationFailed("level 不是已定义的会员等级代码")
    stmt = services.member_query(services.member_scope(db.session, current_user),
                                 services.MemberFilter(text=request.args.get("q", "")[:100], level_code=level))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([member_json(m, names) for m in rows], page, per_page, total))


spec.operation("get", "/members/{customer_id}", summary="会员详情与等级变更记录", tag=TAG, response=MEMBER_DETAIL,
               parameters=[spec.path_param("customer_id", "客户 ID")])


def _member(customer_id: int) -> Member:
    _customer, member = services.get_member(db.session, services.member_scope(db.session, current_user),
                                            customer_id)
    if member is None:
        raise NotFound("该客户还不是会员（成交后自动成为会员）")
    return member


@bp.get("/members/<int:customer_id>")
@require(VIEW)
def get_member(customer_id: int) -> Any:
    member = _member(customer_id)
    history = [{"from_level": h.from_level, "to_level": h.to_level, "trigger": h.trigger,
                "changed_at": _iso(h.changed_at)} for h in levels.history(db.session, customer_id)]
    return jsonify({**member_json(member, levels.level_names(db.session)), "level_history": history})


spec.operation("get", "/members/{customer_id}/ledger", summary="积分流水（新的在前）", tag=TAG,
               response=spec.page_of(LEDGER_ENTRY), parameters=[spec.path_param("customer_id", "客户 ID"),
                                                                *spec.PAGE_PARAMS])


@bp.get("/members/<int:customer_id>/ledger")
@require(VIEW)
def member_ledger(customer_id: int) -> Any:
    page, per_page = page_args()
    member = _member(customer_id)
    total = db.session.scalar(select(func.count()).where(PointsEntry.customer_id == member.customer_id)) or 0
    rows = db.session.scalars(ledger.ledger_query(member.customer_id).limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([entry_json(e) for e in rows], page, per_page, total))


spec.operation("post", "/members/{customer_id}/adjustments", summary="申请积分调整（须由另一位有审批权限的用户批准）",
               tag=TAG, response=ADJUSTMENT, status=201, request=ADJUSTMENT_CREATE,
               parameters=[spec.path_param("customer_id", "客户 ID")], errors=(403, 404, 409, 422))


@bp.post("/members/<int:customer_id>/adjustments")
@require(ADJUST)
def create_adjustment(customer_id: int) -> Any:
    body = json_object()
    customer = customer_services.get_customer(db.session, services.member_scope(db.session, current_user, ADJUST),
                                              customer_id)
    delta = body.get("delta")
    if not is_json_int(delta):
        raise ValidationFailed("字段 delta 缺失或不是整数", details={"field": "delta"})
    adjustment = adjustments.request_adjustment(db.session, customer, delta, json_text(body, "reason"), current_user)
    db.session.commit()
    response = jsonify(adjustment_json(adjustment))
    response.status_code = 201
    return response


def _decide(adjustment_id: int) -> PointsAdjustment:
    adjustment = adjustments.get_adjustment(db.session, adjustment_id)
    customer_services.get_customer(db.session, services.member_scope(db.session, current_user, APPROVE),
                                   adjustment.customer_id)
    return adjustment


for _verb, _summary in (("approve", "批准积分调整（不能批准本人的申请；已审批的返回 409）"),
                        ("reject", "驳回积分调整（须填写审批意见）")):
    spec.operation("post", f"/members/adjustments/{{adjustment_id}}/{_verb}", summary=_summary, tag=TAG,
                   response=ADJUSTMENT, request=DECISION, parameters=[spec.path_param("adjustment_id", "申请 ID")],
                   errors=(403, 404, 409, 422))


@bp.post("/members/adjustments/<int:adjustment_id>/approve")
@require(APPROVE)
def approve_adjustment(adjustment_id: int) -> Any:
    body = json_object()
    adjustment = _decide(adjustment_id)
    adjustments.approve(db.session, adjustment, current_user, json_text(body, "note"))
    db.session.commit()
    return jsonify(adjustment_json(adjustment))


@bp.post("/members/adjustments/<int:adjustment_id>/reject")
@require(APPROVE)
def reject_adjustment(adjustment_id: int) -> Any:
    body = json_object()
    adjustment = _decide(adjustment_id)
    adjustments.reject(db.session, adjustment, current_user, json_text(body, "note"))
    db.session.commit()
    return jsonify(adjustment_json(adjustment))
