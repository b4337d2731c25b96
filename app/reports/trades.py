"""交易报表: trades ordered (下单) in the period, by project / department / month / status / seat.

A trade belongs to the period of the Asia/Shanghai day it was created. 成单 and 成单金额 use the one
definition of a deal (:mod:`app.performance.deals`) over the same trades: confirmed arrival, not refunded
or failed — whatever day the money arrived.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, select

from app.auth.models import User
from app.customers.models import Customer
from app.org import scope as data_scope
from app.org.models import Org
from app.performance import deals
from app.products.models import Project
from app.reports import filters
from app.reports.access import TRADES_REPORT
from app.reports.framework import (
    Column,
    Context,
    Dimension,
    Measure,
    Report,
    arg_drill,
    label_names,
    lookup_names,
    moment_bounds,
    money_sum,
    month_drill,
    month_of_moment,
    name_of,
    plain_names,
)
from app.trades.models import STATUS_LABELS, Trade, TradeStatus

STATUS_NAMES = {status.value: label for status, label in STATUS_LABELS.items()}


def _base(ctx: Context) -> Select[Any]:
    start, end = moment_bounds(ctx.period)
    stmt = select(literal(1)).select_from(Trade).where(Trade.created_at >= start, Trade.created_at < end)
    return data_scope.apply(stmt, ctx.scope, Trade.org_id, Trade.seat_id)


def _status(value: Any) -> str:
    return STATUS_NAMES.get(str(value), str(value))


REPORT = Report(
    key="trades", title="交易报表", permission=TRADES_REPORT, period_label="下单日期",
    intro="统计期间内下单的交易；成单按到账确认口径（财务已确认到账，未退款、未失败）。",
    base=_base,
    columns=[Column("交易编号", Trade.trade_no), Column("下单时间", Trade.created_at, "datetime"),
             Column("客户", name_of(Customer, Trade.customer_id)), Column("项目", name_of(Project, Trade.project_id)),
             Column("坐席", name_of(User, Trade.seat_id)), Column("部门", name_of(Org, Trade.org_id)),
             Column("状态", Trade.status, display=_status),
             Column("意向金额", Trade.intended_amount, "money"), Column("到账金额", Trade.arrival_amount, "money"),
             Column("到账日期", Trade.arrival_date, "date"),
             Column("成单", deals.is_deal(), display=lambda value: "是" if value else "否")],
    row_id=Trade.id,
    order=lambda: [Trade.created_at.desc(), Trade.id.desc()],
    measures=[Measure("交易笔数", func.count(Trade.id)), Measure("意向金额", money_sum(Trade.intended_amount), True),
              Measure("成单数", func.coalesce(func.sum(case((deals.is_deal(), 1), else_=0)), 0)),
              Measure("成单金额", money_sum(case((deals.is_deal(), Trade.arrival_amount), else_=0)), True)],
    dimensions=[
        Dimension("project", "项目", lambda _ctx: [Trade.project_id], lookup_names(Project, lambda p: p.name),
                  arg_drill("project")),
        Dimension("org", "部门", lambda _ctx: [Trade.org_id], lookup_names(Org, lambda o: o.name), arg_drill("org")),
        Dimension("month", "月份", lambda _ctx: [month_of_moment(Trade.created_at)],
                  plain_names(), month_drill, chronological=True),
        Dimension("status", "状态", lambda _ctx: [Trade.status], label_names(STATUS_NAMES), arg_drill("status")),
        Dimension("seat", "坐席", lambda _ctx: [Trade.seat_id],
                  lookup_names(User, lambda u: f"{u.name}（{u.work_no}）"), arg_drill("seat")),
    ],
    filters=[filters.project_filter(Trade.project_id), filters.org_filter(Trade.org_id),
             filters.code_filter("status", "状态", {s.value: s.label for s in TradeStatus}, Trade.status),
             filters.seat_filter(Trade.seat_id)],
)
