"""自动调度中心: every scheduled job with its period, last run, duration and result; change the period,
enable/disable, run now. The scheduler process picks changes up within seconds (no web restart)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app import clock
from app.auth.permissions import require
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.scheduling.access import SCHEDULER_MANAGE
from scheduler import lease as scheduler_lease
from scheduler import runner
from scheduler.lease import LEASE_NAME
from scheduler.models import ScheduledJob, SchedulerLease

bp = Blueprint("scheduling", __name__, url_prefix="/admin/scheduler")


def _job(code: str) -> ScheduledJob:
    row = db.session.get(ScheduledJob, code)
    if row is None:
        raise NotFound("调度任务不存在")
    return row


@bp.get("/")
@require(SCHEDULER_MANAGE)
def jobs() -> Any:
    rows = db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.code)).all()
    lease = db.session.get(SchedulerLease, LEASE_NAME)  # SQLite only; PostgreSQL leads by advisory lock
    leader_alive = scheduler_lease.leader_alive(db.session)
    return render_template("scheduling/jobs.html", rows=rows, lease=lease, leader_alive=leader_alive,
                           registered=runner.registry.JOBS)


@bp.post("/<code>")
@require(SCHEDULER_MANAGE)
def update_job(code: str) -> Any:
    row = _job(code)
    mode = request.form.get("mode", "interval")
    cron = request.form.get("cron", "").strip() if mode == "cron" else None
    interval: int | None = None
    if mode != "cron":
        try:
            interval = int(request.form.get("interval_seconds", ""))
        except ValueError as exc:
            raise ValidationFailed("间隔必须是整数秒") from exc
    try:
        runner.validate_trigger(interval, cron)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    row.cron = cron or None
    row.interval_seconds = interval if not cron else None
    row.enabled = request.form.get("enabled") == "on"
    db.session.commit()
    flash(f"已保存“{row.name}”的调度设置，调度进程将在几秒内生效", "success")
    return redirect(url_for("scheduling.jobs"))


@bp.post("/<code>/run")
@require(SCHEDULER_MANAGE)
def run_now(code: str) -> Any:
    row = _job(code)
    row.run_requested_at = clock.now()
    db.session.commit()
    flash(f"已请求立即执行“{row.name}”", "info")
    return redirect(url_for("scheduling.jobs"))
