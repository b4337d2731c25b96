"""Trades (客户交易), their income records (交易收益), interest payments (付息) and settlements (清算)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from app.products.models import MONEY, RATE, Project
from app.workflow.models import ProcessInstance
from rules.labelled_enum import LabelledStrEnum


class TradeStatus(LabelledStrEnum):
    """Where a trade stands. The review steps are set by trade_review.bpmn's service tasks; income
    records, interest and settlement by the services of this domain."""

    FINANCE_AUDIT = "finance_audit", "交易财务审核"
    VERIFICATION = "verification", "交易核对"
    PERSONAL_CONTRACT = "personal_contract", "确认个人合同"
    AWAITING_RAISE = "awaiting_raise", "等待募集成功"
    COLLECTIVE_CONTRACT = "collective_contract", "确认集体合同"
    RETURNED = "returned", "已退回待修订"
    INCOME = "income", "收益阶段"
    SETTLED = "settled", "已清算"
    REFUNDED = "refunded", "已退款"
    FAILED = "failed", "认购交易失败"


STATUS_LABELS = TradeStatus.labels()
# Steps of the review chain, in order (the monitor's columns, the queue screens).
REVIEW_STEPS = (TradeStatus.FINANCE_AUDIT, TradeStatus.VERIFICATION, TradeStatus.PERSONAL_CONTRACT,
                TradeStatus.AWAITING_RAISE, TradeStatus.COLLECTIVE_CONTRACT)
# Still moving: a project failure ends these as 认购交易失败.
OPEN_STATUSES = (*REVIEW_STEPS, TradeStatus.RETURNED)
# Passed 确认个人合同 and still standing: what 募集成功 counts.
CONTRACTED_STATUSES = (TradeStatus.AWAITING_RAISE, TradeStatus.COLLECTIVE_CONTRACT, TradeStatus.INCOME,
                       TradeStatus.SETTLED)
CLOSED_STATUSES = (TradeStatus.SETTLED, TradeStatus.REFUNDED, TradeStatus.FAILED)


class Trade(Audited, Base):
    """A customer's subscription of a project (客户交易), created by a seat and reviewed by the back office.

    ``org_id`` is the seat's org when the trade was created: finance and investor services see the
    trades of the orgs their scope covers, the seat (owner) its own.
    """

    __tablename__ = "trade"
    # Deals (成单) are aggregated straight from here by seat and 到账时间 (app.performance.deals).
    __table_args__ = (Index("ix_trade_seat_arrival", "seat_id", "arrival_date"),
                      Index("ix_trade_arrival_date", "arrival_date"),
                      # The leadership cockpit's deals by month / project / branch / seat read only this index.
                      Index("ix_trade_arrival_cover", "arrival_date", "status", "arrival_confirmed", "arrival_amount",
                            "org_id", "seat_id", "project_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    intended_amount: Mapped[Decimal] = mapped_column(MONEY)  # 意向金额
    arrival_amount: Mapped[Decimal] = mapped_column(MONEY)  # 到账金额: the intended amount until finance confirms
    arrival_date: Mapped[date | None] = mapped_column(Date)  # 到账时间, confirmed by 交易财务审核
    arrival_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # counts in 虚拟LP募集额度/数量
    status: Mapped[TradeStatus] = mapped_column(str_enum(TradeStatus, 30), default=TradeStatus.FINANCE_AUDIT,
                                                index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")  # 退回 / 退款 / 失败原因
    returned_from: Mapped[str] = mapped_column(String(30), default="")  # the step that returned it
    review_round: Mapped[int] = mapped_column(Integer, default=1)  # one review instance per round
    contract_no: Mapped[str] = mapped_column(String(50), default="")  # 个人合同编号, at 确认个人合同
    # 集体合同编号, at 确认集体合同
    collective_contract_no: Mapped[str] = mapped_column(String(50), default="", server_default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    value_date: Mapped[date | None] = mapped_column(Date)  # 起息日: when it entered the income stage
    interest_paid_to: Mapped[date | None] = mapped_column(Date)  # interest posted up to (exclusive)
    settled_on: Mapped[date | None] = mapped_column(Date)
    review_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    # 会员价 applied when the trade was created (app.members.prices): the customer's level then, and what it gave.
    member_level: Mapped[str] = mapped_column(String(20), default="", server_default="")
    member_fee_discount: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"), server_default="0")  # 费率折扣 %
    member_min_subscription: Mapped[Decimal | None] = mapped_column(MONEY)  # 起购金额 after the member reduction
    member_yield_bonus: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"), server_default="0")  # 收益率加成 %
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)

    customer: Mapped[Customer] = relationship()
    project: Mapped[Project] = relationship()
    seat: Mapped[User] = relationship(foreign_keys=[seat_id])
    org: Mapped[Org] = relationship()
    review_instance: Mapped[ProcessInstance | None] = relationship()

    def __repr__(self) -> str:
        return f"<Trade {self.id} {self.trade_no} {self.status}>"


class IncomeStatus(LabelledStrEnum):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class IncomeSource(LabelledStrEnum):
    """Where an income record came from: typed in, or written by an interest run or a settlement."""

    MANUAL = "manual", "手工"
    INTEREST = "interest", "付息"
    SETTLEMENT = "settlement", "清算"


labels.register_enum("income_source", IncomeSource)


class TradeIncome(Audited, Base):
    """One income record of a trade (投资交易收益): created, then submitted; a submitted record never changes."""

    __tablename__ = "trade_income"

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trade.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # dictionary income_kind
    income_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    remark: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")  # an IncomeSource value
    status: Mapped[IncomeStatus] = mapped_column(str_enum(IncomeStatus), default=IncomeStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trade: Mapped[Trade] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class PayoutStatus(LabelledStrEnum):
    DRAFT = "draft", "待复核"  # computed, waiting for a second finance user to review and post
    POSTED = "posted", "已入账"
    CANCELLED = "cancelled", "已作废"


class Payout:
    """What an interest payment and a settlement share: a project, the creator's org (its scope), the rate
    and day count the lines were computed with, and the maker–checker pair (another finance user posts)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # the creator's org: its scope
    annual_rate: Mapped[Decimal] = mapped_column(RATE)
    day_basis: Mapped[str] = mapped_column(String(10))
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus), default=PayoutStatus.DRAFT, index=True)
    remark: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def project(cls) -> Mapped[Project]:
        return relationship()

    @declared_attr
    def created_by(cls: type[Payout]) -> Mapped[User | None]:
        return relationship(foreign_keys=lambda: [cls.created_by_id])

    @declared_attr
    def reviewed_by(cls: type[Payout]) -> Mapped[User | None]:
        return relationship(foreign_keys=lambda: [cls.reviewed_by_id])


