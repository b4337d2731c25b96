"""Customer grading (客户评级 A/B/C): each run, every customer's latest score and grade, and grade changes.

``customer_grading`` is a snapshot the nightly job rebuilds set-based: one row per customer with the score
(价值评分), the grade the band table gave it, which rows of the scoring table fired (",1,4," — shown on the
客户 360 page with the rows' Chinese descriptions) and the inputs they were scored on. ``customer.grade`` is
the grade in force (mining conditions filter on it); ``customer_grade_history`` has one row per change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.customers.models import Customer
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.products.models import MONEY
from rules.labelled_enum import LabelledStrEnum

SCORE_TABLE = "customer_grading"  # rules/customer_grading.dmn: COLLECT + SUM → score
BAND_TABLE = "customer_grade_bands"  # rules/customer_grade_bands.dmn: FIRST, score → grade


class RunTrigger(LabelledStrEnum):
    SCHEDULER = "scheduler", "夜间自动评级"
    MANUAL = "manual", "立即评级"


class GradingRun(Base):
    """One grading of every customer: who or what started it, the rule-table versions, what it changed."""

    __tablename__ = "grading_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[RunTrigger] = mapped_column(str_enum(RunTrigger, 10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The versions of the two tables in force (0: the file shipped in rules/).
    score_version: Mapped[int] = mapped_column(Integer, default=0)
    band_version: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    customer_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()


class CustomerGrading(Base):
    """A customer's latest score (价值评分) and grade, with the scoring rows that fired and their inputs."""

    __tablename__ = "customer_grading"
    __table_args__ = (Index("ix_customer_grading_grade_score", "grade", "score"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    # Which scoring table made the row (always SCORE_TABLE): the key a merge keeps one row per customer by.
    rules_key: Mapped[str] = mapped_column(String(60), default=SCORE_TABLE)
    run_id: Mapped[int] = mapped_column(ForeignKey("grading_run.id"))  # every row is the latest run's
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(10))  # dictionary customer_grade; "" when no band matched
    # customer.grade when the run read it: where it differs, the run writes a history row and customer.grade.
    previous_grade: Mapped[str] = mapped_column(String(10), default="")
    fired: Mapped[str] = mapped_column(Text, default="")  # ",1,4,": numbers of the scoring rows that fired
    # The inputs, as scored (see docs/grading.md for their definitions).
    holding: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    collection_rate: Mapped[int] = mapped_column(Integer, default=0)
    years: Mapped[int] = mapped_column(Integer, default=0)
    products: Mapped[int] = mapped_column(Integer, default=0)
    activity: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    run: Mapped[GradingRun] = relationship()
    customer: Mapped[Customer] = relationship()

    @property
    def fired_numbers(self) -> list[int]:
        return [int(part) for part in self.fired.split(",") if part.isdigit()]


class CustomerGradeHistory(Base):
    """One change of a customer's grade (等级变更记录): old grade, new grade, the score, the run."""

    __tablename__ = "customer_grade_history"
    __table_args__ = (Index("ix_customer_grade_history_customer_at", "customer_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("grading_run.id"), index=True)
    old_grade: Mapped[str] = mapped_column(String(10), default="")
    new_grade: Mapped[str] = mapped_column(String(10), default="")
    score: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    run: Mapped[GradingRun] = relationship()
