"""Daily management (日常管理, OA): applications and their route, work calendar, minutes, to-dos,
branches (网点) and offline activities (活动)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum

# --- applications (申请) ------------------------------------------------------------------------------


class ApplicationStatus(LabelledStrEnum):
    DRAFT = "draft", "草稿"  # editable by the applicant
    PROCESSING = "processing", "处理中"  # submitted: immutable, with a handler
    COMPLETED = "completed", "已完成"  # 处理完成
    CANCELLED = "cancelled", "已取消"  # its process was cancelled in 流程监控


class HopAction(LabelledStrEnum):
    """How a handler ended their hop of an OA application."""

    OPEN = "", "待处理"
    COMPLETE = "complete", "处理完成"
    FORWARD = "forward", "向下流转"


class HandleResult(LabelledStrEnum):
    """What a handler concluded (处理结果); the last one of a completed application is its result."""

    APPROVE = "approve", "同意"
    REJECT = "reject", "不同意"
    NOTED = "noted", "已阅"


RESULT_LABELS: dict[str, str] = {result.value: result.label for result in HandleResult}  # results stored as text
labels.register_enum("handle_result", HandleResult)


class Application(Audited, Base):
    """An OA application (申请): type, first handler, description, type-specific details, attachments."""

    __tablename__ = "oa_application"
    __table_args__ = (Index("ix_oa_application_applicant_status", "applicant_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type_code: Mapped[str] = mapped_column(String(50), index=True)  # base data oa_application_type
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # fields of the type's own form
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # the applicant's org: data scope
    handler_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # 处理人 chosen by the applicant
    current_handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, 12), default=ApplicationStatus.DRAFT,
                                                      index=True)
    result: Mapped[str] = mapped_column(String(20), default="")  # HandleResult of the completing hop
    hop_count: Mapped[int] = mapped_column(Integer, default=0)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))  # current process segment
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    handler: Mapped[User] = relationship(foreign_keys=[handler_id])
    current_handler: Mapped[User | None] = relationship(foreign_keys=[current_handler_id])
    org: Mapped[Org] = relationship()
    hops: Mapped[list[ApplicationHop]] = relationship(back_populates="application", order_by="ApplicationHop.seq")
    attachments: Mapped[list[ApplicationAttachment]] = relationship(
        back_populates="application", order_by="ApplicationAttachment.id", cascade="all, delete-orphan")

    @property
    def business_key(self) -> str:
        return f"oa_application:{self.id}"


class ApplicationHop(Base):
    """One stop on an application's route: who it reached, when, and what they did with it."""

    __tablename__ = "oa_application_hop"
    __table_args__ = (UniqueConstraint("application_id", "seq"),
                      Index("ix_oa_application_hop_handled_by", "handled_by_id", "handled_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("oa_application.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1 = the handler the applicant chose
    handler_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # differs when delegated (委派)
    handling: Mapped[str] = mapped_column(Text, default="")  # 处理内容
    result: Mapped[str] = mapped_column(String(20), default="")  # HandleResult
    action: Mapped[str] = mapped_column(String(20), default="")  # a HopAction value

    application: Mapped[Application] = relationship(back_populates="hops")
    handler: Mapped[User] = relationship(foreign_keys=[handler_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def result_label(self) -> str:
        return RESULT_LABELS.get(self.result, self.result)

    @property
    def action_label(self) -> str:
        return HopAction(self.action).label


class ApplicationAttachment(Base):
    """A file attached to an application; bytes live in the database so web workers stay stateless."""

    __tablename__ = "oa_application_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("oa_application.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))  # from the allow-list, never the browser's claim
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    application: Mapped[Application] = relationship(back_populates="attachments")


# --- work calendar (行事历) --------------------------------------------------------------------------


class CalendarKind(LabelledStrEnum):
    PLAN = "plan", "计划"
    REPORT = "report", "汇报"


class CalendarPeriod(LabelledStrEnum):
    DAY = "day", "日"
    WEEK = "week", "周"
    MONTH = "month", "月"


class CalendarEntry(Base):
    """A work plan or report (工作计划 / 汇报) for a day, a week (Mon–Sun) or a month."""

    __tablename__ = "oa_calendar_entry"
    __table_args__ = (Index("ix_oa_calendar_entry_user_range", "user_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[CalendarKind] = mapped_column(str_enum(CalendarKind, 10))
    period: Mapped[CalendarPeriod] = mapped_column(str_enum(CalendarPeriod, 10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    user: Mapped[User] = relationship()


# --- to-dos (待办事项) and minutes (纪要) --------------------------------------------------------------


class TodoUrgency(LabelledStrEnum):
    URGENT = "urgent", "紧急"
    IMPORTANT = "important", "重要"
    NORMAL = "normal", "一般"

    @property
    def rank(self) -> int:
        return list(TodoUrgency).index(self)


class Todo(Base):
    """A to-do a manager gives a subordinate for a day 1–3 days ahead, or a follow-up item from minutes."""

    __tablename__ = "oa_todo"
    __table_args__ = (Index("ix_oa_todo_assignee_open", "assignee_id", "done_at", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[TodoUrgency] = mapped_column(str_enum(TodoUrgency, 10), default=TodoUrgency.NORMAL)
    due_date: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # the assignee's org: data scope
    minutes_id: Mapped[int | None] = mapped_column(ForeignKey("oa_minutes.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(Text, default="")

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])


minutes_attendees = Table(
    "oa_minutes_attendee",
    Base.metadata,
    Column("minutes_id", ForeignKey("oa_minutes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Minutes(Audited, Base):
    """Meeting minutes (会议纪要): attendees, what was discussed and decided; follow-ups become to-dos."""

    __tablename__ = "oa_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    location: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text, default="")  # 会议内容
    decisions: Mapped[str] = mapped_column(Text, default="")  # 决议事项
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    created_by: Mapped[User] = relationship()
    org: Mapped[Org] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary=minutes_attendees, order_by=User.work_no)
    follow_ups: Mapped[list[Todo]] = relationship(order_by=Todo.id, viewonly=True)


# --- branches (网点) and activities (活动) ------------------------------------------------------------


class Branch(Audited, Base):
    """A business outlet (营业网点), maintained in admin and searchable by every employee."""

    __tablename__ = "oa_branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    city: Mapped[str] = mapped_column(String(50), default="", index=True)
    district: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    manager: Mapped[str] = mapped_column(String(50), default="")  # 网点负责人
    business_hours: Mapped[str] = mapped_column(String(100), default="")
    services: Mapped[str] = mapped_column(Text, default="")  # 业务范围
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))  # the 分公司 it belongs to
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Org | None] = relationship()


class ActivityStatus(LabelledStrEnum):
    PLANNED = "planned", "筹备中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class Activity(Audited, Base):
    """An offline activity (线下活动): a salon (沙龙), seminar (讲座) … with invited customers."""

    __tablename__ = "oa_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))  # base data oa_activity_kind
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("oa_branch.id"))
    capacity: Mapped[int] = mapped_column(Integer, default=0)  # 0: no limit
    description: Mapped[str] = mapped_column(Text, default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # organising org
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ActivityStatus] = mapped_column(str_enum(ActivityStatus, 12), default=ActivityStatus.PLANNED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    organizer: Mapped[User] = relationship()
    org: Mapped[Org] = relationship()
    branch: Mapped[Branch | None] = relationship()
    invitees: Mapped[list[ActivityInvitee]] = relationship(back_populates="activity", order_by="ActivityInvitee.id")


class InviteeStatus(LabelledStrEnum):
    INVITED = "invited", "已邀约"
    CONFIRMED = "confirmed", "已确认"
    ATTENDED = "attended", "已到场"
    ABSENT = "absent", "未到场"


class ActivityInvitee(Base):
    """A person invited to an activity (邀约), with attendance; ``customer_id`` links a customer record."""

    __tablename__ = "oa_activity_invitee"
    __table_args__ = (Index("ix_oa_activity_invitee_inviter", "invited_by_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("oa_activity.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30), default="")
    # The customers domain (issue 5) owns the customer table; the link is kept without a foreign key
    # until both are on main, and receivers of ``activity_attended`` resolve it.
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status: Mapped[InviteeStatus] = mapped_column(str_enum(InviteeStatus, 12), default=InviteeStatus.INVITED)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remark: Mapped[str] = mapped_column(String(200), default="")

    activity: Mapped[Activity] = relationship(back_populates="invitees")
    invited_by: Mapped[User] = relationship()
