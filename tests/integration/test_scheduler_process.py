"""The real scheduler process: `flask scheduler run` fires timers; a second copy stands by, nothing fires twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select, update

from app import workflow
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import InstanceEvent, TaskStatus, WorkflowTask
from scheduler.models import ScheduledJob, SchedulerLease
from tests.conftest import DATA, REPO, python_module_argv, user_named

pytestmark = [pytest.mark.db_sensitive, pytest.mark.slow, pytest.mark.date_sensitive]


def _spawn(database_url: str, tmp_path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LICAI_DATABASE_URL": database_url, "LICAI_SECRET_KEY": "test-secret-key",
           "PYTHONPATH": str(REPO)}
    with open(tmp_path / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
        # The scheduler runs on the test session's pinned clock, so the timers it fires are due by that clock.
        return subprocess.Popen(python_module_argv("flask", "--app", "app", "scheduler", "run"), cwd=REPO,
                                env=env, stdout=log, stderr=subprocess.STDOUT)


def test_two_scheduler_processes_fire_each_short_timer_exactly_once(app, database_url, tmp_path):
    text = (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8").replace('"P3D"', '"PT2S"')
    deploy.deploy(db.session, text)
    seat = user_named("seat01")
    instances = [workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id) for _ in range(4)]
    from scheduler import runner

    runner.sync_catalogue(db.session)
    db.session.execute(update(ScheduledJob).values(enabled=False))
    db.session.execute(update(ScheduledJob).where(ScheduledJob.code == "workflow.timers")
                       .values(enabled=True, interval_seconds=1))
    db.session.commit()

    processes = [_spawn(database_url, tmp_path, "first"), _spawn(database_url, tmp_path, "second")]
    try:
        deadline = time.monotonic() + 45
        escalated = 0
        while time.monotonic() < deadline:
            escalated = db.session.scalar(select(func.count()).select_from(WorkflowTask).where(
                WorkflowTask.name == "主管跟进", WorkflowTask.status == TaskStatus.OPEN)) or 0
            db.session.commit()  # never sit on SQLite's write lock while the schedulers work
            if escalated == len(instances):
                break
            time.sleep(0.5)
        assert escalated == len(instances), (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
        time.sleep(2)  # give a double-firing scheduler every chance to misbehave
        db.session.commit()
        for instance in instances:
            fired = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
                InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "timer"))
            assert fired == 1
        job = db.session.get(ScheduledJob, "workflow.timers")
        db.session.refresh(job)
        assert job.last_status == "ok" and job.run_count >= 1
        if db.engine.dialect.name == "sqlite":
            lease = db.session.get(SchedulerLease, "scheduler")
            assert lease is not None and lease.owner
        db.session.commit()
    finally:
        db.session.commit()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            assert process.wait(timeout=30) == 0
