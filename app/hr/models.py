"""Attendance (用户考勤) and public holidays (公休假期), the two inputs of the task calendar's excused days.

An attendance row records a user's day when it is not 正常 (a day without a row is 正常考勤). Its type is
an item code of the base-data dictionary ``attendance_type`` (正常, 请假, 公休, 病假, 事假, 旷工, 迟到 …);
whether a type counts as complete on the task calendar (不计入考勤，视为完成) is an
:class:`AttendanceTypeRule`. Public holidays apply to everyone and are kept as date ranges.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.audit.models import Audited
from app.database import UTCDateTime
from app.extensions import Base


class AttendanceDay(Audited, Base):
    """A user's attendance on one day when it is not 正常; ``source`` names what set it (``oa_application:12``)."""

    __tablename__ = "attendance_day"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    type_code: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class AttendanceTypeRule(Audited, Base):
    """Whether days of an attendance type count as complete on the task calendar (不计入考勤，视为完成).

    Keyed by the ``attendance_type`` item code; a type without a rule counts as an ordinary working day.
    """

    __tablename__ = "attendance_type_rule"

    type_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class PublicHoliday(Audited, Base):
    """A public holiday (公休假期) for everyone, one day (start = end) or a range; ranges never overlap."""

    __tablename__ = "public_holiday"
    __table_args__ = (Index("ix_public_holiday_dates", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
