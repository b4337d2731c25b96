"""理财项目付息维护 and 清算维护: interest payments and settlements of projects in 收益阶段.

A payment or settlement covers the project's income-stage trades inside the creator's finance scope.
It is computed as a draft (each line from where the trade's interest was last posted, else its value
date), then reviewed and posted by a second finance user (四眼原则): posting moves each trade's
``interest_paid_to``, writes submitted income records, and a settlement closes the trades as 已清算.
Amounts are Decimal throughout; the day count is ``rules.interest`` (ACT/365 Fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, exists, select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.scope import Scope
from app.products.models import Project, ProjectStage
from app.trades import posting_dates
from app.trades.models import (
    IncomeStatus,
    InterestLine,
    InterestPayment,
    Payout,
    PayoutStatus,
    Settlement,
    SettlementLine,
    Trade,
    TradeIncome,
    TradeStatus,
)
from rules.interest import DEFAULT_DAY_BASIS, accrual_days, accrued_interest

ZERO = Decimal("0.00")
P = TypeVar("P", InterestPayment, Settlement)


def accrual_start(trade: Trade) -> date:
    """Where the trade's next interest starts: after the last posted payment, else its value date (起息日)."""
    if trade.interest_paid_to is not None:
        return trade.interest_paid_to
    dates = [d for d in (trade.value_date, trade.project.value_date) if d is not None]
    return max(dates) if dates else clock.today()


def earning_trades(session: DbSession, project: Project, scope: Scope) -> list[Trade]:
    """The project's trades in 收益阶段 inside the scope, oldest first."""
    stmt = data_scope.apply(select(Trade), scope, Trade.org_id).where(Trade.project_id == project.id,
                                                                     Trade.status == TradeStatus.INCOME)
    return list(session.scalars(stmt.order_by(Trade.id)))


def income_projects(session: DbSession, scope: Scope) -> Select[Any]:
    """Projects in 收益阶段 with income-stage trades in the scope (the only ones 付息/清算 may touch)."""
    in_scope = data_scope.apply(select(Trade.id), scope, Trade.org_id).where(
        Trade.project_id == Project.id, Trade.status.in_((TradeStatus.INCOME, TradeStatus.SETTLED)))
    return select(Project).where(Project.stage == ProjectStage.INCOME, exists(in_scope)).order_by(Project.name)


def income_project(session: DbSession, project_id: int, scope: Scope) -> Project:
    project = session.scalar(income_projects(session, scope).where(Project.id == project_id))
    if project is None:
        raise NotFound("项目不存在、不在收益阶段或不在您的数据范围内")
    return project


def _require_income_stage(project: Project) -> None:
    if project.stage != ProjectStage.INCOME:
        raise Conflict(f"项目处于“{project.stage.label}”，只有收益阶段的项目可以付息或清算")


def _no_open_draft(session: DbSession, model: type[P], project: Project, org_id: int, what: str) -> None:
    draft = session.scalar(select(model.id).where(model.project_id == project.id, model.org_id == org_id,
                                                  model.status == PayoutStatus.DRAFT))
    if draft is not None:
        raise Conflict(f"该项目已有一张待复核的{what}，请先复核入账或作废")


@dataclass(frozen=True)
class InterestDraft:
    trade: Trade
    start: date
    days: int
    amount: Decimal


def interest_lines(project: Project, trades: list[Trade], period_end: date) -> list[InterestDraft]:
    """Each trade's interest up to ``period_end`` (exclusive); trades with nothing accrued are left out."""
    drafts = []
    for trade in trades:
        start = accrual_start(trade)
        days = accrual_days(start, period_end)
        if days > 0:
            drafts.append(InterestDraft(trade, start, days, accrued_interest(
                trade.arrival_amount, project.expected_yield, start, period_end, DEFAULT_DAY_BASIS)))
    return drafts


def create_interest_payment(session: DbSession, project: Project, scope: Scope, actor: User, period_end: date,
                            payment_date: date, remark: str = "") -> InterestPayment:
    """Compute a draft interest payment of the project's earning trades in the scope up to ``period_end``."""
    _require_income_stage(project)
    posting_dates.refuse_future(period_end, "计息截止日")
    posting_dates.refuse_future(payment_date, "付息日")
    if payment_date < period_end:
        raise ValidationFailed("付息日不能早于计息截止日")
    _no_open_draft(session, InterestPayment, project, actor.org_id, "付息单")
    drafts = interest_lines(project, earning_trades(session, project, scope), period_end)
    if not drafts:
        raise ValidationFailed(f"截至 {period_end} 没有需要付息的交易（已付息至该日或尚未起息）")
    payment = InterestPayment(project_id=project.id, org_id=actor.org_id, period_end=period_end,
                              payment_date=payment_date, annual_rate=project.expected_yield,
                              day_basis=DEFAULT_DAY_BASIS, remark=remark.strip(), created_by_id=actor.id,
                              total=sum((d.amount for d in drafts), ZERO))
    payment.lines = [InterestLine(trade_id=d.trade.id, principal=d.trade.arrival_amount, accrual_start=d.start,
                                  accrual_end=period_end, days=d.days, amount=d.amount) for d in drafts]
    session.add(payment)
    session.flush()
    return payment


def _check_reviewer(created_by_id: int | None, actor: User, what: str) -> None:
    if created_by_id == actor.id:
        raise Conflict(f"{what}须由另一位财务人员复核入账（四眼原则）")


def _check_still_current(trade: Trade, start: date) -> None:
    if trade.status != TradeStatus.INCOME or accrual_start(trade) != start:
        raise Conflict(f"交易 {trade.trade_no} 已变化（已付息、已清算或状态改变），请作废后重新计算")


