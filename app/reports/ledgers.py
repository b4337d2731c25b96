"""付息清算台账: three ledgers of money paid on trades — interest lines (付息明细), settlement lines (清算明细) and
income records (交易收益) — each by project, department, month and status.

A line belongs to its trade's org and seat (the data scope of trades); it is dated by its payment, settlement or
income date. Drafts and cancelled payments are listed with their status: filter by status for what was posted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

from app.auth.models import User
from app.customers.models import Customer
from app.org import scope as data_scope
from app.org.models import Org
from app.products.models import Project
from app.reports import filters
from app.reports.access import LEDGERS_REPORT
from app.reports.framework import (
    Column,
    Context,
    Dimension,
    Measure,
    Report,
    arg_drill,
    label_names,
    lookup_names,
    money_sum,
    month_drill,
    month_of_day,
    name_of,
    plain_names,
)
from app.trades.access import INCOME_KIND
from app.trades.models import (
    IncomeStatus,
    InterestLine,
    InterestPayment,
    PayoutStatus,
    Settlement,
    SettlementLine,
    Trade,
    TradeIncome,
)

PAYOUT_NAMES = {status.value: status.label for status in PayoutStatus}
INCOME_STATUS_NAMES = {status.value: status.label for status in IncomeStatus}
INCOME_SOURCE_NAMES = {"manual": "手工录入", "interest": "付息", "settlement": "清算"}


def _scoped(stmt: Select[Any], ctx: Context) -> Select[Any]:
    return data_scope.apply(stmt, ctx.scope, Trade.org_id, Trade.seat_id)


def _trade_columns() -> list[Column]:
    return [Column("交易编号", Trade.trade_no),
            Column("客户", select(Customer.name).where(Customer.id == Trade.customer_id).scalar_subquery()),
            Column("项目", name_of(Project, Trade.project_id)),
            Column("坐席", select(User.name).where(User.id == Trade.seat_id).scalar_subquery()),
            Column("部门", select(Org.name).where(Org.id == Trade.org_id).scalar_subquery())]


def _common_dimensions(day: Any, status: Any, status_names: dict[str, str]) -> list[Dimension]:
    return [
        Dimension("project", "项目", lambda _ctx: [Trade.project_id], lookup_names(Project, lambda p: p.name),
                  arg_drill("project")),
        Dimension("org", "部门", lambda _ctx: [Trade.org_id], lookup_names(Org, lambda o: o.name), arg_drill("org")),
        Dimension("month", "月份", lambda _ctx: [month_of_day(day)],
                  plain_names(), month_drill, chronological=True),
        Dimension("status", "状态", lambda _ctx: [status], label_names(status_names), arg_drill("status")),
    ]


def _common_filters(status: Any, status_names: dict[str, str]) -> list[filters.Filter]:
    return [filters.project_filter(Trade.project_id), filters.org_filter(Trade.org_id),
            filters.code_filter("status", "状态", status_names, status)]


def _interest_base(ctx: Context) -> Select[Any]:
    stmt = (select(literal(1)).select_from(InterestLine)
            .join(InterestPayment, InterestPayment.id == InterestLine.payment_id)
            .join(Trade, Trade.id == InterestLine.trade_id)
            .where(InterestPayment.payment_date >= ctx.period.start, InterestPayment.payment_date <= ctx.period.end))
    return _scoped(stmt, ctx)


INTEREST = Report(
    key="interest", title="付息台账", permission=LEDGERS_REPORT, period_label="付息日",
    intro="统计期间内付息日的付息明细（每笔交易一行）：本金 × 年利率 × 计息天数 ÷ 计息基数，四舍五入到分。",
    base=_interest_base,
    columns=[Column("付息日", InterestPayment.payment_date, "date"), Column("付息单", InterestPayment.id, "int"),
             Column("状态", InterestPayment.status, display=lambda value: PAYOUT_NAMES.get(str(value), str(value))),
             *_trade_columns(), Column("计息起", InterestLine.accrual_start, "date"),
             Column("计息止（不含）", InterestLine.accrual_end, "date"), Column("天数", InterestLine.days, "int"),
             Column("本金", InterestLine.principal, "money"), Column("利息", InterestLine.amount, "money")],
    row_id=InterestLine.id,
    order=lambda: [InterestPayment.payment_date.desc(), InterestLine.id.desc()],
    measures=[Measure("笔数", func.count(InterestLine.id)), Measure("本金", money_sum(InterestLine.principal), True),
              Measure("利息", money_sum(InterestLine.amount), True)],
    dimensions=_common_dimensions(InterestPayment.payment_date, InterestPayment.status, PAYOUT_NAMES),
    filters=_common_filters(InterestPayment.status, PAYOUT_NAMES),
)


def _settlement_base(ctx: Context) -> Select[Any]:
    stmt = (select(literal(1)).select_from(SettlementLine)
            .join(Settlement, Settlement.id == SettlementLine.settlement_id)
            .join(Trade, Trade.id == SettlementLine.trade_id)
            .where(Settlement.settlement_date >= ctx.period.start, Settlement.settlement_date <= ctx.period.end))
    return _scoped(stmt, ctx)


SETTLEMENTS = Report(
    key="settlements", title="清算台账", permission=LEDGERS_REPORT, period_label="清算日",
    intro="统计期间内清算日的清算明细：返还本金加上次付息以来的应计利息。",
    base=_settlement_base,
    columns=[Column("清算日", Settlement.settlement_date, "date"), Column("清算单", Settlement.id, "int"),
             Column("状态", Settlement.status, display=lambda value: PAYOUT_NAMES.get(str(value), str(value))),
             *_trade_columns(), Column("计息起", SettlementLine.interest_from, "date"),
             Column("天数", SettlementLine.days, "int"), Column("本金", SettlementLine.principal, "money"),
             Column("利息", SettlementLine.interest, "money"), Column("合计", SettlementLine.total, "money")],
    row_id=SettlementLine.id,
    order=lambda: [Settlement.settlement_date.desc(), SettlementLine.id.desc()],
    measures=[Measure("笔数", func.count(SettlementLine.id)),
              Measure("本金", money_sum(SettlementLine.principal), True),
              Measure("利息", money_sum(SettlementLine.interest), True),
              Measure("合计", money_sum(SettlementLine.total), True)],
    dimensions=_common_dimensions(Settlement.settlement_date, Settlement.status, PAYOUT_NAMES),
    filters=_common_filters(Settlement.status, PAYOUT_NAMES),
)


def _income_base(ctx: Context) -> Select[Any]:
    stmt = (select(literal(1)).select_from(TradeIncome).join(Trade, Trade.id == TradeIncome.trade_id)
            .where(TradeIncome.income_date >= ctx.period.start, TradeIncome.income_date <= ctx.period.end))
    return _scoped(stmt, ctx)


INCOMES = Report(
    key="incomes", title="收益台账", permission=LEDGERS_REPORT, period_label="收益日期",
    intro="统计期间内的交易收益记录（手工录入，以及付息、清算入账时生成的收益）。",
    base=_income_base,
    columns=[Column("收益日期", TradeIncome.income_date, "date"),
             Column("收益类型", filters.dictionary_label(INCOME_KIND, TradeIncome.kind)),
             Column("来源", TradeIncome.source, display=lambda value: INCOME_SOURCE_NAMES.get(value, value)),
             Column("状态", TradeIncome.status, display=lambda value: INCOME_STATUS_NAMES.get(str(value), str(value))),
             *_trade_columns(), Column("金额", TradeIncome.amount, "money"), Column("备注", TradeIncome.remark)],
    row_id=TradeIncome.id,
    order=lambda: [TradeIncome.income_date.desc(), TradeIncome.id.desc()],
    measures=[Measure("笔数", func.count(TradeIncome.id)), Measure("金额", money_sum(TradeIncome.amount), True)],
    dimensions=[Dimension("kind", "收益类型", lambda _ctx: [TradeIncome.kind], filters.dictionary_names(INCOME_KIND),
                          arg_drill("kind")),
                *_common_dimensions(TradeIncome.income_date, TradeIncome.status, INCOME_STATUS_NAMES),
                Dimension("source", "来源", lambda _ctx: [TradeIncome.source], label_names(INCOME_SOURCE_NAMES))],
    filters=[filters.dictionary_filter("kind", "收益类型", INCOME_KIND, TradeIncome.kind),
             *_common_filters(TradeIncome.status, INCOME_STATUS_NAMES)],
)
LEDGERS = (INTEREST, SETTLEMENTS, INCOMES)
