"""Customer care (客户关怀): care templates over the 内容模板, care records, care tasks and the daily reminders.

- ``care_template`` marks a 内容模板 (notice_template) as a care message for one kind of occasion; the text and
  its {占位符} stay in the content template, so there is one template editor and one template table.
- ``care_record`` is what a seat did: customer, occasion, the template used and the message sent, by, at.
- ``care_task`` links a 再次服务 mining task (the existing task machinery) to the care list it was made from.
- ``care_reminder`` is one row per serving seat and day: the daily notice is sent once, whatever reruns.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.mining.task_models import MiningTask
from app.notices.models import NoticeTemplate
from rules.labelled_enum import LabelledStrEnum


class CareKind(LabelledStrEnum):
    """关怀类型."""

    BIRTHDAY = "birthday", "生日"
    ANNIVERSARY = "anniversary", "纪念日"  # 成交纪念日: the first arrival-confirmed trade
    FESTIVAL = "festival", "节日"
    OTHER = "other", "其他"


CARE_KIND_LABELS = CareKind.labels()
# The kinds that have a list of upcoming dates (生日关怀, 纪念日关怀).
LIST_KINDS = (CareKind.BIRTHDAY, CareKind.ANNIVERSARY)


class CareTemplate(Audited, Base):
    """A 内容模板 used as a care message (关怀模板) for one kind of occasion."""

    __tablename__ = "care_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("notice_template.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[CareKind] = mapped_column(str_enum(CareKind, 12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    template: Mapped[NoticeTemplate] = relationship()


class CareRecord(Base):
    """One care given (关怀记录); append-only, shown on the customer 360 page."""

    __tablename__ = "care_record"
    __table_args__ = (Index("ix_care_record_customer_at", "customer_id", "cared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[CareKind] = mapped_column(str_enum(CareKind, 12))
    occasion: Mapped[date | None] = mapped_column(Date)  # the birthday / anniversary date cared for
    template_id: Mapped[int | None] = mapped_column(ForeignKey("notice_template.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))  # the seat's org at the time
    cared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    task_item_id: Mapped[int | None] = mapped_column(Integer)  # the care-task item it completed, if any

    template: Mapped[NoticeTemplate | None] = relationship()
    by: Mapped[User] = relationship()


class CareTask(Base):
    """A care task: the 再次服务 mining task made from a care list (its kind and window)."""

    __tablename__ = "care_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("mining_task.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[CareKind] = mapped_column(str_enum(CareKind, 12))
    days: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    task: Mapped[MiningTask] = relationship()


class CareReminder(Base):
    """The daily reminder notice one serving seat got for one day (关怀提醒): at most one per seat and day."""

    __tablename__ = "care_reminder"
    __table_args__ = (UniqueConstraint("seat_id", "reminded_on", name="uq_care_reminder_seat_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reminded_on: Mapped[date] = mapped_column(Date, index=True)
    customers: Mapped[int] = mapped_column(Integer)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
