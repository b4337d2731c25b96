"""客户交易: create a trade from the seat's current customer, find trades in scope, and 交易综合管理
(edit and delete in the states that allow it; both audited through the Trade model)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app import clock, sequences, workflow
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.members import prices as member_prices
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from app.performance import deals
from app.products import services as product_services
from app.products.models import Project
from app.trades import review
from app.trades.access import TRADE_VIEWERS
from app.trades.models import CLOSED_STATUSES, Trade, TradeStatus
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask

TRADE_SEQUENCE = "trade"
# 交易综合管理: what may still be corrected, and what may be removed (no money held or owed by it).
EDITABLE_STATUSES = tuple(s for s in TradeStatus if s not in CLOSED_STATUSES)
DELETABLE_STATUSES = (TradeStatus.FINANCE_AUDIT, TradeStatus.RETURNED, TradeStatus.REFUNDED, TradeStatus.FAILED)


def format_trade_no(value: int) -> str:
    """交易编号: JY00000042."""
    return f"JY{value:08d}"


def viewing_scope(session: DbSession, user: User, held: Collection[str]) -> Scope:
    """The widest scope among the trade permissions the user holds (``held``); a seat sees its own trades."""
    scopes = [data_scope.scope_of(session, user, code) for code in TRADE_VIEWERS if code in held]
    if not scopes:
        raise NotFound("记录不存在或您无权查看")
    return max(scopes, key=lambda scope: scope.level.rank)


@dataclass
class TradeInput:
    """What a seat submits for a new trade."""

    project_id: int
    intended_amount: Decimal
    bank_name: str = ""
    bank_account: str = ""
    remark: str = ""


def create_trade(session: DbSession, customer_id: int, data: TradeInput, seat: User) -> Trade:
    """Create a trade for a customer the seat may serve, in a project still raising, and start its review."""
    customer = customer_services.get_customer(session, customer_services.customer_scope(session, seat),
                                              customer_id)
    project = product_services.offered_project(session, data.project_id, seat)
    member_price = member_prices.price_for(session, customer.id, project)  # 会员价 of the customer's level
    review.check_amount(project, data.intended_amount, member_price.min_subscription if member_price else None)
    trade = Trade(trade_no=format_trade_no(sequences.allocate(session, TRADE_SEQUENCE)), customer_id=customer.id,
                  project_id=project.id, seat_id=seat.id, org_id=seat.org_id, intended_amount=data.intended_amount,
                  arrival_amount=data.intended_amount, status=TradeStatus.FINANCE_AUDIT,
                  bank_name=data.bank_name.strip()[:100], bank_account=data.bank_account.strip()[:50],
                  remark=data.remark.strip()[:2000])
    if member_price is not None:
        trade.member_level = member_price.level_code
        trade.member_fee_discount = member_price.fee_discount
        trade.member_min_subscription = member_price.min_subscription
        trade.member_yield_bonus = member_price.yield_bonus
    trade.customer = customer
    trade.project = project
    session.add(trade)
    session.flush()
    review.start_round(session, trade, seat)
    return trade


@dataclass(frozen=True)
class TradeFilters:
    text: str = ""  # 交易编号, customer name or number, project name
    status: TradeStatus | None = None
    statuses: tuple[TradeStatus, ...] = ()
    project_id: int | None = None
    org_id: int | None = None
    start: date | None = None
    end: date | None = None
    # Drill-downs from the cockpits: only deals (成单, app.performance.deals), by 到账时间, of one seat.
    deal: bool = False
    arrival_from: date | None = None
    arrival_to: date | None = None
    seat_id: int | None = None


LIST_ORDER = (Trade.id.desc(),)  # the trade lists: newest first


def trade_query(session: DbSession, scope: Scope, filters: TradeFilters | None = None) -> Select[Any]:
    """Trades inside the scope (the trade's org, or the seat's own), filtered, newest first."""
    f = filters or TradeFilters()
    stmt = data_scope.apply(select(Trade), scope, Trade.org_id, Trade.seat_id)
    if text := f.text.strip():
        stmt = stmt.join(Customer, Customer.id == Trade.customer_id).join(Project, Project.id == Trade.project_id)
        stmt = stmt.where(or_(Trade.trade_no.icontains(text, autoescape=True),
                              Customer.name.icontains(text, autoescape=True),
                              Customer.number.icontains(text, autoescape=True),
                              Project.name.icontains(text, autoescape=True)))
    if f.status is not None:
        stmt = stmt.where(Trade.status == f.status)
    if f.statuses:
        stmt = stmt.where(Trade.status.in_(f.statuses))
    if f.project_id:
        stmt = stmt.where(Trade.project_id == f.project_id)
    if f.org_id:
        org = session.get(Org, f.org_id)
        stmt = stmt.where(Trade.org_id.in_(select(Org.id).where(Org.path.startswith(org.path if org else "-"))))
    if f.start:
        stmt = stmt.where(Trade.created_at >= datetime.combine(f.start, time.min, tzinfo=clock.SHANGHAI))
    if f.end:
        stmt = stmt.where(Trade.created_at < datetime.combine(f.end + timedelta(days=1), time.min,
                                                              tzinfo=clock.SHANGHAI))
    if f.deal:
        stmt = stmt.where(deals.is_deal())
    if f.arrival_from:
        stmt = stmt.where(Trade.arrival_date >= f.arrival_from)
    if f.arrival_to:
        stmt = stmt.where(Trade.arrival_date <= f.arrival_to)
    if f.seat_id:
        stmt = stmt.where(Trade.seat_id == f.seat_id)
    return stmt.options(selectinload(Trade.customer), selectinload(Trade.project), selectinload(Trade.seat),
                        selectinload(Trade.org)).order_by(*LIST_ORDER)


def status_counts(session: DbSession, scope: Scope) -> dict[TradeStatus, int]:
    stmt = (select(Trade.status, func.count()).where(data_scope.org_condition(scope, Trade.org_id, Trade.seat_id))
            .group_by(Trade.status))
    return {TradeStatus(s): n for s, n in session.execute(stmt)}


def get_trade(session: DbSession, trade_id: int, scope: Scope) -> Trade:
    """Load a trade the scope covers; others look exactly like missing ones."""
    return data_scope.get_or_404(session, Trade, trade_id, scope, owner_attr="seat_id")


def open_review_task(session: DbSession, trade: Trade) -> WorkflowTask | None:
    """The open task of the trade's current review round, if it has one."""
    if trade.review_instance_id is None:
        return None
    return session.scalar(select(WorkflowTask).where(WorkflowTask.instance_id == trade.review_instance_id,
                                                     WorkflowTask.status == TaskStatus.OPEN).limit(1))


