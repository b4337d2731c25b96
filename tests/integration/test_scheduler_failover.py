"""Scheduler fail-over driven function by function on a pinned clock: the short lease, the keeper thread,
the fence on job commits, claims freed on takeover, back-off from the failure, and 立即执行."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, text, update

from app import clock, workflow
from app.database import write_intent
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import InstanceEvent, ProcessInstance, TaskStatus, WorkflowTask
from scheduler import registry, runner, workflow_timers
from scheduler.lease import LeaderLease, LeadershipLost, leader_alive
from scheduler.models import ScheduledJob, SchedulerLease
from tests.conftest import DATA, PG_URL, REPO, python_module_argv, user_named


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _timer_instances(deploy_fixture, count: int) -> list[ProcessInstance]:
    deploy_fixture("timer_escalation")  # a 3-day boundary timer
    seat = user_named("seat01")
    instances = [workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id) for _ in range(count)]
    db.session.commit()
    return instances


def _timer_events(instance: ProcessInstance) -> int:
    return db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "timer")) or 0


class _Exits:
    """Stands in for os._exit: records the status instead of ending the test process."""

    def __init__(self) -> None:
        self.codes: list[int] = []

    def __call__(self, code: int) -> None:
        self.codes.append(code)


@pytest.mark.db_sensitive
def test_a_dead_leaders_lease_moves_within_the_lease_time(app):
    first, second = LeaderLease(db.engine, "scheduler-a", 4), LeaderLease(db.engine, "scheduler-b", 4)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        if _postgres():
            assert first._pg_conn is not None
            assert first._pg_conn.exec_driver_sql("SHOW idle_session_timeout").scalar() == "4s"
            first._pg_conn.invalidate()  # the process died: its session, and the lock, are gone
            first._pg_conn = None
            _wait_for(second.acquire, 5, lambda: "the server freed the lock")  # the backend ends a moment later
            return
        start = clock.now()
        with time_machine.travel(start + timedelta(seconds=3.5), tick=False):
            assert second.acquire() is False  # not yet: the leader renewed at `start`
        with time_machine.travel(start + timedelta(seconds=4.5), tick=False):
            assert second.acquire() is True
            assert first.acquire() is False
    finally:
        first.release()
        second.release()


@pytest.mark.db_sensitive
def test_the_scheduler_centre_tells_whether_a_scheduler_leads(app, login_as):
    admin = login_as("admin")
    assert "调度进程未启动过" in admin.get("/admin/scheduler/").get_data(as_text=True)
    lease = LeaderLease(db.engine, "scheduler-a", 4)
    try:
        assert lease.acquire() is True
        db.session.commit()
        assert leader_alive(db.session) is True
        assert "调度进程运行中" in admin.get("/admin/scheduler/").get_data(as_text=True)
    finally:
        lease.release()
    db.session.commit()
    assert leader_alive(db.session) is False


@pytest.mark.db_sensitive
@pytest.mark.skipif(not PG_URL, reason="idle_session_timeout is PostgreSQL's")
def test_a_frozen_postgresql_leader_loses_the_advisory_lock(app):
    first, second = LeaderLease(db.engine, "scheduler-a", 1), LeaderLease(db.engine, "scheduler-b", 1)
    try:
        assert first.acquire() is True
        time.sleep(1.6)  # no ping for longer than the lease: the server ends the session
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()


@pytest.mark.db_sensitive
def test_the_fence_lets_only_the_leader_commit(app):
    first, second = LeaderLease(db.engine, "scheduler-a", 4), LeaderLease(db.engine, "scheduler-b", 4)
    db.session.commit()
    try:
        assert first.acquire() is True
        with db.engine.begin() as conn:
            first.fence(conn)  # leads: passes (and renews on SQLite)
        if _postgres():
            first.release()
        else:
            with time_machine.travel(clock.now() + timedelta(seconds=5), tick=False):
                assert second.acquire() is True
        with pytest.raises(LeadershipLost), db.engine.begin() as conn:
            first.fence(conn)
    finally:
        first.release()
        second.release()


def test_a_job_committed_after_the_lease_moved_is_rolled_back(app, monkeypatch):
    def write_description(session, _now):
        session.execute(update(ScheduledJob).where(ScheduledJob.code == "workflow.timers")
                        .values(description="写入了"))
        return "done"

    monkeypatch.setitem(registry.JOBS, "test.write", registry.JobSpec("test.write", "测试", write_description, 60))
    runner.sync_catalogue(db.session)
    db.session.commit()

    def lost(_conn):
        raise LeadershipLost("scheduler-a")

    assert runner.execute_job(app, "test.write", fence=lost) == "LeadershipLost: scheduler-a"
    db.session.commit()  # a fresh read, not the test's old snapshot
    assert db.session.get(ScheduledJob, "workflow.timers").description != "写入了"
    assert db.session.get(ScheduledJob, "test.write").last_status == "error"
    db.session.commit()
    assert runner.execute_job(app, "test.write", fence=lambda _conn: None) == "done"
    db.session.commit()
    assert db.session.get(ScheduledJob, "workflow.timers").description == "写入了"


def _process(app, owner: str, exits: _Exits, **config) -> runner.SchedulerProcess:
    app.config.update({"SCHEDULER_LEASE_SECONDS": 4, **config})
    db.session.commit()
    return runner.SchedulerProcess(app, owner, exit_process=exits)


def test_the_keeper_renews_while_a_long_job_runs(app, monkeypatch):
    """The lease is renewed by its own thread: a job that runs longer than the lease does not lose it."""
    release = threading.Event()

    def long_job(_session, _now):
        release.wait(10)
        return "long"

    monkeypatch.setitem(registry.JOBS, "test.long", registry.JobSpec("test.long", "长任务", long_job, 60))
    exits = _Exits()
    leader = _process(app, "scheduler-a", exits, SCHEDULER_LEASE_SECONDS=1, SCHEDULER_RENEW_SECONDS=0.2)
    keeper = threading.Thread(target=leader._keep)
    keeper.start()
    job = threading.Thread(target=leader.run_job, args=["test.long"])
    try:
        deadline = time.monotonic() + 5
        while not leader.leading.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        job.start()
        time.sleep(1.6)  # longer than the lease
        stand_by = LeaderLease(db.engine, "scheduler-b", 1)
        assert stand_by.acquire() is False
    finally:
        release.set()
        job.join(10)
        leader._keeper_stop.set()
        keeper.join(10)
        leader.lease.release()
    assert exits.codes == []


def test_a_stuck_job_makes_the_leader_give_up(app):
    exits = _Exits()
    leader = _process(app, "scheduler-a", exits, SCHEDULER_JOB_TIMEOUT_SECONDS=60)
    leader.keep_lease()
    assert leader.leading.is_set()
    leader.running[1] = ("workflow.timers", time.monotonic() - 30)
    leader.keep_lease()
    assert exits.codes == []
    leader.running[1] = ("workflow.timers", time.monotonic() - 61)
    leader.keep_lease()
    assert exits.codes == [runner.EXIT_STUCK]
    leader.lease.release()


@pytest.mark.db_sensitive
def test_a_leader_that_lost_the_lease_mid_job_exits_and_a_standby_idle_one_steps_down(app):
    exits = _Exits()
    first, second = _process(app, "scheduler-a", exits), _process(app, "scheduler-b", exits)
    first.keep_lease()
    second.keep_lease()
    assert first.leading.is_set() and not second.leading.is_set()
    if _postgres():
        first.lease._pg_conn.invalidate()  # the session ended (frozen past idle_session_timeout)
        first.lease._pg_conn = None
        _wait_for(lambda: second.keep_lease() or second.leading.is_set(), 5, lambda: "the server freed the lock")
    else:
        with time_machine.travel(clock.now() + timedelta(seconds=5), tick=False):
            second.keep_lease()
    assert second.leading.is_set()
    first.running[1] = ("workflow.timers", time.monotonic())
    first.keep_lease()  # woke up: the lease is gone while a job runs
    assert not first.leading.is_set() and exits.codes == [runner.EXIT_LOST]
    second.lease.release()
    first.lease.release()


@pytest.mark.db_sensitive
@pytest.mark.date_sensitive
def test_claims_of_a_killed_leader_fire_once_as_soon_as_the_new_leader_takes_over(app, deploy_fixture):
    instances = _timer_instances(deploy_fixture, 3)
    due = clock.now() + timedelta(days=3, minutes=1)
    with time_machine.travel(due, tick=False):
        # The old leader claimed them (five-minute claim), then was killed before firing.
        assert len(workflow_timers.claim_due(db.session, clock.now(), "old-host:1:dead")) == 3
        db.session.commit()
        assert workflow_timers.advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
        exits = _Exits()
        new_leader = _process(app, "scheduler-b", exits)
        new_leader.keep_lease()
        assert new_leader.leading.is_set()
        summary = workflow_timers.advance_workflow_timers(db.session, clock.now())
        assert "已触发 3 个" in summary, summary
        assert workflow_timers.advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
        new_leader.lease.release()
    db.session.expire_all()
    for instance in instances:
        assert _timer_events(instance) == 1
        assert instance.lock_owner is None and instance.timer_failures == 0


def test_a_claim_taken_over_by_another_scheduler_is_not_counted_as_a_failure(app, deploy_fixture):
    [instance] = _timer_instances(deploy_fixture, 1)
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                       .values(lock_owner="new-leader", lock_expires_at=clock.now() + timedelta(minutes=5)))
    db.session.commit()
    before = instance.next_timer_at
    assert workflow_timers._record_failure(db.session, instance.id, "old-leader", "StaleDataError") == "gone"
    db.session.commit()
    db.session.expire_all()
    assert instance.timer_failures == 0 and instance.next_timer_at == before


@pytest.mark.date_sensitive
def test_retry_back_off_counts_from_the_failure_not_from_the_start_of_the_run(app, deploy_fixture, monkeypatch):
    [instance] = _timer_instances(deploy_fixture, 1)
    from app.workflow import engine

    def broken(_workflow):
        raise engine.EngineError("模拟故障")

    monkeypatch.setattr(engine, "fire_timers", broken)
    run_started = instance.next_timer_at + timedelta(seconds=1)
    failed_at = run_started + timedelta(minutes=3)  # a long run: the failure comes three minutes in
    with time_machine.travel(failed_at, tick=False):
        assert "稍后重试 1 个" in workflow_timers.advance_workflow_timers(db.session, run_started)
    db.session.expire_all()
    assert instance.timer_failures == 1
    assert instance.next_timer_at == failed_at + timedelta(minutes=2)


def test_run_now_is_honoured_by_the_next_sync(app):
    """立即执行: sync clears the request and moves the job's next run to now (it read detached rows before)."""
    exits = _Exits()
    process = _process(app, "scheduler-a", exits)
    runner.sync_catalogue(db.session)
    db.session.commit()
    process.scheduler = BackgroundScheduler(timezone=clock.SHANGHAI)
    process.scheduler.start(paused=True)
    try:
        first = clock.now().astimezone(clock.SHANGHAI)
        process.sync(first)
        process.scheduler.modify_job("workflow.timers", next_run_time=first + timedelta(hours=1))  # it ran
        db.session.execute(update(ScheduledJob).where(ScheduledJob.code == "workflow.timers")
                           .values(run_requested_at=clock.now()))
        db.session.commit()
        later = first + timedelta(seconds=10)
        process.sync(later)
        assert process.scheduler.get_job("workflow.timers").next_run_time == later
        db.session.expire_all()
        assert db.session.get(ScheduledJob, "workflow.timers").run_requested_at is None
    finally:
        process.scheduler.shutdown(wait=False)


