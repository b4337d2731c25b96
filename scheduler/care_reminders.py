"""Scheduler job: the morning 客户关怀提醒 to every serving seat (app/care/reminders.py)."""

from __future__ import annotations

from datetime import datetime

from app.audit import services as audit
from app.care import reminders
from app.database import DbSession
from scheduler.registry import job


@job("care.reminders", "客户关怀提醒", cron="30 8 * * *",
     description="每天向服务坐席发送一条系统通知，列出其客户中今天起若干天内（参数“关怀提醒天数”）过生日或成交纪念日的"
                 "客户；同一坐席同一天只发一次")
def remind_care(session: DbSession, now: datetime) -> str:
    """Send today's care reminders as the system and return the Chinese summary."""
    with audit.acting_as(audit.SYSTEM):
        return reminders.send_due(session, now)
