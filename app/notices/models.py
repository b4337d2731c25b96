"""Content templates, notices with their audience, and one receipt row per recipient (read / acknowledged)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class NoticeTemplate(Audited, Base):
    """A content template (内容模板) so notices share one layout and wording."""

    __tablename__ = "notice_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class NoticeLevel(LabelledStrEnum):
    NORMAL = "normal", "普通"
    URGENT = "urgent", "紧急"  # pops up on the next page load until acknowledged


class Audience(LabelledStrEnum):
    ALL = "all", "全体员工"
    ORG = "org", "指定组织（含下级）"  # the org and every org below it
    USERS = "users", "指定人员"


class Notice(Audited, Base):
    """A published notice (系统通知); ``major`` makes it a 重大公告 shown on the home page."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    level: Mapped[NoticeLevel] = mapped_column(str_enum(NoticeLevel, 10), default=NoticeLevel.NORMAL)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, 10))
    audience_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # leaves the ticker and home page then
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    published_by: Mapped[User] = relationship()
    audience_org: Mapped[Org | None] = relationship()

    @property
    def needs_acknowledgement(self) -> bool:
        return self.level == NoticeLevel.URGENT or self.major


class NoticeReceipt(Base):
    """One recipient of a notice: when they read it and when they acknowledged (知悉) a pop-up."""

    __tablename__ = "notice_receipt"
    __table_args__ = (Index("ix_notice_receipt_user_ack", "user_id", "acknowledged_at"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship()
    user: Mapped[User] = relationship()
