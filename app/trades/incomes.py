"""投资交易收益维护: income records of a trade, created as drafts and submitted; a submitted record is final.

Records written by posted interest payments and settlements arrive already submitted. The model guards
immutability too (``before_update``/``before_delete``), so no code path can change a submitted record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, event, inspect, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import dictionaries
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.scope import Scope
from app.trades import posting_dates
from app.trades.access import INCOME_KIND
from app.trades.models import IncomeStatus, Trade, TradeIncome, TradeStatus

INCOME_TRADE_STATUSES = (TradeStatus.INCOME, TradeStatus.SETTLED)
SUBMITTED_IS_FINAL = "已提交的收益记录不能修改或删除"


@dataclass
class IncomeData:
    kind: str
    income_date: date
    amount: Decimal
    remark: str = ""


def _check(session: DbSession, data: IncomeData) -> None:
    if data.kind not in {code for code, _label in dictionaries.choices(session, INCOME_KIND)}:
        raise ValidationFailed("请选择收益类型")
    if data.amount <= 0:
        raise ValidationFailed("收益金额必须大于 0")
    posting_dates.refuse_future(data.income_date, "收益日期")
    data.remark = data.remark.strip()[:2000]


def create_income(session: DbSession, trade: Trade, data: IncomeData, actor: User) -> TradeIncome:
    """A draft income record of a trade in 收益阶段 or 已清算."""
    if trade.status not in INCOME_TRADE_STATUSES:
        raise Conflict(f"交易处于{trade.status.label}，只有收益阶段或已清算的交易可以记录收益")
    _check(session, data)
    income = TradeIncome(trade_id=trade.id, kind=data.kind, income_date=data.income_date, amount=data.amount,
                         remark=data.remark, source="manual", status=IncomeStatus.DRAFT, created_by_id=actor.id)
    session.add(income)
    session.flush()
    return income


def _draft(income: TradeIncome) -> None:
    if income.status != IncomeStatus.DRAFT:
        raise Conflict(SUBMITTED_IS_FINAL)


def update_income(session: DbSession, income: TradeIncome, data: IncomeData) -> None:
    _draft(income)
    _check(session, data)
    income.kind, income.income_date, income.amount, income.remark = data.kind, data.income_date, data.amount, \
        data.remark
    session.flush()


def submit_income(session: DbSession, income: TradeIncome, actor: User) -> None:
    """Submit a draft; from now on it never changes."""
    _draft(income)
    income.status = IncomeStatus.SUBMITTED
    income.submitted_by_id = actor.id
    income.submitted_at = clock.now()
    session.flush()


def delete_income(session: DbSession, income: TradeIncome) -> None:
    _draft(income)
    session.delete(income)
    session.flush()


def income_query(session: DbSession, scope: Scope, *, text: str = "", trade_id: int | None = None,
                 status: IncomeStatus | None = None) -> Select[Any]:
    """Income records of trades inside the scope (by the trade's org, or the seat's own), newest first."""
    stmt = data_scope.apply(select(TradeIncome).join(Trade), scope, Trade.org_id, Trade.seat_id)
    if trade_id:
        stmt = stmt.where(TradeIncome.trade_id == trade_id)
    if text := text.strip():
        stmt = stmt.join(Customer, Customer.id == Trade.customer_id).where(or_(
            Trade.trade_no.icontains(text, autoescape=True), Customer.number.icontains(text, autoescape=True),
            Customer.name.icontains(text, autoescape=True)))
    if status is not None:
        stmt = stmt.where(TradeIncome.status == status)
    return stmt.options(selectinload(TradeIncome.trade)).order_by(TradeIncome.id.desc())


def get_income(session: DbSession, income_id: int, scope: Scope) -> TradeIncome:
    income = session.get(TradeIncome, income_id)
    if income is None or not data_scope.covers(session, scope, income.trade.org_id, income.trade.seat_id):
        raise NotFound("收益记录不存在或您无权查看")
    return income


@event.listens_for(TradeIncome, "before_update")
def _refuse_changing_submitted(_mapper: Any, _connection: Any, target: TradeIncome) -> None:
    history = inspect(target).attrs.status.history
    was = history.deleted[0] if history.deleted else target.status
    if was == IncomeStatus.SUBMITTED:
        raise Conflict(SUBMITTED_IS_FINAL)


@event.listens_for(TradeIncome, "before_delete")
def _refuse_deleting_submitted(_mapper: Any, _connection: Any, target: TradeIncome) -> None:
    if inspect(target).committed_state.get("status", target.status) == IncomeStatus.SUBMITTED:
        raise Conflict(SUBMITTED_IS_FINAL)
