"""The scheduler process (``flask scheduler run``): APScheduler in one process, never in web workers.

The leader (see :mod:`scheduler.lease`) runs the jobs declared in :mod:`scheduler.registry` with the
triggers stored in ``scheduled_job`` (自动调度中心). Every ``SYNC_SECONDS`` it renews the lease and
re-reads the settings, so a period changed or a "立即执行" clicked on the screen takes effect without
a restart. A stand-by process keeps trying to become leader.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import select, update

from app import clock
from app.audit.services import Actor, acting_as
from app.database import DbSession
from app.extensions import db
from scheduler import registry
from scheduler.lease import LeaderLease
from scheduler.models import ScheduledJob

SYNC_SECONDS = 5
SCHEDULER_ACTOR = Actor(None, "自动调度")
log = logging.getLogger("licaiflow.scheduler")


def sync_catalogue(session: DbSession) -> int:
    """Insert a settings row for every registered job that has none (defaults from the registry)."""
    existing = set(session.scalars(select(ScheduledJob.code)))
    added = 0
    for spec in registry.JOBS.values():
        if spec.code in existing:
            continue
        session.add(ScheduledJob(code=spec.code, name=spec.name, description=spec.description,
                                 interval_seconds=spec.interval_seconds, cron=spec.cron, enabled=True))
        added += 1
    session.flush()
    return added


def make_trigger(row: ScheduledJob) -> Any:
    if row.cron:
        return CronTrigger.from_crontab(row.cron, timezone=clock.SHANGHAI)
    return IntervalTrigger(seconds=max(1, row.interval_seconds or 60))


def validate_trigger(interval_seconds: int | None, cron: str | None) -> None:
    """Raise ValueError (Chinese) when a period entered on the screen cannot be scheduled."""
    if cron:
        try:
            CronTrigger.from_crontab(cron, timezone=clock.SHANGHAI)
        except ValueError as exc:
            raise ValueError(f"Cron 表达式无效：{exc}") from exc
    elif not interval_seconds or interval_seconds < 1:
        raise ValueError("间隔必须是至少 1 秒的整数")


def execute_job(app: Flask, code: str) -> str:
    """Run one job in an app context: commit its work, record duration and result on its settings row."""
    spec = registry.JOBS[code]
    started = time.monotonic()
    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        status, result = "ok", ""
        try:
            result = spec.func(db.session, clock.now()) or ""
            db.session.commit()
        except Exception as exc:  # noqa: BLE001  (a failing job is reported, the scheduler lives on)
            db.session.rollback()
            log.exception("job %s failed", code)
            status, result = "error", f"{type(exc).__name__}: {exc}"
        duration_ms = int((time.monotonic() - started) * 1000)
        db.session.execute(update(ScheduledJob).where(ScheduledJob.code == code).values(
            last_run_at=clock.now(), last_duration_ms=duration_ms, last_status=status, last_result=result[:2000],
            run_count=ScheduledJob.run_count + 1))
        db.session.commit()
        db.session.remove()
    return result


class SchedulerProcess:
    def __init__(self, app: Flask, owner: str) -> None:
        self.app = app
        self.owner = owner
        self.stop_event = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.settings: dict[str, tuple[bool, int | None, str | None]] = {}
        with app.app_context():
            self.lease = LeaderLease(db.engine, owner)

    def _start_scheduler(self) -> None:
        self.scheduler = BackgroundScheduler(timezone=clock.SHANGHAI, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self.scheduler.start()
        self.settings = {}
        log.info("scheduler %s is the leader", self.owner)

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
            log.info("scheduler %s stopped leading", self.owner)

    def sync(self, now: datetime) -> None:
        """Apply settings from the database: add, reschedule, pause jobs; honour 立即执行 requests."""
        assert self.scheduler is not None
        with self.app.app_context():
            rows = list(db.session.scalars(select(ScheduledJob)))
            requested = [row.code for row in rows if row.run_requested_at is not None]
            if requested:
                db.session.execute(update(ScheduledJob).where(ScheduledJob.code.in_(requested))
                                   .values(run_requested_at=None))
                db.session.commit()
            db.session.remove()
        for row in rows:
            if row.code not in registry.JOBS:
                continue
            wanted = (row.enabled, row.interval_seconds, row.cron)
            job = self.scheduler.get_job(row.code)
            if not row.enabled:
                if job is not None:
                    self.scheduler.remove_job(row.code)
            elif job is None or self.settings.get(row.code) != wanted:
                # First run right away: timers that fell due while no scheduler ran fire once now.
                self.scheduler.add_job(execute_job, trigger=make_trigger(row), args=[self.app, row.code],
                                       id=row.code, name=row.name, replace_existing=True, next_run_time=now)
            self.settings[row.code] = wanted
            if row.code in requested and row.enabled:
                self.scheduler.modify_job(row.code, next_run_time=now)

    def run(self) -> None:
        with self.app.app_context():
            sync_catalogue(db.session)
            db.session.commit()
            db.session.remove()
        while not self.stop_event.is_set():
            now = clock.now()
            try:
                leading = self.lease.acquire(now)
            except Exception:  # noqa: BLE001  (database briefly unavailable: try again)
                log.exception("lease check failed")
                leading = False
            if leading and self.scheduler is None:
                self._start_scheduler()
            elif not leading and self.scheduler is not None:
                self._stop_scheduler()
            if self.scheduler is not None:
                try:
                    self.sync(now.astimezone(clock.SHANGHAI))
                except Exception:  # noqa: BLE001
                    log.exception("sync failed")
            elif not leading:
                log.debug("scheduler %s standing by", self.owner)
            self.stop_event.wait(SYNC_SECONDS)
        self._stop_scheduler()
        self.lease.release()


def run_forever(app: Flask, owner: str) -> None:
    """Entry point for ``flask scheduler run``: stops cleanly on SIGINT/SIGTERM."""
    process = SchedulerProcess(app, owner)

    def _stop(_signum: int, _frame: Any) -> None:
        process.stop_event.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    process.run()
