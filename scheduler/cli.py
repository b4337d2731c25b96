"""``flask scheduler run|list|run-job``."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from scheduler import runner, workflow_timers
from scheduler.models import ScheduledJob

scheduler_cli = AppGroup("scheduler", help="自动调度进程")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduler process (one per installation; a second copy stands by)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    # Every run is recorded on the 自动调度中心 screen; APScheduler's per-run lines would only be noise.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if not current_app.config.get("SCHEDULER_ENABLED", True):
        raise click.ClickException("LICAI_SCHEDULER_ENABLED 为 false，调度进程不启动")
    runner.run_forever(current_app._get_current_object(), workflow_timers.worker_id())  # type: ignore[attr-defined]


@scheduler_cli.command("list")
def list_command() -> None:
    """Show every job with its trigger and last result."""
    runner.sync_catalogue(db.session)
    db.session.commit()
    for row in db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.code)):
        trigger = row.cron or f"每 {row.interval_seconds} 秒"
        click.echo(f"{row.code:28} {row.name:12} {trigger:16} {'启用' if row.enabled else '停用'}  "
                   f"{row.last_status or '-'} {row.last_result[:60]}")


@scheduler_cli.command("run-job")
@click.argument("code")
def run_job_command(code: str) -> None:
    """Run one job once in this process and print its result."""
    if code not in runner.registry.JOBS:
        raise click.ClickException(f"未知任务 {code}")
    runner.sync_catalogue(db.session)
    db.session.commit()
    click.echo(runner.execute_job(current_app._get_current_object(), code))  # type: ignore[attr-defined]
