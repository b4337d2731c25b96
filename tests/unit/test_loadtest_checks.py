"""make loadtest's pieces, fast: the locustfile loads, and the SQL invariants pass on clean data and catch
each kind of lost or doubled work planted in a small fixture database."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from app import clock
from app.customers.models import Customer
from app.extensions import db
from app.pools import history
from app.pools.models import MoveReason, Pool
from app.workflow import store
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask

LOADTEST = Path(__file__).resolve().parents[2] / "bench" / "loadtest"
sys.path.insert(0, str(LOADTEST))
import checks  # noqa: E402


def test_locustfile_loads_its_users() -> None:
    locust = Path(sys.executable).parent / "locust"
    if not locust.exists():
        pytest.skip("locust is not installed (pip install -e '.[load]')")
    listed = subprocess.run([str(locust), "-f", str(LOADTEST / "locustfile.py"), "--list"], capture_output=True,
                            text=True, timeout=60, check=True)
    assert {"Seat", "Finance", "Manager"} <= set(listed.stdout.split())


def _results() -> dict[str, checks.Result]:
    db.session.commit()
    now = clock.now()
    with db.engine.connect() as conn:
        return {r.name: r for r in checks.run_all(conn, now - timedelta(days=3650), now)}


@pytest.mark.db_sensitive
def test_invariants_pass_on_clean_data_and_catch_doubled_work(app: Flask) -> None:
    clean = _results()
    assert [name for name, result in clean.items() if not result.ok] == []

    done = db.session.scalars(select(WorkflowTask).where(WorkflowTask.status == TaskStatus.COMPLETED)).first()
    assert done is not None
    store.add_event(db.session, done.instance_id, "complete", done.completed_by_id, "x", element_id=done.element_id)
    group = db.session.scalars(select(WorkflowTask).where(WorkflowTask.status == TaskStatus.OPEN,
                                                         WorkflowTask.assignee_id.is_(None))).first()
    assert group is not None
    for actor in (1, 2):  # two claims, no release between
        store.add_event(db.session, group.instance_id, "claim", actor, "x", element_id=group.element_id)
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.status == InstanceStatus.RUNNING)
                                  ).first()
    assert instance is not None
    for _ in range(2):
        store.add_event(db.session, instance.id, "timer", None, "系统", data={"due": "2026-06-17 01:00:00+00:00"})
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(
        lock_owner="dead:1:x", lock_expires_at=clock.now() - timedelta(minutes=1),
        next_timer_at=clock.now() - timedelta(minutes=2)))
    customer = db.session.scalars(select(Customer).where(Customer.service_seat_id.is_not(None))).first()
    assert customer is not None
    moves = [history.Move(customer.id, Pool.PUBLIC, Pool.PERSONAL, None, customer.service_seat_id, None)]
    for _ in range(2):
        history.record(db.session, moves, MoveReason.EXTRACT, customer.service_seat_id, clock.now(), "")

    planted = _results()
    assert {name for name, result in planted.items() if not result.ok} == {
        "completions", "claims", "timer_fires", "due_timers", "expired_locks", "pool_extractions"}
    assert planted["claims"].bad[0][:3] == ("claimed while held", group.instance_id, group.element_id)
