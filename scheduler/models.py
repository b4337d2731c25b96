"""Scheduled-job settings and run results (自动调度中心), and the leader lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.audit.models import Audited
from app.database import UTCDateTime
from app.extensions import Base


class ScheduledJob(Audited, Base):
    """One job's trigger as administrators set it, and how its last run went."""

    __tablename__ = "scheduled_job"
    __audit_exclude__ = frozenset({"last_run_at", "last_duration_ms", "last_result", "last_status", "next_run_at",
                                   "run_requested_at", "run_count"})

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    cron: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_status: Mapped[str] = mapped_column(String(10), default="")  # ok | error
    last_result: Mapped[str] = mapped_column(Text, default="")
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "立即执行" from the screen
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class SchedulerLease(Base):
    """Leader lease on databases without advisory locks: one live scheduler holds it, others stand by."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