def test_the_standby_looks_without_taking_the_write_lock(app):
    first, second = LeaderLease(db.engine, "scheduler-a", 4), LeaderLease(db.engine, "scheduler-b", 4)
    try:
        assert first.acquire() is True
        db.session.commit()
        with db.engine.connect() as holder:
            holder.execute(text("UPDATE scheduled_job SET description = description"))  # holds the write lock
            started = time.monotonic()
            assert second.acquire() is False
            assert time.monotonic() - started < 1
            holder.rollback()
        lease = db.session.get(SchedulerLease, "scheduler")
        assert lease.owner == "scheduler-a"
        db.session.commit()
        assert db.session.execute(text("SELECT 1")).scalar() == 1
    finally:
        first.release()
        second.release()


def test_a_standby_that_queued_behind_another_writer_lets_the_leader_renew_first(app):
    """SQLite: a long write by someone else blocks the leader's renewal and the takeover alike; after it, the
    stand-by that had to wait yields one look, so a live leader keeps the lead; a dead one is taken next look."""
    first, second = LeaderLease(db.engine, "scheduler-a", 4), LeaderLease(db.engine, "scheduler-b", 4)
    db.session.commit()
    pooled = [db.engine.connect() for _ in range(3)]  # a new connection's PRAGMAs would wait for the lock instead
    for conn in pooled:
        conn.close()
    try:
        assert first.acquire() is True
        with time_machine.travel(clock.now() + timedelta(seconds=5), tick=True):
            holder = db.engine.connect()
            holder.execute(text("UPDATE scheduled_job SET description = description"))  # holds the write lock
            threading.Timer(0.6, holder.rollback).start()
            assert second.acquire() is False  # waited for the lock: yields
            holder.close()
            assert second.acquire() is True  # the leader did not renew meanwhile: it is dead
    finally:
        first.release()
        second.release()


