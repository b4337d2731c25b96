"""Screen-pops (来电弹屏) stored for the seat's browser to poll, call-backs (回访) and the call-back strategy
(回访策略) that decides who calls back a missed call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class CallDirection(LabelledStrEnum):
    INBOUND = "inbound", "呼入"
    OUTBOUND = "outbound", "呼出"


class ScreenPop(Base):
    """One call the telephony system announced at a seat's extension, with what the seat may see of the caller.

    Written once by the CTI API and read by the seat's browser every half second until it is marked seen, so
    the poll is one index range read (``ix_screen_pop_seat_pending``). Not audited: it is a call log, not a
    business record a person changes.
    """

    __tablename__ = "screen_pop"
    __table_args__ = (Index("ix_screen_pop_seat_pending", "seat_id", "seen_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    extension: Mapped[str] = mapped_column(String(20))
    caller: Mapped[str] = mapped_column(String(20))  # normalised (rules.phones)
    call_id: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, 10), default=CallDirection.INBOUND)
    # The first matching customer in the seat's scope; ``match_count`` says how many share the number.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    match_count: Mapped[int] = mapped_column(Integer, default=0)
    outside_scope: Mapped[bool] = mapped_column(Boolean, default=False)  # a customer the seat may not see has it
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    blacklist_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    seat: Mapped[User] = relationship()
    customer: Mapped[Customer | None] = relationship()


class CallbackSource(LabelledStrEnum):
    MANUAL = "manual", "手动"  # 快速回访 from the 客户 360 page, recorded at once
    PLANNED = "planned", "计划"  # 定时回访: a seat set a time
    MISSED_CALL = "missed_call", "未接来电"  # the call centre's API; the strategy picks who calls back


class CallbackStatus(LabelledStrEnum):
    PENDING = "pending", "待回访"
    DONE = "done", "已回访"
    CANCELLED = "cancelled", "已取消"


class Callback(Audited, Base):
    """A call-back (回访) owed to a customer or to an unknown number.

    ``seat_id`` empty: it waits in ``org_id``'s queue (部门待领回访) until a seat of that org claims it.
    """

    __tablename__ = "callback"
    __table_args__ = (Index("ix_callback_seat_status_due", "seat_id", "status", "due_at"),
                      Index("ix_callback_org_status_due", "org_id", "status", "due_at"),
                      Index("ix_callback_phone_status", "phone", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[CallbackSource] = mapped_column(str_enum(CallbackSource, 12))
    status: Mapped[CallbackStatus] = mapped_column(str_enum(CallbackStatus, 10), default=CallbackStatus.PENDING)
    missed_calls: Mapped[int] = mapped_column(Integer, default=0)  # 未接来电 merged into this call-back
    extension: Mapped[str] = mapped_column(String(20), default="")
    result_note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    customer: Mapped[Customer | None] = relationship()
    seat: Mapped[User | None] = relationship(foreign_keys=[seat_id])
    org: Mapped[Org] = relationship()

    @property
    def overdue(self) -> bool:
        return self.status == CallbackStatus.PENDING and self.due_at < clock.now()


class CallbackStrategy(Audited, Base):
    """回访策略 (one row): who calls back a missed call.

    The customer's serving seat if it has one; else the distribution rule ``rule_id`` picks a target through
    the distribution engine's share arithmetic; an unknown number (or no rule) goes to ``queue_org_id``'s queue.
    """

    __tablename__ = "callback_strategy"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_rule.id", ondelete="SET NULL"))
    queue_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    due_minutes: Mapped[int] = mapped_column(Integer, default=30)  # 未接来电 call back within
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    queue_org: Mapped[Org | None] = relationship()
