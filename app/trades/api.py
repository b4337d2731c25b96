"""Trade API: create a trade for a customer (seats), list and read trades in scope. The review steps go
through the task endpoints (/tasks, /tasks/{id}/complete) like every other process."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.permissions import current_permissions, require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import json_object
from app.trades import services
from app.trades.access import TRADE_CREATE, TRADE_VIEWERS
from app.trades.models import STATUS_LABELS, Trade, TradeStatus
from app.trades.services import TradeFilters, TradeInput

MONEY = {"type": "string", "description": "金额（元），十进制字符串，如 \"1000000.00\""}
TRADE = spec.schema("Trade", {
    "type": "object",
    "required": ["id", "trade_no", "customer_id", "project_id", "seat_id", "org_id", "intended_amount",
                 "arrival_amount", "arrival_confirmed", "status", "status_label", "review_round", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "trade_no": {"type": "string"}, "customer_id": {"type": "integer"},
        "customer_number": {"type": "string"}, "customer_name": {"type": "string"},
        "project_id": {"type": "integer"}, "project_name": {"type": "string"}, "seat_id": {"type": "integer"},
        "org_id": {"type": "integer"}, "intended_amount": MONEY, "arrival_amount": MONEY,
        "arrival_date": {"type": "string", "format": "date", "nullable": True},
        "arrival_confirmed": {"type": "boolean", "description": "到账审核通过（计入虚拟LP募集额度）"},
        "status": {"type": "string", "enum": [s.value for s in TradeStatus]}, "status_label": {"type": "string"},
        "status_reason": {"type": "string", "description": "退回、退款或失败原因"},
        "review_round": {"type": "integer"}, "review_instance_id": {"type": "integer", "nullable": True},
        "open_task_id": {"type": "integer", "nullable": True,
                         "description": "当前待办任务，可经 /tasks/{id}/complete 办理"},
        "contract_no": {"type": "string", "description": "个人合同编号"},
        "collective_contract_no": {"type": "string", "description": "集体合同编号"},
        "value_date": {"type": "string", "format": "date", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "member_level": {"type": "string", "description": "创建时适用会员价的会员等级代码（空：无会员价）"},
        "member_fee_discount": {"type": "string", "description": "会员费率折扣 %"},
        "member_min_subscription": {**MONEY, "nullable": True, "description": "会员价起购金额（元）"},
        "member_yield_bonus": {"type": "string", "description": "会员收益率加成 %"},
    },
})
TRADE_CREATE_BODY = spec.schema("TradeCreate", {
    "type": "object",
    "required": ["customer_id", "project_id", "intended_amount"],
    "properties": {
        "customer_id": {"type": "integer", "description": "客户（须在坐席的服务范围内）"},
        "project_id": {"type": "integer", "description": "处于资金募集阶段的项目"},
        "intended_amount": {**MONEY, "description": "意向金额（元），不低于起购金额；到账金额默认与之相等"},
        "bank_name": {"type": "string"}, "bank_account": {"type": "string"}, "remark": {"type": "string"},
    },
})


def _money(value: Any) -> str | None:
    return str(value) if value is not None else None


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def trade_json(trade: Trade, open_task_id: int | None = None) -> dict[str, Any]:
    return {
        "id": trade.id, "trade_no": trade.trade_no, "customer_id": trade.customer_id,
        "customer_number": trade.customer.number, "customer_name": trade.customer.name,
        "project_id": trade.project_id, "project_name": trade.project.name, "seat_id": trade.seat_id,
        "org_id": trade.org_id, "intended_amount": str(trade.intended_amount),
        "arrival_amount": str(trade.arrival_amount), "arrival_date": _date(trade.arrival_date),
        "arrival_confirmed": trade.arrival_confirmed, "status": trade.status.value,
        "status_label": STATUS_LABELS[trade.status], "status_reason": trade.status_reason,
        "review_round": trade.review_round, "review_instance_id": trade.review_instance_id,
        "open_task_id": open_task_id, "contract_no": trade.contract_no,
        "collective_contract_no": trade.collective_contract_no, "value_date": _date(trade.value_date),
        "created_at": trade.created_at.isoformat(), "member_level": trade.member_level,
        "member_fee_discount": str(trade.member_fee_discount),
        "member_min_subscription": _money(trade.member_min_subscription),
        "member_yield_bonus": str(trade.member_yield_bonus),
    }


spec.operation("get", "/trades", summary="客户交易列表（数据范围内：坐席为本人交易，财务、投服按部门）", tag="客户交易",
               response=spec.page_of(TRADE), errors=(403,), parameters=[
                   spec.query_param("q", "交易编号、客户或项目"),
                   spec.query_param("status", "状态代码，如 finance_audit"),
                   spec.query_param("project_id", "项目", "integer"), *spec.PAGE_PARAMS])


@bp.get("/trades")
@require(*TRADE_VIEWERS)
def trades() -> Any:
    page, per_page = page_args()
    status = request.args.get("status", "")
    filters = TradeFilters(text=request.args.get("q", ""),
                           status=TradeStatus(status) if status in {s.value for s in TradeStatus} else None,
                           project_id=query_int("project_id"))
    stmt = services.trade_query(db.session, services.viewing_scope(db.session, current_user, current_permissions()),
                                filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    tasks = services.open_tasks_by_trade(db.session, rows)
    return jsonify(page_body([trade_json(t, tasks[t.id].id if t.id in tasks else None) for t in rows],
                             page, per_page, total))


spec.operation("get", "/trades/{trade_id}", summary="客户交易详情（含当前待办任务）", tag="客户交易", response=TRADE,
               parameters=[spec.path_param("trade_id")])


@bp.get("/trades/<int:trade_id>")
@require(*TRADE_VIEWERS)
def trade_detail(trade_id: int) -> Any:
    trade = services.get_trade(db.session, trade_id,
                               services.viewing_scope(db.session, current_user, current_permissions()))
    task = services.open_review_task(db.session, trade)
    return jsonify(trade_json(trade, task.id if task else None))


spec.operation("post", "/trades", summary="新建客户交易（坐席），进入交易财务审核", tag="客户交易", response=TRADE,
               status=201, request=TRADE_CREATE_BODY, errors=(403, 404, 422))


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationFailed("意向金额格式不正确", details={"field": "intended_amount"})
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed("意向金额格式不正确", details={"field": "intended_amount"}) from exc
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("意向金额最多两位小数", details={"field": "intended_amount"})
    return amount


@bp.post("/trades")
@require(TRADE_CREATE)
def create_trade() -> Any:
    body = json_object()
    for name in ("customer_id", "project_id"):
        if not isinstance(body.get(name), int) or isinstance(body.get(name), bool):
            raise ValidationFailed(f"字段 {name} 必须是整数", details={"field": name})
    for name in ("bank_name", "bank_account", "remark"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ValidationFailed(f"字段 {name} 必须是字符串", details={"field": name})
    data = TradeInput(project_id=body["project_id"], intended_amount=_amount(body.get("intended_amount")),
                      bank_name=body.get("bank_name") or "", bank_account=body.get("bank_account") or "",
                      remark=body.get("remark") or "")
    trade = services.create_trade(db.session, body["customer_id"], data, current_user)
    db.session.commit()
    task = services.open_review_task(db.session, trade)
    response = jsonify(trade_json(trade, task.id if task else None))
    response.status_code = 201
    response.headers["Location"] = url_for("api.trade_detail", trade_id=trade.id)
    return response
