"""The scheduler process (``flask scheduler run``): APScheduler in one process, never in web workers.

The leader (see :mod:`scheduler.lease`) runs the jobs declared in :mod:`scheduler.registry` with the
triggers stored in ``scheduled_job`` (自动调度中心). Every ``SYNC_SECONDS`` it re-reads the settings,
so a period changed or a "立即执行" clicked on the screen takes effect without a restart.

A keeper thread, independent of the jobs, renews the lease every second; a stand-by process keeps
trying to take it. On taking it a process frees the previous leader's timer claims. A job running
longer than ``SCHEDULER_JOB_TIMEOUT_SECONDS``, or a lease lost while a job runs, ends the process
(exit 75): a Python thread cannot be stopped, and the process's open transactions then roll back
while the stand-by takes over.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import event, select, update

from app import clock
from app.audit.services import Actor, acting_as
from app.database import DbSession
from app.extensions import db
from scheduler import registry, workflow_timers
from scheduler.lease import LEASE_SECONDS, RENEW_SECONDS, LeaderLease, LeadershipLost
from scheduler.models import ScheduledJob

SYNC_SECONDS = 2
JOB_TIMEOUT_SECONDS = 300  # a job running longer is taken as stuck: the leader gives up and exits
EXIT_STUCK = 75  # EX_TEMPFAIL: systemd (Restart=on-failure) starts the process again as a stand-by
EXIT_LOST = 75
Fence = Callable[[Any], None]
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


def make_trigger(interval_seconds: int | None, cron: str | None) -> Any:
    """The APScheduler trigger for a period set on the screen."""
    if cron:
        return CronTrigger.from_crontab(cron, timezone=clock.SHANGHAI)
    return IntervalTrigger(seconds=max(1, interval_seconds or 60))


CRON_FIELDS = [("minute", "分"), ("hour", "时"), ("day", "日"), ("month", "月"), ("day_of_week", "周")]


def validate_trigger(interval_seconds: int | None, cron: str | None) -> None:
    """Raise ValueError (Chinese) when a period entered on the screen cannot be scheduled."""
    if cron:
        parts = cron.split()
        if len(parts) != len(CRON_FIELDS):
            raise ValueError(f"定时表达式无效：须为 5 段（分 时 日 月 周，以空格分隔），填写的是 {len(parts)} 段")
        for number, ((field, title), part) in enumerate(zip(CRON_FIELDS, parts, strict=True), start=1):
            try:
                CronTrigger(**{field: part}, timezone=clock.SHANGHAI)
            except ValueError:
                raise ValueError(f"定时表达式无效：第 {number} 段（{title}）“{part}”不是有效的取值") from None
    elif not interval_seconds or interval_seconds < 1:
        raise ValueError("间隔必须是至少 1 秒的整数")


def execute_job(app: Flask, code: str, fence: Fence | None = None) -> str:
    """Run one job in an app context: commit its work, record duration and result on its settings row.

    With ``fence``, every commit of the job first checks, in the job's own transaction, that this process
    still leads (see :meth:`scheduler.lease.LeaderLease.fence`).
    """
    spec = registry.JOBS[code]
    started = time.monotonic()
    with app.app_context(), acting_as(SCHEDULER_ACTOR):
        session = db.session()
        guard = _fence_listener(fence) if fence is not None else None
        if guard is not None:
            event.listen(session, "before_commit", guard)
        status, result = "ok", ""
        try:
            result = spec.func(db.session, clock.now()) or ""
            db.session.commit()
        except Exception as exc:  # noqa: BLE001  (a failing job is reported, the scheduler lives on)
            db.session.rollback()
            if isinstance(exc, LeadershipLost):
                log.error("job %s rolled back: scheduler %s no longer leads", code, exc)
            else:
                log.exception("job %s failed", code)
            status, result = "error", f"{type(exc).__name__}: {exc}"
        finally:
            if guard is not None:
                event.remove(session, "before_commit", guard)
        duration_ms = int((time.monotonic() - started) * 1000)
        db.session.execute(update(ScheduledJob).where(ScheduledJob.code == code).values(
            last_run_at=clock.now(), last_duration_ms=duration_ms, last_status=status, last_result=result[:2000],
            run_count=ScheduledJob.run_count + 1))
        db.session.commit()
        db.session.remove()
    return result


def _fence_listener(fence: Fence) -> Callable[[Any], None]:
    """A ``before_commit`` listener that runs ``fence`` on the committing session's connection."""

    def check(job_session: Any) -> None:
        fence(job_session.connection())

    return check


@dataclass(frozen=True)
class JobSetting:
    """One ``scheduled_job`` row as the scheduler needs it, read before the session closes."""

    code: str
    name: str
    enabled: bool
    interval_seconds: int | None
    cron: str | None
    run_requested: bool


def read_settings(session: DbSession) -> list[JobSetting]:
    """Read every job's settings and take the pending 立即执行 requests (cleared in the caller's commit)."""
    settings = [JobSetting(row.code, row.name, row.enabled, row.interval_seconds, row.cron,
                           row.run_requested_at is not None)
                for row in session.scalars(select(ScheduledJob).order_by(ScheduledJob.code))]
    requested = [setting.code for setting in settings if setting.run_requested]
    if requested:
        session.execute(update(ScheduledJob).where(ScheduledJob.code.in_(requested)).values(run_requested_at=None))
    return settings


