"""Scheduler job: recycle personal-pool customers by the rules (数据池客户自动回收, app/pools/recycle.py)."""

from __future__ import annotations

from datetime import datetime

from app.audit import services as audit
from app.database import DbSession
from app.pools import recycle
from scheduler.registry import job


@job("pools.recycle", "数据池客户自动回收", interval_seconds=3600,
     description="按回收规则把个人信息池中到期的客户退回公共信息池、城市经理公共池或部门主管池")
def recycle_customers(session: DbSession, now: datetime) -> str:
    """Run the recycle sweep at ``now`` as the system and return the Chinese summary."""
    with audit.acting_as(audit.SYSTEM):
        result = recycle.sweep(session, now)
        if result.total:
            audit.record(session, "pools.recycle", summary=result.summary(), object_type="customer")
    return result.summary()
