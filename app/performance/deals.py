"""What counts as a deal (成单) and its amount — the one definition performance, rankings, cockpits and reports use.

A trade is a deal once 交易财务审核 has confirmed its money arrived (``arrival_confirmed``), dated by its
到账时间 (``arrival_date``) and worth its 到账金额; it stops counting if it is later refunded or fails
(已退款 / 认购交易失败). A 大客户 deal is one of at least the system parameter
``performance.big_deal_amount`` (default 1,000,000 元). Deals belong to the trade's seat (``seat_id``).

Trades are few next to follow-ups (200,000 against 5,000,000), so these are indexed aggregations over
``trade`` (``ix_trade_seat_arrival``, ``ix_trade_arrival_date``) rather than kept facts: a refund needs no
correction anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from app.admin import params
from app.database import DbSession
from app.trades.models import Trade, TradeStatus

BIG_DEAL_AMOUNT = params.define("performance.big_deal_amount", "decimal", Decimal("1000000"),
                                "大客户成单金额门槛（元）", "单笔到账金额达到此数的成单计为大客户成单（大客户占比）",
                                "业绩")
NOT_COUNTING = (TradeStatus.REFUNDED, TradeStatus.FAILED)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DealTotals:
    count: int = 0
    amount: Decimal = ZERO
    big: int = 0  # deals at or above the 大客户 threshold

    @property
    def big_ratio(self) -> float | None:
        """大客户占比 as a fraction, None when there is no deal to divide by."""
        return self.big / self.count if self.count else None


def is_deal() -> ColumnElement[bool]:
    """SQL: the trade counts as a deal (confirmed arrival, not refunded or failed)."""
    return and_(Trade.arrival_confirmed.is_(True), Trade.arrival_date.is_not(None), Trade.status.not_in(NOT_COUNTING))


def in_period(start: date, end: date) -> ColumnElement[bool]:
    """SQL: a deal dated from ``start`` to ``end`` inclusive."""
    return and_(is_deal(), Trade.arrival_date >= start, Trade.arrival_date <= end)


def big_threshold(session: DbSession) -> Decimal:
    return Decimal(params.get(BIG_DEAL_AMOUNT, session))


def aggregates(session: DbSession) -> list[Any]:
    """The three aggregate columns of :class:`DealTotals`, labelled count / amount / big."""
    return [func.count(Trade.id).label("count"), func.coalesce(func.sum(Trade.arrival_amount), 0).label("amount"),
            func.coalesce(func.sum(case((Trade.arrival_amount >= big_threshold(session), 1), else_=0)), 0)
            .label("big")]


def totals_of(row: Any) -> DealTotals:
    return DealTotals(int(row.count or 0), Decimal(row.amount or 0).quantize(ZERO), int(row.big or 0))


def by_seat(session: DbSession, seat_ids: Sequence[int], start: date, end: date) -> dict[int, DealTotals]:
    """Per seat asked for, its deals from ``start`` to ``end`` inclusive (zeros included)."""
    result = {seat_id: DealTotals() for seat_id in seat_ids}
    if not seat_ids:
        return result
    stmt = (select(Trade.seat_id, *aggregates(session)).where(in_period(start, end), Trade.seat_id.in_(sorted(set(
        seat_ids)))).group_by(Trade.seat_id))
    for row in session.execute(stmt):
        result[row.seat_id] = totals_of(row)
    return result


def holders() -> Select[Any]:
    """SQL: ids of customers holding a product (持仓客户) — with a deal not yet settled (已清算); every
    other customer is 空仓. The cockpit's 持仓/空仓 figures and the customer list's filter share it."""
    return select(Trade.customer_id).where(is_deal(), Trade.status != TradeStatus.SETTLED)
