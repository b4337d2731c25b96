"""Scheduler job: regenerate the sources of dynamic mining tasks (数据挖掘任务来源生成, app/mining/task_sources.py)."""

from __future__ import annotations

from datetime import datetime

from app.audit import services as audit
from app.database import DbSession
from app.mining import task_sources
from scheduler.registry import job


@job("mining.task_sources", "数据挖掘任务来源生成", interval_seconds=1800,
     description="按挖掘条件为已发布的动态来源任务补充新的来源客户，直到任务关闭或周期结束；"
                 "系统分配任务的新来源客户同时按分配方式分给执行坐席")
def generate_task_sources(session: DbSession, now: datetime) -> str:
    """Regenerate every due task's source at ``now`` as the system; return the Chinese summary."""
    with audit.acting_as(audit.SYSTEM):
        return task_sources.regenerate_all(session, now)