class InterestPayment(Payout, Audited, Base):
    """An interest payment (付息) of a project for the trades in the creator's scope, accrued up to ``period_end``.

    Each line accrues from where the trade's interest was last posted (else its value date) to
    ``period_end`` on the day count ``day_basis``; posting moves the trades' ``interest_paid_to``.
    """

    __tablename__ = "interest_payment"

    period_end: Mapped[date] = mapped_column(Date)  # 计息截止日 (exclusive)
    payment_date: Mapped[date] = mapped_column(Date)  # 付息日
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    lines: Mapped[list[InterestLine]] = relationship(back_populates="payment", order_by="InterestLine.id",
                                                     cascade="all, delete-orphan")


class InterestLine(Base):
    """Interest of one trade in a payment: principal × rate × days / basis, rounded half-up to the fen."""

    __tablename__ = "interest_line"
    __table_args__ = (UniqueConstraint("payment_id", "trade_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("interest_payment.id", ondelete="CASCADE"), index=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trade.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    accrual_start: Mapped[date] = mapped_column(Date)
    accrual_end: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    payment: Mapped[InterestPayment] = relationship(back_populates="lines")
    trade: Mapped[Trade] = relationship()


class Settlement(Payout, Audited, Base):
    """A settlement (清算) of a project's income-stage trades in the creator's scope: principal repaid plus
    the interest accrued since the last payment; posting closes the trades as 已清算."""

    __tablename__ = "settlement"

    settlement_date: Mapped[date] = mapped_column(Date)  # 清算日: principal repaid, interest accrued to (exclusive)
    total_principal: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    total_interest: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    lines: Mapped[list[SettlementLine]] = relationship(back_populates="settlement", order_by="SettlementLine.id",
                                                       cascade="all, delete-orphan")


class SettlementLine(Base):
    __tablename__ = "settlement_line"
    __table_args__ = (UniqueConstraint("settlement_id", "trade_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id", ondelete="CASCADE"), index=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trade.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    interest_from: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    interest: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)

    settlement: Mapped[Settlement] = relationship(back_populates="lines")
    trade: Mapped[Trade] = relationship()
