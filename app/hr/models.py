"""Attendance (用户考勤): one row per user and day that is not a normal working day.

A day without a row is 正常考勤. Approved leave applications write 请假 rows; public holidays
(公休) are maintained by HR. The task calendar counts 请假 and 公休 days as complete.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.database import UTCDateTime, str_enum
from app.extensions import Base


class AttendanceKind(StrEnum):
    NORMAL = "normal"
    LEAVE = "leave"
    HOLIDAY = "holiday"

    @property
    def label(self) -> str:
        return {"normal": "正常", "leave": "请假", "holiday": "公休"}[self.value]


class AttendanceDay(Base):
    """A user's attendance on one day when it is not 正常; ``source`` names what set it (``oa_application:12``)."""

    __tablename__ = "attendance_day"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[AttendanceKind] = mapped_column(str_enum(AttendanceKind, 10))
    source: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
