"""SLA arithmetic of complaints: the due time, the timer duration the process waits, the countdown shown.

Hours are calendar hours (a complaint is the company's promise to the customer, weekends included).
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_SLA_HOURS = 24 * 90


def check_hours(hours: int) -> int:
    if not 1 <= hours <= MAX_SLA_HOURS:
        raise ValueError(f"SLA 时限须在 1 到 {MAX_SLA_HOURS} 小时之间")
    return hours


def due_at(filed_at: datetime, sla_hours: int) -> datetime:
    """When a complaint filed at ``filed_at`` under an SLA of ``sla_hours`` must be closed."""
    return filed_at + timedelta(hours=check_hours(sla_hours))


def timer_duration(sla_hours: int) -> str:
    """The ISO-8601 duration the 处理投诉 boundary timer waits (process variable ``sla_duration``)."""
    return f"PT{check_hours(sla_hours)}H"


def countdown(due: datetime, now: datetime) -> tuple[bool, str]:
    """(overdue, text): "剩余 5 小时 20 分" before the deadline, "已超时 1 天 2 小时" after it."""
    late = now > due
    seconds = int(abs((due - now).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = ([f"{days} 天"] if days else []) + ([f"{hours} 小时"] if hours or days else []) \
        + ([] if days else [f"{minutes} 分"])
    return late, ("已超时 " if late else "剩余 ") + " ".join(parts)
