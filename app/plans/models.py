"""Dispatch plans (工作计划, seed 001 任务分派): 月计划 from the city manager, 周计划 from the city manager or a
department head, 日计划 from a department head; each sets targets per metric for an org or a person.

A plan split by a head (拆分) gets child plans of the same kind and period for orgs or seats inside its
target; the children's targets per metric never add up to more than the parent's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from app.plans.periods import PeriodKind, label
from app.quotas.metrics import Metric
from rules.labelled_enum import LabelledStrEnum


class PlanStatus(LabelledStrEnum):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已下达"


class Plan(Audited, Base):
    """One plan: a period, a target (an org or a person), targets per metric, who published it."""

    __tablename__ = "plan"
    # One plan per target and period of a kind: a revision edits it rather than adding a second one.
    __table_args__ = (UniqueConstraint("kind", "period_start", "target_key", name="uq_plan_kind_period_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, 10))
    period_start: Mapped[date] = mapped_column(Date)  # the 1st of the month, the ISO week's Monday, or the day
    period_end: Mapped[date] = mapped_column(Date, index=True)
    target_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    target_key: Mapped[str] = mapped_column(String(20))  # "org:5" or "user:7", for the uniqueness above
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # the target org or the person's: scope
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, 10), default=PlanStatus.DRAFT)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    target_org: Mapped[Org | None] = relationship(foreign_keys=[target_org_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    publisher: Mapped[User] = relationship(foreign_keys=[publisher_id])
    parent: Mapped[Plan | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Plan]] = relationship(back_populates="parent", order_by="Plan.target_key")
    targets: Mapped[list[PlanTarget]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                     lazy="selectin", order_by="PlanTarget.metric")

    @property
    def target_name(self) -> str:
        if self.target_user is not None:
            return f"{self.target_user.name}（{self.target_user.work_no}）"
        return self.target_org.name if self.target_org is not None else ""

    @property
    def period_label(self) -> str:
        return label(self.kind, self.period_start)

    @property
    def amounts(self) -> dict[Metric, int]:
        """Targets by metric, in the metric enum's order."""
        given = {t.metric: t.amount for t in self.targets}
        return {metric: given[metric] for metric in Metric if metric in given}


class PlanTarget(Audited, Base):
    """One metric's target of a plan (目标值); audited, so every change of a target is in the log."""

    __tablename__ = "plan_target"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[Metric] = mapped_column(str_enum(Metric, 20), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="targets")
