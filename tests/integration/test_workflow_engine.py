"""The engine gateway with small diagrams from tests/data: lanes, gateways, data types, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import workflow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import user_named


def _open_tasks(instance: ProcessInstance) -> list[WorkflowTask]:
    return list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))


def _start_approval(deploy_fixture, seat="seat01"):
    deploy_fixture("approval")
    owner = user_named(seat)
    instance = workflow.start(db.session, "test_approval", business_key="test:1", title="测试单据",
                              org_id=owner.org_id, owner_id=owner.id, data={"requested_by": owner.id}, actor=owner)
    db.session.commit()
    return instance, owner


def test_start_projects_first_user_task_to_its_lane_role(deploy_fixture):
    instance, owner = _start_approval(deploy_fixture)
    assert instance.status == InstanceStatus.RUNNING
    [task] = _open_tasks(instance)
    assert (task.name, task.candidate_role, task.form_key) == ("填写申请", "seat", "test_fill")
    assert task.owner_id == owner.id and task.org_id == owner.org_id


def test_decimal_and_date_survive_the_round_trip_and_drive_the_gateway(deploy_fixture):
    instance, owner = _start_approval(deploy_fixture)
    [fill] = _open_tasks(instance)
    workflow.complete_task(db.session, fill.id, owner, {"amount": Decimal("150.50"), "visit_date": date(2026, 5, 1)},
                           outcome="submit")
    db.session.commit()
    [review] = _open_tasks(instance)
    assert review.candidate_role == "finance"
    finance = user_named("finance01")
    workflow.complete_task(db.session, review.id, finance, {}, outcome="pass", comment="同意")
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
    data = workflow.load_workflow(instance).data
    assert data["amount"] == Decimal("150.50") and data["visit_date"] == date(2026, 5, 1)
    kinds = db.session.scalars(select(InstanceEvent.kind).where(InstanceEvent.instance_id == instance.id)
                               .order_by(InstanceEvent.id)).all()
    assert kinds == ["start", "complete", "complete"]


def test_gateway_default_path_when_condition_fails(deploy_fixture):
    instance, owner = _start_approval(deploy_fixture)
    [fill] = _open_tasks(instance)
    workflow.complete_task(db.session, fill.id, owner, {"amount": Decimal("50")}, outcome="submit")
    [review] = _open_tasks(instance)
    workflow.complete_task(db.session, review.id, user_named("finance01"), {}, outcome="pass")
    db.session.commit()
    wf = workflow.load_workflow(instance)
    from app.workflow import engine

    done, _current = engine.active_element_ids(wf)
    assert "end_rejected" in done and "end_ok" not in done


def test_finance_of_another_department_cannot_see_or_complete(deploy_fixture):
    instance, owner = _start_approval(deploy_fixture)
    [fill] = _open_tasks(instance)
    workflow.complete_task(db.session, fill.id, owner, {"amount": Decimal("150")}, outcome="submit")
    db.session.commit()
    [review] = _open_tasks(instance)
    with pytest.raises(NotFound):
        workflow.complete_task(db.session, review.id, user_named("finance11"), {}, outcome="pass")
    with pytest.raises(NotFound):
        workflow.complete_task(db.session, review.id, user_named("seat02"), {}, outcome="pass")


def test_completing_twice_is_refused_with_clear_message(deploy_fixture):
    instance, owner = _start_approval(deploy_fixture)
    [fill] = _open_tasks(instance)
    workflow.complete_task(db.session, fill.id, owner, {"amount": Decimal("150")}, outcome="submit")
    db.session.commit()
    with pytest.raises(Conflict, match=workflow.TASK_TAKEN):
        workflow.complete_task(db.session, fill.id, owner, {"amount": Decimal("150")}, outcome="submit")
