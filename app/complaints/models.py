"""Complaint categories (投诉类别) and complaints (投诉).

A category names who handles its complaints (a role, optionally inside one department) and the SLA in hours; a
complaint copies its due time (``due_at``) from the SLA when it is filed, so changing a category's SLA later
never moves the deadline of complaints already running. The complaint's progress is the 投诉处理 process
(``bpmn/complaint.bpmn``); its service tasks keep ``status``, ``handler_id``, ``escalation_level`` and
``closed_at`` in step (app/complaints/process_ops.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class ComplaintChannel(LabelledStrEnum):
    PHONE = "phone", "电话"
    COUNTER = "counter", "柜台"
    WEB = "web", "网络"
    API = "api", "API"


class ComplaintSeverity(LabelledStrEnum):
    NORMAL = "normal", "一般"
    SERIOUS = "serious", "严重"
    CRITICAL = "critical", "重大"


class ComplaintStatus(LabelledStrEnum):
    HANDLING = "handling", "处理中"
    REVIEWING = "reviewing", "待主管审核"
    CLOSED = "closed", "已结案"


labels.register_enum("complaint_channel", ComplaintChannel)
labels.register_enum("complaint_severity", ComplaintSeverity)
labels.register_enum("complaint_status", ComplaintStatus)
OPEN_STATUSES = (ComplaintStatus.HANDLING, ComplaintStatus.REVIEWING)


class ComplaintCategory(Audited, Base):
    """投诉类别: who handles it (a role, optionally one department) and how long they have (SLA, hours)."""

    __tablename__ = "complaint_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    handler_role: Mapped[str] = mapped_column(String(40))  # a role code: its holders in scope handle the complaint
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))  # handling department; empty: the customer's
    sla_hours: Mapped[int] = mapped_column(Integer, default=24)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Org | None] = relationship()


class Complaint(Audited, Base):
    """A customer's complaint, worked through the 投诉处理 process."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_status_due", "status", "due_at"),
                      Index("ix_complaint_customer_created", "customer_id", "created_at"),
                      Index("ix_complaint_org_created", "org_id", "created_at"),
                      Index("ix_complaint_handler_status", "handler_id", "status"))
    __audit_exclude__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_category.id"))
    channel: Mapped[ComplaintChannel] = mapped_column(str_enum(ComplaintChannel, 10))
    content: Mapped[str] = mapped_column(Text)
    severity: Mapped[ComplaintSeverity] = mapped_column(str_enum(ComplaintSeverity, 10),
                                                        default=ComplaintSeverity.NORMAL)
    status: Mapped[ComplaintStatus] = mapped_column(str_enum(ComplaintStatus, 10), default=ComplaintStatus.HANDLING)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))  # the customer's service org: the data scope
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(Text, default="")
    process_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    category: Mapped[ComplaintCategory] = relationship()
    org: Mapped[Org] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime | None = None) -> bool:
        moment = now or clock.now()
        due = self.due_at if self.due_at.tzinfo else self.due_at.replace(tzinfo=moment.tzinfo)
        return self.is_open and due < moment