def open_tasks_by_trade(session: DbSession, trades: list[Trade]) -> dict[int, WorkflowTask]:
    """Open review tasks of many trades in one query (queue screens link straight to them)."""
    by_instance = {t.review_instance_id: t.id for t in trades if t.review_instance_id}
    if not by_instance:
        return {}
    rows = session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id.in_(by_instance),
                                                      WorkflowTask.status == TaskStatus.OPEN))
    return {by_instance[task.instance_id]: task for task in rows}


def review_rounds(session: DbSession, trade: Trade) -> list[ProcessInstance]:
    """Every review round (instance) of the trade, first round first."""
    return list(session.scalars(select(ProcessInstance).where(ProcessInstance.business_key == f"trade:{trade.id}",
                                                              ProcessInstance.process_key == review.REVIEW_PROCESS)
                                .order_by(ProcessInstance.id)))


@dataclass
class TradeCorrection:
    """交易综合管理: the descriptive fields the back office may correct (amounts move only through review)."""

    contract_no: str = ""
    collective_contract_no: str = ""
    bank_name: str = ""
    bank_account: str = ""
    remark: str = ""


def update_trade(session: DbSession, trade: Trade, data: TradeCorrection) -> None:
    if trade.status not in EDITABLE_STATUSES:
        raise Conflict(f"交易处于“{trade.status.label}”，不能再修改")
    trade.contract_no = data.contract_no.strip()[:50]
    trade.collective_contract_no = data.collective_contract_no.strip()[:50]
    trade.bank_name = data.bank_name.strip()[:100]
    trade.bank_account = data.bank_account.strip()[:50]
    trade.remark = data.remark.strip()[:2000]
    session.flush()


def delete_trade(session: DbSession, trade: Trade, actor: User, reason: str) -> None:
    """Delete a trade that holds no money (待财务审核, 已退回, 已退款, 认购交易失败); a live review is cancelled."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写删除原因")
    if trade.status not in DELETABLE_STATUSES:
        raise Conflict(f"交易处于{trade.status.label}，不能删除；"
                       "只有待财务审核、已退回、已退款、认购交易失败的交易可以删除")
    trade.review_instance_id = None  # the cancellation below is the deletion, not a failed subscription
    session.flush()
    for instance in review_rounds(session, trade):
        if instance.status in (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR):
            workflow.cancel(session, instance, f"交易 {trade.trade_no} 已删除：{reason}", actor)
    session.delete(trade)
    session.flush()
