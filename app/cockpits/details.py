"""The lists behind the leadership cockpit's figures that have no list screen elsewhere: a period's pool moves
of one reason, a month's submitted income records and posted interest lines — the same rows the charts count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.cockpits.leadership import local_start
from app.org import scope as data_scope
from app.org.scope import Scope
from app.performance.period import Period
from app.pools.models import MoveReason, PoolHistory
from app.trades.models import IncomeStatus, InterestLine, InterestPayment, PayoutStatus, Trade, TradeIncome


def moves(scope: Scope, period: Period, reason: MoveReason | None) -> Select[Any]:
    """Pool moves (流转) in the period, of one reason when given, newest first."""
    stmt = (select(PoolHistory).where(PoolHistory.at >= local_start(period.start),
                                      PoolHistory.at < local_start(period.end + timedelta(days=1)),
                                      data_scope.org_condition(scope, PoolHistory.org_id))
            .options(selectinload(PoolHistory.customer)).order_by(PoolHistory.at.desc(), PoolHistory.id.desc()))
    return stmt.where(PoolHistory.reason == reason) if reason is not None else stmt


def incomes(scope: Scope, month: Period) -> Select[Any]:
    """Submitted income records (交易收益) dated in the month."""
    return (select(TradeIncome).join(Trade, Trade.id == TradeIncome.trade_id)
            .where(TradeIncome.status == IncomeStatus.SUBMITTED, TradeIncome.income_date >= month.start,
                   TradeIncome.income_date <= month.end, data_scope.org_condition(scope, Trade.org_id, Trade.seat_id))
            .options(selectinload(TradeIncome.trade).selectinload(Trade.customer))
            .order_by(TradeIncome.income_date.desc(), TradeIncome.id.desc()))


def interest(scope: Scope, month: Period) -> Select[Any]:
    """Lines of posted interest payments (付息) paid in the month."""
    return (select(InterestLine).join(InterestPayment, InterestPayment.id == InterestLine.payment_id)
            .join(Trade, Trade.id == InterestLine.trade_id)
            .where(InterestPayment.status == PayoutStatus.POSTED, InterestPayment.payment_date >= month.start,
                   InterestPayment.payment_date <= month.end,
                   data_scope.org_condition(scope, Trade.org_id, Trade.seat_id))
            .options(selectinload(InterestLine.payment), selectinload(InterestLine.trade).selectinload(Trade.customer))
            .order_by(InterestPayment.payment_date.desc(), InterestLine.id.desc()))
