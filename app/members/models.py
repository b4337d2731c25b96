"""Membership (会员): levels (会员等级), one member row per customer who has dealt, the level history, the
append-only points ledger (积分流水), manual adjustments awaiting a second person, and member prices
(会员价格策略) per project or project category and level."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.products.models import MONEY, RATE, Project, ProjectCategory
from rules.labelled_enum import LabelledStrEnum


class MemberLevel(Audited, Base):
    """A member level (会员等级) an administrator defines; the level rules table outputs its ``code``."""

    __tablename__ = "member_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)  # higher is better; the lists sort by it
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Member(Base):
    """A customer as a member: level, points balance and cumulative subscription (累计认购).

    ``points_balance`` moves only together with a ledger row, by a conditional UPDATE that refuses to go
    below zero (and a CHECK behind it). ``previous_level`` is the level before the last change, so the
    nightly evaluation writes the level history from the rows it just changed.
    """

    __tablename__ = "member"
    __table_args__ = (CheckConstraint("points_balance >= 0", name="points_balance"),
                      Index("ix_member_level_since", "level_since"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    level_code: Mapped[str] = mapped_column(String(20), default="", server_default="")  # "": 未定级
    previous_level: Mapped[str] = mapped_column(String(20), default="", server_default="")
    points_balance: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cumulative_subscription: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    level_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    customer: Mapped[Customer] = relationship()


class LevelChange(Base):
    """One change of a member's level (等级变更记录), by the nightly evaluation or an event."""

    __tablename__ = "member_level_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    from_level: Mapped[str] = mapped_column(String(20), default="")
    to_level: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(20))  # a LevelTrigger value
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class LevelTrigger(LabelledStrEnum):
    NIGHTLY = "nightly", "夜间评定"
    EVENT = "event", "到账即时评定"


class PointsKind(LabelledStrEnum):
    """Why points moved (积分变动类型)."""

    SUBSCRIPTION = "subscription", "认购积分"
    SALON = "salon", "沙龙到场"
    BIRTHDAY = "birthday", "生日积分"
    REFERRAL = "referral", "推荐客户"
    ADJUSTMENT = "adjustment", "人工调整"
    EXPIRY = "expiry", "积分过期"


labels.register_enum("points_kind", PointsKind)
labels.register_enum("member_level_trigger", LevelTrigger)


class PointsEntry(Base):
    """One row of the append-only points ledger (积分流水). The database refuses to delete a row or change
    anything but its customer (a merge moves the rows to the surviving customer)."""

    __tablename__ = "points_ledger"
    __table_args__ = (Index("ix_points_ledger_customer", "customer_id", "id"),
                      Index("ix_points_ledger_expiry", "expires_at"),
                      Index("ix_points_ledger_trade", "trade_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    kind: Mapped[PointsKind] = mapped_column(str_enum(PointsKind))
    reason: Mapped[str] = mapped_column(String(500), default="")
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trade.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("oa_activity.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("points_adjustment.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # credits only
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    actor: Mapped[User | None] = relationship()


class AdjustmentStatus(LabelledStrEnum):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


labels.register_enum("points_adjustment_status", AdjustmentStatus)


class PointsAdjustment(Audited, Base):
    """A manual points adjustment (积分调整): requested by one user, approved or rejected by another."""

    __tablename__ = "points_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[AdjustmentStatus] = mapped_column(str_enum(AdjustmentStatus, 10), default=AdjustmentStatus.PENDING,
                                                     index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[Customer] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class MemberPrice(Audited, Base):
    """A member price (会员价格策略) for one level, on one project or on every project of a category."""

    __tablename__ = "member_price"
    __table_args__ = (UniqueConstraint("level_code", "project_id", "category_id", name="uq_member_price_target"),
                      CheckConstraint("(project_id IS NULL) <> (category_id IS NULL)", name="target"))

    id: Mapped[int] = mapped_column(primary_key=True)
    level_code: Mapped[str] = mapped_column(String(20), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("project_category.id"), index=True)
    fee_discount: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))  # 费率折扣 %
    min_reduction: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))  # 起购金额减免（元）
    yield_bonus: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))  # 收益率加成 %
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    project: Mapped[Project | None] = relationship()
    category: Mapped[ProjectCategory | None] = relationship()
