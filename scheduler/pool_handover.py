"""Scheduler job: a leaver's customers not handed over in time go to the city-manager pool (app/pools/handover.py)."""

from __future__ import annotations

from datetime import datetime

from app.audit import services as audit
from app.database import DbSession
from app.pools import handover
from scheduler.registry import job


@job("pools.handover_overdue", "离职客户逾期转城市经理池", interval_seconds=86400,
     description="离职员工的客户超过“离职交接期限（天）”仍未由部门主管交接的，转入城市经理公共池（成交客户不进入公共信息池）")
def expire_handovers(session: DbSession, now: datetime) -> str:
    """Move every overdue hand-over's pending customers as the system and return the Chinese summary."""
    with audit.acting_as(audit.SYSTEM):
        return handover.expire_overdue(session, now)
