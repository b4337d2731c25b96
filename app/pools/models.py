"""Pool history (流转记录) and red-flag applications (标红申请)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.customers.models import Customer, Pool
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class MoveReason(LabelledStrEnum):
    """Why a customer changed pool: a person's action or a recycle rule (回收规则)."""

    CREATE = "create", "新建客户"
    IMPORT = "import", "导入"
    EXTRACT = "extract", "从公共池提取"
    ASSIGN = "assign", "分配"
    RELEASE = "release", "放入公共池"
    TO_DEPARTMENT = "to_department", "退回部门池"
    RECYCLE_NO_CALL = "recycle_no_call", "回收规则：期限内无有效电话跟进"
    RECYCLE_MAX_FOLLOWUPS = "recycle_max_followups", "回收规则：跟进次数达到上限"
    RECYCLE_FEW_FOLLOWUPS = "recycle_few_followups", "回收规则：期限内跟进次数不足"
    RED_FLAG = "red_flag", "标红未处理，转主管"
    RED_FLAG_RETURN = "red_flag_return", "标红客户返还坐席"
    USER_LEFT = "user_left", "员工离职交接"
    MERGE = "merge", "客户合并"
    DISTRIBUTE = "distribute", "数据挖掘分配"
    INVALID = "invalid", "标记无效"
    REVIVE = "revive", "无效客户激活"
    HANDOVER = "handover", "离职交接给继任坐席"
    HANDOVER_OVERDUE = "handover_overdue", "离职逾期未交接，转城市经理池"
    TRANSFER = "transfer", "客户转移"
    RECOVERY = "recovery", "客户数据回收"
    MINING_TASK = "mining_task", "数据挖掘任务"
    DELETE = "delete", "删除客户"
    RESTORE = "restore", "恢复已删除的客户"

    @property
    def is_rule(self) -> bool:
        return self in RULE_REASONS


MOVE_REASON_LABELS = MoveReason.labels()
RULE_REASONS = frozenset({MoveReason.RECYCLE_NO_CALL, MoveReason.RECYCLE_MAX_FOLLOWUPS,
                          MoveReason.RECYCLE_FEW_FOLLOWUPS, MoveReason.RED_FLAG})


class PoolHistory(Base):
    """One move of a customer between pools or seats, naming the person or rule that moved it.

    Seats, actor and org are plain ids, like the audit log's: users and orgs are never deleted
    (they leave or are disabled), and a recycle sweep writing tens of thousands of rows should
    not pay four foreign-key checks per row. The customer key is a real foreign key, followed by merges.
    """

    __tablename__ = "pool_history"
    __table_args__ = (
        Index("ix_pool_history_customer_at", "customer_id", "at"),
        Index("ix_pool_history_actor_reason_at", "actor_id", "reason", "at"),
        # Pool flows by period and reason: the leadership cockpit and 客户流转报表 (app.cockpits, app.reports).
        Index("ix_pool_history_at_reason", "at", "reason", "org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    from_pool: Mapped[Pool | None] = mapped_column(str_enum(Pool, 12))
    to_pool: Mapped[Pool] = mapped_column(str_enum(Pool, 12))
    from_seat_id: Mapped[int | None] = mapped_column(Integer)
    to_seat_id: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[MoveReason] = mapped_column(str_enum(MoveReason, 30))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: a rule moved it
    note: Mapped[str] = mapped_column(String(200), default="")
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the distribution run (分配记录) that moved it

    customer: Mapped[Customer] = relationship()
    from_seat: Mapped[User | None] = relationship(primaryjoin="foreign(PoolHistory.from_seat_id) == User.id",
                                                  viewonly=True)
    to_seat: Mapped[User | None] = relationship(primaryjoin="foreign(PoolHistory.to_seat_id) == User.id",
                                                viewonly=True)
    actor: Mapped[User | None] = relationship(primaryjoin="foreign(PoolHistory.actor_id) == User.id",
                                              viewonly=True)


class ApplicationStatus(LabelledStrEnum):
    PENDING = "pending", "待处理"
    APPROVED = "approved", "已返还"
    REJECTED = "rejected", "已驳回"


class RedFlagApplication(Base):
    """A seat's application (申请) to get back a red-flagged customer from the head's pool."""

    __tablename__ = "red_flag_application"
    __table_args__ = (Index("ix_red_flag_application_seat_at", "seat_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, 10),
                                                      default=ApplicationStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[Customer] = relationship()
    seat: Mapped[User] = relationship(foreign_keys=[seat_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