def _spawn(database_url: str, log_path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LICAI_DATABASE_URL": database_url, "LICAI_SECRET_KEY": "test-secret-key",
           "PYTHONPATH": str(REPO)}
    with open(log_path, "wb") as log:
        return subprocess.Popen(python_module_argv("flask", "--app", "app", "scheduler", "run"), cwd=REPO,
                                env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_for(condition, seconds: float, message) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message()
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.db_sensitive
def test_kill_9_of_the_leader_hands_its_claimed_timers_to_the_standby_within_seconds(app, database_url, tmp_path):
    """Two real `flask scheduler run`: kill -9 the leader holding five-minute claims; the stand-by fires them."""
    deploy.deploy(db.session, (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8").replace('"P3D"', '"PT2S"'))
    runner.sync_catalogue(db.session)
    db.session.execute(update(ScheduledJob).values(enabled=False))
    db.session.execute(update(ScheduledJob).where(ScheduledJob.code == "workflow.timers")
                       .values(enabled=True, interval_seconds=1))
    db.session.commit()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = [_spawn(database_url, path) for path in logs]

    def said(path, words: str) -> re.Match[str] | None:
        return re.search(rf"scheduler (\S+) {words}", path.read_text(encoding="utf-8", errors="replace"))

    def leads(path) -> bool:
        """The process's last word on leadership says it leads (under load a lease may have moved once)."""
        words = re.findall(r"is the leader|stopped leading|no longer leads|lost the lease",
                           path.read_text(encoding="utf-8", errors="replace"))
        return bool(words) and words[-1] == "is the leader"

    def both_logs() -> str:
        return "".join(path.read_text(encoding="utf-8", errors="replace") for path in logs)

    try:
        _wait_for(lambda: all(said(path, "started") for path in logs) and any(leads(path) for path in logs),
                  60, both_logs)
        leader = next(i for i, path in enumerate(logs) if leads(path))
        leader_owner = said(logs[leader], "is the leader").group(1)  # type: ignore[union-attr]
        seat = user_named("seat01")
        db.session.commit()
        token = write_intent.set(True)  # write with the lock taken up front: the schedulers write too
        try:
            instances = [workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id)
                         for _ in range(4)]
            # The leader claimed them for five minutes (its claim owner starts with its own host:pid) …
            db.session.execute(update(ProcessInstance).where(ProcessInstance.id.in_([i.id for i in instances]))
                               .values(lock_owner=leader_owner.rsplit(":", 1)[0] + ":claim",
                                       lock_expires_at=clock.now() + timedelta(minutes=5)))
            db.session.commit()
        finally:
            write_intent.reset(token)
        processes[leader].send_signal(signal.SIGKILL)  # … and was killed before firing them
        killed_at = time.monotonic()
        processes[leader].wait(timeout=10)

        def escalated() -> int:
            count = db.session.scalar(select(func.count()).select_from(WorkflowTask).where(
                WorkflowTask.name == "主管跟进", WorkflowTask.status == TaskStatus.OPEN)) or 0
            db.session.commit()  # never sit on SQLite's write lock while the scheduler works
            return count

        _wait_for(lambda: escalated() == len(instances), 15, both_logs)
        elapsed = time.monotonic() - killed_at
        assert elapsed < 15, f"timers fired {elapsed:.1f} s after the leader was killed"
        assert leads(logs[1 - leader]), both_logs()
        time.sleep(1)  # a double fire would show now
        for instance in instances:
            assert _timer_events(instance) == 1
        db.session.commit()
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        db.session.rollback()
