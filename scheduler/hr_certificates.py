"""Scheduler job: one system notice to the holder when a qualification certificate enters its reminder window
(app/hr/staff_reminders.py)."""

from __future__ import annotations

from datetime import datetime

from app.audit import services as audit
from app.database import DbSession
from app.hr import staff_reminders
from scheduler.registry import job


@job("hr.certificate_reminders", "资格证书到期提醒", interval_seconds=3600,
     description="资格证书在“资格证书到期提醒天数”内到期（或已过期）时，向持证人发送一次系统通知；"
                 "同一证书同一到期日只提醒一次，续期后按新的到期日再提醒")
def remind_expiring_certificates(session: DbSession, now: datetime) -> str:
    """Send the due reminders as the system and return the Chinese summary."""
    with audit.acting_as(audit.SYSTEM):
        return staff_reminders.send_due(session, now)
