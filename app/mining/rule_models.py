"""Distribution rules (客户数据挖掘分配规则, seed 000 §2.17): which customers go to which seats or orgs, and how.

A rule names its source (a saved mining condition and/or a time range, taken from the unassigned pools it
lists), its targets (seats by 工号, or orgs) and a method; it runs automatically (the scheduler job
``mining.distribute``), semi-automatically (a head picks rules and clicks 执行) or not at all. Every run
goes through the one distribution engine (app/mining/distribution.py), which records it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.customers.models import Pool
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.distribution import Method
from rules.labelled_enum import LabelledStrEnum


class RuleKind(LabelledStrEnum):
    """分配规则: whether the rule hands customers to orgs (their department pool) or to seats."""

    TO_GROUPS = "to_groups", "分配到组"
    TO_PEOPLE = "to_people", "分配到人"


class TimeField(LabelledStrEnum):
    """Which date the rule's time range reads."""

    CREATED_AT = "created_at", "创建时间"
    POOL_CHANGED_AT = "pool_changed_at", "入池时间"


# The pools a rule may take customers from: only unassigned ones (no seat); the city-manager pool on request.
RULE_POOLS = (Pool.DEPARTMENT, Pool.PUBLIC, Pool.CITY)
DEFAULT_POOLS = (Pool.DEPARTMENT, Pool.PUBLIC)


class DistributionRule(Audited, Base):
    """One distribution rule, owned by the org of the person who created it (its data scope)."""

    __tablename__ = "distribution_rule"
    __table_args__ = (Index("ix_distribution_rule_auto", "enabled", "auto", "sort"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)  # 参与自动分配
    semi: Mapped[bool] = mapped_column(Boolean, default=True)  # 参与半自动分配
    kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind, 12), default=RuleKind.TO_PEOPLE)
    method: Mapped[Method] = mapped_column(str_enum(Method, 10), default=Method.AVERAGE)
    sort: Mapped[int] = mapped_column(Integer, default=0)  # 执行顺序 of automatic runs
    # Source (客户来源): a saved condition and/or a time range over one date column.
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("mining_condition.id"), index=True)
    time_field: Mapped[TimeField] = mapped_column(str_enum(TimeField, 20), default=TimeField.POOL_CHANGED_AT)
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)
    recent_days: Mapped[int | None] = mapped_column(Integer)  # "最近 N 天", for rules that run every hour
    pools: Mapped[list[str]] = mapped_column(JSON, default=lambda: [p.value for p in DEFAULT_POOLS])
    max_per_run: Mapped[int | None] = mapped_column(Integer)  # 每次最多分配
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Org] = relationship()
    created_by: Mapped[User | None] = relationship()
    condition: Mapped[Any] = relationship("MiningCondition")
    targets: Mapped[list[DistributionRuleTarget]] = relationship(
        back_populates="rule", order_by="DistributionRuleTarget.position, DistributionRuleTarget.id",
        cascade="all, delete-orphan")

    @property
    def pool_list(self) -> list[Pool]:
        return [Pool(value) for value in self.pools or [] if value in Pool._value2member_map_]

    @property
    def modes_label(self) -> str:
        modes = [label for flag, label in ((self.auto, "自动"), (self.semi, "半自动")) if flag]
        return "、".join(modes) or "—"


class DistributionRuleTarget(Base):
    """One target of a rule (分配目标): a seat (by 工号) or an org. Weights are not kept here: a seat's is its
    权重 on the user record (用户管理), an org's the sum of its seats' (the engine's ``org_targets``)."""

    __tablename__ = "distribution_rule_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("distribution_rule.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    rule: Mapped[DistributionRule] = relationship(back_populates="targets")
    seat: Mapped[User | None] = relationship()
    org: Mapped[Org | None] = relationship()

    @property
    def label(self) -> str:
        if self.seat is not None:
            return f"{self.seat.name}（{self.seat.work_no}）"
        return self.org.name if self.org is not None else ""
