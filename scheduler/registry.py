"""The catalogue of scheduled jobs (自动调度中心).

A domain declares a job with :func:`job`; the scheduler process runs it on its default trigger
unless an administrator changed the period on the 自动调度中心 screen. A job function takes a
SQLAlchemy session and the current UTC time, does its work with set-based SQL, flushes (the
runner commits), and returns a one-line Chinese summary shown as the last result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app import labels
from app.database import DbSession

JobFunc = Callable[[DbSession, datetime], str]


@dataclass(frozen=True)
class JobSpec:
    code: str
    name: str
    func: JobFunc
    interval_seconds: int | None = None  # either an interval …
    cron: str | None = None  # … or a crontab expression "m h dom mon dow" (Asia/Shanghai)
    description: str = ""


JOBS: dict[str, JobSpec] = {}


def job(code: str, name: str, *, interval_seconds: int | None = None, cron: str | None = None,
        description: str = "") -> Callable[[JobFunc], JobFunc]:
    """Register a job function under ``code`` with its default trigger."""
    if (interval_seconds is None) == (cron is None):
        raise ValueError("give exactly one of interval_seconds or cron")

    def decorator(func: JobFunc) -> JobFunc:
        JOBS[code] = JobSpec(code, name, func, interval_seconds, cron, description)
        return func

    return decorator


labels.register("job", lambda: {code: spec.name for code, spec in JOBS.items()})
