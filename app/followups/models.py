"""Follow-up records (跟进记录) and appointments (预约)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class FollowUpKind(LabelledStrEnum):
    CALL = "call", "电话"
    VISIT = "visit", "见客"
    INCOMING_VISIT = "incoming_visit", "来访"
    SALON = "salon", "沙龙"
    INVITATION = "invitation", "邀约"


FOLLOW_UP_KIND_LABELS = FollowUpKind.labels()


class FollowUp(Base):
    """One contact with a customer. Only a connected call long enough counts as a valid call (有效电话)."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_customer_at", "customer_id", "at"),
        Index("ix_follow_up_user_at", "user_id", "at"),
        Index("ix_follow_up_at", "at"),  # 跟进报表 of everyone in a period (app.reports)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[FollowUpKind] = mapped_column(str_enum(FollowUpKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    phone: Mapped[str] = mapped_column(String(20), default="")
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    valid: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(String(30), default="")  # dictionary followup_result
    content: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()


class AppointmentStatus(LabelledStrEnum):
    PENDING = "pending", "待办"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class Appointment(Base):
    """An appointment (预约) a seat booked with a customer; shown per day as 预约提醒."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus, 10),
                                                      default=AppointmentStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()
