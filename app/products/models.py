"""Project categories (项目分类, a tree) and wealth projects (理财项目) with their lifecycle stage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from app.workflow.models import ProcessInstance
from rules.labelled_enum import LabelledStrEnum

MONEY = Numeric(18, 2)
RATE = Numeric(8, 4)  # a percentage: 6.5000 means 6.5 % a year


class ProjectCategory(Audited, Base):
    """One node of the category tree (项目分类); ``path`` ("/1/4/") makes subtree queries a prefix match."""

    __tablename__ = "project_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("project_category.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[ProjectCategory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[ProjectCategory]] = relationship(back_populates="parent",
                                                           order_by="ProjectCategory.sort, ProjectCategory.id")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def __repr__(self) -> str:
        return f"<ProjectCategory {self.id} {self.name}>"


class ProjectStage(LabelledStrEnum):
    """Where a project is in its lifecycle (理财项目阶段); set only by the project_lifecycle diagram."""

    PREPARING = "preparing", "调研筹备"
    RAISING = "raising", "资金募集"
    RAISED = "raised", "募集成功"
    FAILED = "failed", "募集失败"
    INCOME = "income", "收益阶段"
    COMPLETED = "completed", "项目完成"


class Project(Audited, Base):
    """A wealth project (理财项目): what seats sell and the review chain, interest and settlement refer to.

    募集总额 (raise_target) is only a hint; LP募集额度 (lp_amount) and LP募集数量 (lp_count) are the hard
    limits 募集成功 is checked against. ``org_id`` is the managing org: the data scope of the maintenance
    screens, and the org whose seats (itself and below) may sell the project.
    """

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("project_category.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raise_target: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    lp_amount: Mapped[Decimal] = mapped_column(MONEY)
    lp_count: Mapped[int] = mapped_column(Integer)
    min_subscription: Mapped[Decimal] = mapped_column(MONEY)
    expected_yield: Mapped[Decimal] = mapped_column(RATE)
    term_months: Mapped[int] = mapped_column(Integer)
    interest_schedule: Mapped[str] = mapped_column(String(20), default="")  # dictionary interest_schedule
    risk_level: Mapped[str] = mapped_column(String(10), default="")  # dictionary risk_level
    raise_start: Mapped[date | None] = mapped_column(Date)
    raise_end: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)  # 起息日
    maturity_date: Mapped[date | None] = mapped_column(Date)  # 到期日
    description: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[ProjectStage] = mapped_column(str_enum(ProjectStage), default=ProjectStage.PREPARING, index=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lifecycle_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    category: Mapped[ProjectCategory] = relationship()
    org: Mapped[Org] = relationship()
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    lifecycle_instance: Mapped[ProcessInstance | None] = relationship()

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.code}>"
