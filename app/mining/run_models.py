"""Distribution runs (分配记录): the plan a run makes (its preview) and what it moved.

A run is planned first — a row per target with its share and a row per customer naming the target
it goes to — and executed later from exactly that plan, so the dry-run preview and the run agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.customers.models import Pool
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.distribution import Method
from rules.labelled_enum import LabelledStrEnum


class RunKind(LabelledStrEnum):
    """What started a run."""

    AUTO = "auto", "自动分配"
    SEMI = "semi", "半自动分配"
    MANUAL = "manual", "手动分配"
    RECOVERY = "recovery", "数据回收"
    HANDOVER = "handover", "离职交接"
    TASK = "task", "挖掘任务分配"


class RunStatus(LabelledStrEnum):
    PREVIEWED = "previewed", "待执行（已预览）"
    RUNNING = "running", "执行中"
    DONE = "done", "已完成"
    DISCARDED = "discarded", "已放弃"


class DistributionRun(Base):
    """One planned (and maybe executed) distribution of customers to targets."""

    __tablename__ = "distribution_run"
    __table_args__ = (Index("ix_distribution_run_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind, 12))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, 12), default=RunStatus.PREVIEWED)
    method: Mapped[Method] = mapped_column(str_enum(Method, 10))
    rule_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the distribution rule, when one ran
    title: Mapped[str] = mapped_column(String(200), default="")  # 规则“X” / 手动分配 … — names the run in history
    source_count: Mapped[int] = mapped_column(Integer, default=0)  # customers the source matched
    planned: Mapped[int] = mapped_column(Integer, default=0)  # customers the plan places
    moved: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # planned but taken by someone else or over the cap
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    executed_by: Mapped[User | None] = relationship(foreign_keys=[executed_by_id])
    targets: Mapped[list[DistributionRunTarget]] = relationship(order_by="DistributionRunTarget.position",
                                                                viewonly=True)

    @property
    def over_cap(self) -> int:
        """Customers the source matched that no target had room for."""
        return max(0, self.source_count - self.planned)

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE or not self.planned:
            return 100 if self.status == RunStatus.DONE else 0
        return min(100, int((self.moved + self.skipped) * 100 / self.planned))


class DistributionRunTarget(Base):
    """One target of a run (a seat, or an org whose department pool receives) with its share."""

    __tablename__ = "distribution_run_target"
    __table_args__ = (Index("ix_distribution_run_target_hi", "run_id", "hi"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("distribution_run.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    seat_id: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100), default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    room: Mapped[int | None] = mapped_column(Integer)  # room under the owned-customer cap when planned
    quota: Mapped[int] = mapped_column(Integer, default=0)
    lo: Mapped[int] = mapped_column(Integer, default=1)  # the plan's sequence numbers lo..hi go to this target
    hi: Mapped[int] = mapped_column(Integer, default=0)
    allowed: Mapped[int] = mapped_column(Integer, default=0)  # while executing: the last number that still fits
    moved: Mapped[int] = mapped_column(Integer, default=0)


class DistributionItem(Base):
    """One customer of a run's plan: where it was, which target it goes to, whether it moved."""

    __tablename__ = "distribution_item"
    __table_args__ = (Index("ix_distribution_item_run_seq", "run_id", "seq"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("distribution_run.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # the customer's place in the shuffled source, 1 … planned
    position: Mapped[int] = mapped_column(Integer)  # the target
    seat_id: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    from_pool: Mapped[Pool] = mapped_column(str_enum(Pool, 12))
    from_seat_id: Mapped[int | None] = mapped_column(Integer)
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
