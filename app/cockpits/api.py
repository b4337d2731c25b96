"""Cockpits API: the leadership cockpit's figures for a period and the manager cockpit's "my" figures — the same
numbers the screens draw."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import spec
from app.api.routes import bp, query_int
from app.auth.permissions import require
from app.cockpits import leadership, manager
from app.cockpits.access import LEADERSHIP, MANAGER
from app.cockpits.leadership import Slice
from app.customers.models import Pool
from app.extensions import db
from app.org import scope as data_scope
from app.performance import period as report_period
from app.pools.models import MoveReason
from app.trades.models import TradeStatus

TAG = "驾驶舱"
MONEY = {"type": "string", "description": "金额（元），十进制字符串，如 \"1000000.00\""}
SLICE = spec.schema("CockpitSlice", {
    "type": "object", "required": ["id", "label", "deals", "amount"],
    "properties": {"id": {"type": "integer", "description": "项目、分公司（0 为公司直属）或坐席编号；按月时为月序号"},
                   "label": {"type": "string"}, "deals": {"type": "integer", "description": "成单量"},
                   "amount": {**MONEY, "description": "募集（到账）金额"}},
})
_SLICES = {"type": "array", "items": {"$ref": SLICE}}
_MONEYS = {"type": "array", "items": MONEY, "description": "与 months 一一对应"}
LEADERSHIP_BODY = spec.schema("LeadershipCockpit", {
    "type": "object",
    "required": ["start", "end", "deals", "amount", "big", "by_project", "by_branch", "top_seats", "months",
                 "by_month", "income_by_month", "interest_by_month", "holding", "empty", "pools", "flows"],
    "properties": {
        "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
        "deals": {"type": "integer", "description": "期间成单量"}, "amount": {**MONEY, "description": "期间募集金额"},
        "big": {"type": "integer", "description": "期间大客户成单量"},
        "by_project": {**_SLICES, "description": "募集金额前 10 的理财项目"},
        "by_branch": {**_SLICES, "description": "各分公司募集"},
        "top_seats": {**_SLICES, "description": "募集金额前 10 的坐席"},
        "months": {"type": "array", "items": {"type": "string"}, "description": "截至期间末的近 12 个月 YYYY-MM"},
        "by_month": _SLICES, "income_by_month": {**_MONEYS, "description": "已提交交易收益（按收益日期）"},
        "interest_by_month": {**_MONEYS, "description": "已入账付息（按付息日）"},
        "holding": {"type": "integer", "description": "持仓客户数"},
        "empty": {"type": "integer", "description": "空仓客户数"},
        "pools": {"type": "object", "description": "各信息池客户数（按信息池代码）",
                  "properties": {pool.value: {"type": "integer", "description": pool.label} for pool in Pool}},
        "flows": {"type": "object", "description": "期间信息池流转次数，按原因代码（" + "、".join(
                      f"{r.value} {r.label}" for r in MoveReason) + "）",
                  "additionalProperties": {"type": "integer"}},
    },
})
MANAGER_BODY = spec.schema("ManagerCockpit", {
    "type": "object", "required": ["seat_id", "team", "customer_types", "pipeline", "month", "deals", "amount",
                                   "appointments_today", "todos_overdue", "todos_due"],
    "properties": {
        "seat_id": {"type": "integer", "nullable": True, "description": "所看坐席；null 为本部门全部坐席"},
        "team": {"type": "array", "items": {"type": "integer"}, "description": "可选看的坐席编号"},
        "customer_types": {"type": "object", "description": "我的客户（个人信息池）按客户类型",
                           "additionalProperties": {"type": "integer"}},
        "pipeline": {"type": "array", "items": {
            "type": "object", "required": ["status", "label", "count", "amount"],
            "properties": {"status": {"type": "string", "enum": [s.value for s in TradeStatus]},
                           "label": {"type": "string"}, "count": {"type": "integer"}, "amount": MONEY}}},
        "month": {"type": "string", "description": "本月 YYYY-MM"},
        "deals": {"type": "integer", "description": "本月成单量"}, "amount": {**MONEY, "description": "本月交易金额"},
        "rank": {"type": "integer", "nullable": True,
                 "description": "本月交易金额全公司排名（所看坐席；全部坐席时为 null）"},
        "ranked": {"type": "integer", "nullable": True, "description": "参与排名的坐席数"},
        "appointments_today": {"type": "integer"}, "todos_overdue": {"type": "integer"},
        "todos_due": {"type": "integer", "description": "临近到期的待办"},
    },
})


def _slices(slices: list[Slice]) -> list[dict[str, Any]]:
    return [{"id": s.key, "label": s.label, "deals": s.count, "amount": str(s.amount)} for s in slices]


spec.operation("get", "/cockpits/leadership", summary="指导驾驶舱：期间募集、收益与付息趋势、持仓、信息池与流转",
               tag=TAG, response=LEADERSHIP_BODY, errors=(401, 403, 422),
               parameters=[spec.query_param("grain", "统计周期 day / week / month / range（默认本月）"),
                           spec.query_param("value", "日期 YYYY-MM-DD、周 YYYY-Www 或月份 YYYY-MM"),
                           spec.query_param("start", "自定义区间开始日期"),
                           spec.query_param("end", "自定义区间结束日期")])


@bp.get("/cockpits/leadership")
@require(LEADERSHIP)
def cockpit_leadership() -> Any:
    period = report_period.from_args(request.args)
    lead = leadership.leadership(db.session, data_scope.scope_of(db.session, current_user, LEADERSHIP), period)
    return jsonify({
        "start": period.start.isoformat(), "end": period.end.isoformat(), "deals": lead.totals.count,
        "amount": str(lead.totals.amount), "big": lead.totals.big, "by_project": _slices(lead.by_project),
        "by_branch": _slices(lead.by_branch), "top_seats": _slices(lead.top_seats),
        "months": [m.label for m in lead.months], "by_month": _slices(lead.by_month),
        "income_by_month": [str(v) for v in lead.income_by_month],
        "interest_by_month": [str(v) for v in lead.interest_by_month], "holding": lead.holding, "empty": lead.empty,
        "pools": {pool.value: count for pool, count in lead.pools},
        "flows": {reason.value: count for reason, count in lead.flows}})


spec.operation("get", "/cockpits/manager", summary="客户经理驾驶舱：我的客户、交易进度、本月成单、今日预约与待办",
               tag=TAG, response=MANAGER_BODY, errors=(401, 403, 404),
               parameters=[spec.query_param("seat_id", "主管查看本部门的某个坐席（默认全部）", "integer")])


@bp.get("/cockpits/manager")
@require(MANAGER)
def cockpit_manager() -> Any:
    desk = manager.desk(db.session, current_user, query_int("seat_id"))
    return jsonify({
        "seat_id": desk.seat.id if desk.seat is not None else None, "team": [s.id for s in desk.team],
        "customer_types": {kind.value: count for kind, count in desk.customer_types},
        "pipeline": [{"status": s.status.value, "label": s.status.label, "count": s.count, "amount": str(s.amount)}
                     for s in desk.pipeline],
        "month": desk.month.value, "deals": desk.deals.count, "amount": str(desk.deals.amount),
        "rank": desk.rank[0] if desk.rank else None, "ranked": desk.rank[1] if desk.rank else None,
        "appointments_today": desk.appointment_count, "todos_overdue": len(desk.overdue), "todos_due": len(desk.due)})
