"""Scheduler job: rebuild the task calendar's daily facts (每日实绩, app/quotas/facts.py) of recent days from
the follow-ups and intent marks — the repair for anything that reached the database without the signals
(bulk loads, manual fixes); follow-ups may be back-dated up to 30 days, so a week is rebuilt each night."""

from __future__ import annotations

from datetime import datetime, timedelta

from app import clock
from app.database import DbSession
from app.quotas import facts
from scheduler.registry import job

REPAIR_DAYS = 7


@job("quotas.rebuild_facts", "任务日历实绩重算", cron="30 2 * * *",
     description=f"每天凌晨按跟进记录和意向客户记录重算最近 {REPAIR_DAYS} 天（含当天）的每日实绩，修正任何遗漏")
def rebuild_recent_facts(session: DbSession, now: datetime) -> str:
    """Rebuild the facts of the last REPAIR_DAYS local days up to ``now``'s; return the Chinese summary."""
    today = clock.local(now).date()  # type: ignore[union-attr]
    rows = facts.rebuild(session, today - timedelta(days=REPAIR_DAYS - 1), today)
    return f"已重算最近 {REPAIR_DAYS} 天的任务日历实绩（{rows} 条人·日记录）"
