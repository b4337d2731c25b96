"""Races: two people completing one task, two schedulers firing one timer, the leader lease."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from app import clock, workflow
from app.errors import Conflict
from app.extensions import db
from app.workflow.models import InstanceEvent, TaskStatus, WorkflowTask
from scheduler.lease import LeaderLease
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import user_named

pytestmark = pytest.mark.db_sensitive


def _in_threads(app, count: int, work) -> list[Any]:
    """Run ``work(index)`` in ``count`` threads, each with its own app context and session, started together."""
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock meanwhile
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def runner(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (the outcome is what the test checks)
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_people_completing_the_same_task_one_wins(app, deploy_fixture):
    deploy_fixture("approval")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", org_id=seat.org_id, owner_id=seat.id)
    db.session.commit()
    task_id = db.session.scalars(select(WorkflowTask.id).where(WorkflowTask.instance_id == instance.id)).one()
    seat_id = seat.id

    def complete(index: int) -> str:
        from app.auth.models import User

        user = db.session.get(User, seat_id)
        workflow.complete_task(db.session, task_id, user, {"amount": Decimal(100 + index)}, outcome="submit")
        return "ok"

    results = _in_threads(app, 2, complete)
    assert sorted(map(type, results), key=str) == sorted([str, Conflict], key=str), results
    [conflict] = [r for r in results if isinstance(r, Exception)]
    assert str(conflict) == workflow.TASK_TAKEN
    db.session.expire_all()
    completions = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "complete"))
    assert completions == 1
    open_names = db.session.scalars(select(WorkflowTask.name).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)).all()
    assert open_names == ["财务审核"]


@pytest.mark.date_sensitive
def test_two_schedulers_never_fire_one_timer_twice(app, deploy_fixture):
    deploy_fixture("timer_escalation")
    seat = user_named("seat01")
    instances = [workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id) for _ in range(6)]
    db.session.commit()
    moment = clock.now() + timedelta(days=4)
    with time_machine.travel(moment, tick=False):
        _in_threads(app, 2, lambda _i: advance_workflow_timers(db.session, clock.now()))
    db.session.expire_all()
    for instance in instances:
        fired = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
            InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "timer"))
        assert fired == 1
        names = db.session.scalars(select(WorkflowTask.name).where(
            WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)).all()
        assert names == ["主管跟进"]


@pytest.mark.date_sensitive
def test_only_one_scheduler_leads(app):
    first, second = LeaderLease(db.engine, "scheduler-a", 30), LeaderLease(db.engine, "scheduler-b", 30)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.acquire() is True  # renewal
        if db.engine.dialect.name != "postgresql":
            with time_machine.travel(clock.now() + timedelta(seconds=31), tick=False):
                assert second.acquire() is True  # the leader stopped renewing: stand-by takes over
                assert first.acquire() is False
        else:
            first.release()
            assert second.acquire() is True
    finally:
        first.release()
        second.release()
