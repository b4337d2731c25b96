"""Quotas (配额) per 层级 × 级别 from a date, and the daily facts (每日实绩) the task calendar compares them with."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime
from app.extensions import Base


class Quota(Audited, Base):
    """The daily targets of one 层级 × 级别 from ``effective_from`` on, until a later row takes over.

    A metric left empty (None) has no quota. Past days keep the row that applied to them: a change is a
    new row with a later date, never an edit of the past.
    """

    __tablename__ = "quota"
    __table_args__ = (UniqueConstraint("level", "tier", "effective_from", name="uq_quota_level_tier_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(30))  # 层级, base data user_level
    tier: Mapped[str] = mapped_column(String(30))  # 级别, base data user_tier
    effective_from: Mapped[date] = mapped_column(Date)
    intent: Mapped[int | None] = mapped_column(Integer)  # 意向客户 a day
    valid_call: Mapped[int | None] = mapped_column(Integer)  # 有效电话 a day
    visit: Mapped[int | None] = mapped_column(Integer)  # 见客 a day
    invitation: Mapped[int | None] = mapped_column(Integer)  # 邀约 a day
    remark: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    created_by: Mapped[User | None] = relationship()


class DailyFact(Base):
    """What one user did on one Asia/Shanghai day, per metric; kept current in the same transaction as the
    follow-up or type change (app/quotas/facts.py) and rebuilt from the sources by the scheduler."""

    __tablename__ = "quota_daily_fact"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    intent: Mapped[int] = mapped_column(Integer, default=0)
    valid_call: Mapped[int] = mapped_column(Integer, default=0)
    visit: Mapped[int] = mapped_column(Integer, default=0)
    invitation: Mapped[int] = mapped_column(Integer, default=0)
    # Activity counts with no quota, for staff performance (业绩查询): every call (valid or not), 来访, 沙龙.
    call: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    incoming_visit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    salon: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IntentMark(Base):
    """A customer that became an intent customer (意向) for a seat on a day: counted once per customer, seat
    and day, and the source the 意向客户 facts are rebuilt from (the customer row keeps no type history).

    ``customer_id`` has no foreign key on purpose: the mark records work done that day, so it outlives a
    merge (合并客户) of that customer into another, where re-pointing it could collide with the survivor's.
    """

    __tablename__ = "quota_intent_mark"
    __table_args__ = (Index("ix_quota_intent_mark_day", "day"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
