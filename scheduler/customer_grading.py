"""Scheduler job: grade every customer A/B/C by the scoring and band tables in force (客户评级, app/grading) —
set-based, a handful of statements whatever the number of customers."""

from __future__ import annotations

from datetime import datetime

from app.database import DbSession
from app.grading import services
from scheduler.registry import job


@job("grading.grade_customers", "客户评级", cron="0 3 * * *",
     description="每天凌晨按规则表“客户价值评分”和“客户等级分档”重算全部客户的价值评分与 A/B/C 等级，记录等级变化")
def grade_customers(session: DbSession, now: datetime) -> str:
    """Grade every customer; return the Chinese summary."""
    return services.grade_customers(session, now).summary