def _income(trade: Trade, kind: str, day: date, amount: Decimal, source: str, actor: User, remark: str) -> TradeIncome:
    now = clock.now()
    return TradeIncome(trade_id=trade.id, kind=kind, income_date=day, amount=amount, source=source, remark=remark,
                       status=IncomeStatus.SUBMITTED, created_by_id=actor.id, created_at=now,
                       submitted_by_id=actor.id, submitted_at=now)


def post_interest_payment(session: DbSession, payment: InterestPayment, actor: User) -> None:
    """Review and post a draft: trades' interest is paid up to the period end; income records are written."""
    if payment.status != PayoutStatus.DRAFT:
        raise Conflict(f"付息单{payment.status.label}，不能再入账")
    _check_reviewer(payment.created_by_id, actor, "付息单")
    _require_income_stage(payment.project)
    for line in payment.lines:
        _check_still_current(line.trade, line.accrual_start)
        line.trade.interest_paid_to = line.accrual_end
        session.add(_income(line.trade, "interest", payment.payment_date, line.amount, "interest", actor,
                            f"付息单 {payment.id}：{line.accrual_start} 至 {line.accrual_end}，{line.days} 天"))
    payment.status = PayoutStatus.POSTED
    payment.reviewed_by_id = actor.id
    payment.reviewed_at = clock.now()
    session.flush()


def cancel_payout(session: DbSession, payout: Payout, actor: User) -> None:
    """作废 a draft (nothing was posted)."""
    if payout.status != PayoutStatus.DRAFT:
        raise Conflict(f"只有待复核的单据可以作废（当前：{payout.status.label}）")
    payout.status = PayoutStatus.CANCELLED
    payout.reviewed_by_id = actor.id
    payout.reviewed_at = clock.now()
    session.flush()


@dataclass(frozen=True)
class SettlementDraft:
    trade: Trade
    start: date
    days: int
    interest: Decimal


def settlement_lines(project: Project, trades: list[Trade], settlement_date: date) -> list[SettlementDraft]:
    return [SettlementDraft(t, accrual_start(t), accrual_days(accrual_start(t), settlement_date),
                            accrued_interest(t.arrival_amount, project.expected_yield, accrual_start(t),
                                             settlement_date, DEFAULT_DAY_BASIS))
            for t in trades]


def create_settlement(session: DbSession, project: Project, scope: Scope, actor: User, settlement_date: date,
                      remark: str = "") -> Settlement:
    """Compute a draft settlement: principal back plus interest since the last payment, for each earning trade."""
    _require_income_stage(project)
    posting_dates.refuse_future(settlement_date, "清算日")
    _no_open_draft(session, Settlement, project, actor.org_id, "清算单")
    trades = earning_trades(session, project, scope)
    if not trades:
        raise ValidationFailed("该项目在您的数据范围内没有待清算的交易")
    early = [t.trade_no for t in trades if settlement_date < accrual_start(t)]
    if early:
        raise ValidationFailed(f"清算日早于交易的计息起点（{'、'.join(early[:5])}），请检查清算日")
    drafts = settlement_lines(project, trades, settlement_date)
    settlement = Settlement(project_id=project.id, org_id=actor.org_id, settlement_date=settlement_date,
                            annual_rate=project.expected_yield, day_basis=DEFAULT_DAY_BASIS, remark=remark.strip(),
                            created_by_id=actor.id, total_principal=sum((d.trade.arrival_amount for d in drafts), ZERO),
                            total_interest=sum((d.interest for d in drafts), ZERO))
    settlement.lines = [SettlementLine(trade_id=d.trade.id, principal=d.trade.arrival_amount, interest_from=d.start,
                                       days=d.days, interest=d.interest, total=d.trade.arrival_amount + d.interest)
                        for d in drafts]
    session.add(settlement)
    session.flush()
    return settlement


def post_settlement(session: DbSession, settlement: Settlement, actor: User) -> None:
    """Review and post: principal and final interest recorded as income, each trade closed as 已清算."""
    if settlement.status != PayoutStatus.DRAFT:
        raise Conflict(f"清算单{settlement.status.label}，不能再入账")
    _check_reviewer(settlement.created_by_id, actor, "清算单")
    _require_income_stage(settlement.project)
    now = clock.now()
    for line in settlement.lines:
        trade = line.trade
        _check_still_current(trade, line.interest_from)
        note = f"清算单 {settlement.id}"
        if line.interest > 0:
            session.add(_income(trade, "interest", settlement.settlement_date, line.interest, "settlement", actor,
                                f"{note}：{line.interest_from} 至 {settlement.settlement_date}，{line.days} 天利息"))
        session.add(_income(trade, "principal", settlement.settlement_date, line.principal, "settlement", actor,
                            f"{note}：本金返还"))
        trade.interest_paid_to = settlement.settlement_date
        trade.settled_on = settlement.settlement_date
        trade.status = TradeStatus.SETTLED
        trade.status_changed_at = now
    settlement.status = PayoutStatus.POSTED
    settlement.reviewed_by_id = actor.id
    settlement.reviewed_at = now
    session.flush()


def payout_query(session: DbSession, model: type[P], scope: Scope) -> Select[Any]:
    """Payments or settlements made inside the scope (by the creator's org), newest first."""
    return data_scope.apply(select(model), scope, model.org_id).order_by(model.id.desc())


def get_payout(session: DbSession, model: type[P], payout_id: int, scope: Scope) -> P:
    return data_scope.get_or_404(session, model, payout_id, scope)
