"""Process models (versioned BPMN), published decision tables, instances, the task projection (待办), history,
message subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class InstanceStatus(LabelledStrEnum):
    RUNNING = "running", "进行中"  # has READY human tasks
    WAITING = "waiting", "等待中"  # waits for a timer or a message only
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"
    ERROR = "error", "异常"  # an incident: a script, condition or service call failed


class TaskStatus(LabelledStrEnum):
    OPEN = "open", "待处理"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已撤销"  # withdrawn by the engine (boundary timer, instance cancelled, migration)


class ProcessModel(Base):
    """One deployed version of a BPMN process (plus the DMN tables it uses)."""

    __tablename__ = "process_model"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)  # the BPMN process id
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # Deferred: the XML is read only when a version's spec is not yet in the process-wide cache.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    dmn_xml: Mapped[list[str]] = mapped_column(JSON, default=list, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(200), default="")  # file name or "designer"
    comment: Mapped[str] = mapped_column(Text, default="")
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<ProcessModel {self.key} v{self.version}>"


class DecisionTable(Base):
    """One version of a DMN decision table published from the process designer; it replaces the shipped
    ``rules/<key>.dmn`` from then on.

    Process-model versions bundle the DMN they call; publishing a table deploys a new version of every
    process whose latest version calls one of its decisions.
    """

    __tablename__ = "decision_table"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    decision_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ProcessInstance(Base):
    """A running (or finished) process: serialized SpiffWorkflow state plus what queries need."""

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_timer_due", "status", "next_timer_at"),
        # Process analytics (流程性能): one process's instances started / completed in a period.
        Index("ix_process_instance_key_started", "process_key", "started_at"),
        Index("ix_process_instance_key_completed", "process_key", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str] = mapped_column(String(100), index=True, default="")  # e.g. "trade:42"
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[InstanceStatus] = mapped_column(str_enum(InstanceStatus), default=InstanceStatus.RUNNING,
                                                   index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)  # scope of the business object
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Deferred: lists, status reads and the task projection never need the workflow state (tens of kB);
    # the engine loads it with the instance (undefer) where it restores the workflow.
    serialized: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(40))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_owner: Mapped[str | None] = mapped_column(String(80))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timer_failures: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str] = mapped_column(Text, default="")
    end_reason: Mapped[str] = mapped_column(Text, default="")
    # 业务状态: what the process says about its business object in lists (set by the 设置业务状态 operation).
    business_status: Mapped[str] = mapped_column(String(100), default="", server_default="")
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    model: Mapped[ProcessModel] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<ProcessInstance {self.id} {self.process_key} {self.business_key}>"


class InstanceLink(Base):
    """A business object an instance concerns besides its own business key (e.g. the customer of a trade),
    so the customer's 360 page can list every process touching the customer."""

    __tablename__ = "instance_link"
    __table_args__ = (UniqueConstraint("instance_id", "business_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    business_key: Mapped[str] = mapped_column(String(100), index=True)


class WorkflowTask(Base):
    """Projection of a READY human task for inbox queries; the inbox never loads workflow JSON."""

    __tablename__ = "workflow_task"
    __table_args__ = (
        # Each inbox tab is an equality on the leading columns, newest first: the index gives the order too,
        # so a page of 30 reads about 30 rows even among millions.
        Index("ix_workflow_task_open_role", "status", "candidate_role", "created_at"),
        # Counting a role's visible tasks reads only this index: org by org, assignee and owner included.
        Index("ix_workflow_task_open_scope", "status", "candidate_role", "org_id", "assignee_id", "owner_id"),
        Index("ix_workflow_task_assignee", "assignee_id", "status", "created_at"),
        Index("ix_workflow_task_owner", "owner_id", "status", "created_at"),
        Index("ix_workflow_task_done_by", "completed_by_id", "completed_at"),
        # Process analytics: one process's tasks completed in a period, and its open ones (completed_at NULL).
        Index("ix_workflow_task_process_done", "process_key", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)  # SpiffWorkflow task id
    element_id: Mapped[str] = mapped_column(String(100))  # BPMN element id
    name: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    lane: Mapped[str] = mapped_column(String(100), default="")
    candidate_role: Mapped[str] = mapped_column(String(50), default="")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form_key: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # When the task got its assignee (claim, direct assignment, delegation of an unheld task); NULL while it
    # waits for someone, and for tasks completed straight from the group inbox. Waiting = created → claimed,
    # handling = claimed → completed (process analytics).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(50), default="")
    # the button as the task's own form named it (已回访), so lists need not guess from the shared label map
    outcome_label: Mapped[str] = mapped_column(String(50), default="", server_default="")
    comment: Mapped[str] = mapped_column(Text, default="")

    instance: Mapped[ProcessInstance] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def outcome_text(self) -> str:
        """The result as people read it: the button's own label, else the shared outcome label map's."""
        return self.outcome_label or labels.label(self.outcome, "outcome")


class TaskCandidate(Base):
    """A further candidate of an open task beyond its ``candidate_role``: another role (a task's
    ``candidateGroups`` after the first) or a named user (``candidateUsers``). Most tasks have none."""

    __tablename__ = "workflow_task_candidate"
    __table_args__ = (
        Index("ix_workflow_task_candidate_user", "user_id", "task_id"),
        Index("ix_workflow_task_candidate_role", "role_code", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("workflow_task.id", ondelete="CASCADE"), index=True)
    role_code: Mapped[str] = mapped_column(String(50), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class InstanceEvent(Base):
    """Append-only history of an instance: start, completion, claim, timer, message, cancel, error, migrate."""

    __tablename__ = "instance_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    element_id: Mapped[str] = mapped_column(String(100), default="")
    task_name: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(50), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MessageSubscription(Base):
    """An instance waiting for a message name + correlation value, so senders find it by index."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_lookup", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(100))
    correlation: Mapped[str] = mapped_column(String(200), default="")  # canonical JSON of the correlation values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MessageLog(Base):
    """Every message sent: to which instances it went, or that nobody waited for it (never lost)."""

    __tablename__ = "message_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    message_name: Mapped[str] = mapped_column(String(100), index=True)
    correlation: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_instance_id: Mapped[int | None] = mapped_column(Integer)
    delivered_to: Mapped[list[int]] = mapped_column(JSON, default=list)
    matched: Mapped[bool] = mapped_column(default=False, index=True)