class SchedulerProcess:
    """One ``flask scheduler run``: a keeper thread holds the lease, the main thread drives APScheduler."""

    def __init__(self, app: Flask, owner: str, *, exit_process: Callable[[int], object] = os._exit) -> None:
        self.app = app
        self.owner = owner
        self.stop_event = threading.Event()
        self.leading = threading.Event()
        self.changed = threading.Event()  # wakes the main loop when leadership moves
        self.scheduler: BackgroundScheduler | None = None
        self.settings: dict[str, tuple[bool, int | None, str | None]] = {}
        self.running: dict[int, tuple[str, float]] = {}  # thread id -> (job code, monotonic start)
        self.exit_process = exit_process
        self.renew_seconds = float(app.config.get("SCHEDULER_RENEW_SECONDS", RENEW_SECONDS))
        self.job_timeout = float(app.config.get("SCHEDULER_JOB_TIMEOUT_SECONDS", JOB_TIMEOUT_SECONDS))
        self._keeper_stop = threading.Event()
        with app.app_context():
            self.lease = LeaderLease(db.engine, owner, float(app.config.get("SCHEDULER_LEASE_SECONDS",
                                                                            LEASE_SECONDS)))

    def run_job(self, code: str) -> str:
        """Run a job as the leader: tracked for the stuck-job watchdog, its commits fenced by the lease."""
        key = threading.get_ident()
        self.running[key] = (code, time.monotonic())
        try:
            return execute_job(self.app, code, fence=self.lease.fence)
        finally:
            self.running.pop(key, None)

    def stuck_job(self) -> str | None:
        """The code of a job that has run longer than the bound, if any."""
        limit = time.monotonic() - self.job_timeout
        return next((code for code, started in list(self.running.values()) if started < limit), None)

    def keep_lease(self) -> None:
        """One keeper round: renew or take the lease, free claims on taking it, give up on a stuck or lost run."""
        stuck = self.stuck_job()
        if stuck is not None:
            # A Python thread cannot be stopped: stop renewing and end the process; its open transactions
            # roll back, the stand-by takes over once the lease expires, and systemd restarts this one.
            log.error("job %s ran longer than %.0f s: scheduler %s gives up leadership and exits",
                      stuck, self.job_timeout, self.owner)
            self.exit_process(EXIT_STUCK)
            return
        try:
            leading = self.lease.acquire()
        except Exception:  # noqa: BLE001  (e.g. SQLite's write lock held past the busy timeout)
            # Not a verdict: nobody else could take the lease either, and job commits are fenced.
            log.exception("lease renewal failed")
            return
        if leading and not self.leading.is_set():
            with self.app.app_context():
                freed = workflow_timers.release_claims(db.session)
                db.session.commit()
                db.session.remove()
            log.info("scheduler %s is the leader (freed %d timer claims of the previous leader)", self.owner, freed)
            self.leading.set()
            self.changed.set()
        elif not leading and self.leading.is_set():
            self.leading.clear()
            self.changed.set()
            if self.running:
                log.error("scheduler %s lost the lease while %s ran: exiting so that work rolls back",
                          self.owner, ", ".join(code for code, _ in self.running.values()))
                self.exit_process(EXIT_LOST)

    def _keep(self) -> None:
        while not self._keeper_stop.is_set():
            try:
                self.keep_lease()
            except Exception:  # noqa: BLE001  (the keeper must outlive any one failure)
                log.exception("lease keeper round failed")
            # The stand-by looks twice as often as the leader renews: takeover within lease + half a renewal.
            self._keeper_stop.wait(self.renew_seconds if self.leading.is_set() else self.renew_seconds / 2)

    def _start_scheduler(self) -> None:
        self.scheduler = BackgroundScheduler(timezone=clock.SHANGHAI, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self.scheduler.start()
        self.settings = {}

    def _stop_scheduler(self, wait: bool) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None
            log.info("scheduler %s stopped leading", self.owner)

    def sync(self, now: datetime) -> None:
        """Apply settings from the database: add, reschedule, pause jobs; honour 立即执行 requests."""
        assert self.scheduler is not None
        with self.app.app_context():
            rows = read_settings(db.session)
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
                self.scheduler.add_job(self.run_job, trigger=make_trigger(row.interval_seconds, row.cron),
                                       args=[row.code], id=row.code, name=row.name, replace_existing=True,
                                       next_run_time=now)
            self.settings[row.code] = wanted
            if row.run_requested and row.enabled:
                self.scheduler.modify_job(row.code, next_run_time=now)

    def run(self) -> None:
        with self.app.app_context():
            sync_catalogue(db.session)
            db.session.commit()
            db.session.remove()
        keeper = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)
        keeper.start()
        log.info("scheduler %s started; it leads once it holds the lease", self.owner)
        while not self.stop_event.is_set():
            self.changed.clear()  # before looking: a change signalled from now on wakes the wait below
            if self.leading.is_set() and self.scheduler is None:
                self._start_scheduler()
            elif not self.leading.is_set() and self.scheduler is not None:
                self._stop_scheduler(wait=False)  # nothing runs: the keeper exits the process otherwise
            if self.scheduler is not None:
                try:
                    self.sync(clock.now().astimezone(clock.SHANGHAI))
                except Exception:  # noqa: BLE001
                    log.exception("sync failed")
            self.changed.wait(SYNC_SECONDS)
        self._stop_scheduler(wait=True)  # the keeper keeps renewing while the last jobs finish
        self._keeper_stop.set()
        keeper.join(timeout=10)
        self.lease.release()


def run_forever(app: Flask, owner: str) -> None:
    """Entry point for ``flask scheduler run``: stops cleanly on SIGINT/SIGTERM."""
    process = SchedulerProcess(app, owner)

    def _stop(_signum: int, _frame: Any) -> None:
        process.stop_event.set()
        process.changed.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    process.run()
