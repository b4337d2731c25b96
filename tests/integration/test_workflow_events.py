"""Messages with correlation, timers fired by the scheduler job, catch-up, version pinning, loop guard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from app import clock, workflow
from app.errors import ValidationFailed
from app.extensions import db
from app.workflow import deploy, engine
from app.workflow.models import (
    InstanceEvent,
    InstanceStatus,
    MessageLog,
    MessageSubscription,
    ProcessInstance,
    TaskStatus,
    WorkflowTask,
)
from app.workflow.operations import OperationContext, operation
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import DATA, user_named


def _open(instance: ProcessInstance) -> list[WorkflowTask]:
    return list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))


def _events(instance: ProcessInstance, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == kind)) or 0


def test_message_thrown_by_one_instance_reaches_only_the_correlated_waiter(deploy_fixture):
    deploy_fixture("message_wait")
    deploy_fixture("message_wait", process_key="test_sender")
    waiting_7 = workflow.start(db.session, "test_waiter", business_key="project:7", data={"project_id": 7})
    waiting_8 = workflow.start(db.session, "test_waiter", business_key="project:8", data={"project_id": 8})
    db.session.commit()
    assert waiting_7.status == waiting_8.status == InstanceStatus.WAITING
    subscriptions = db.session.scalars(select(MessageSubscription.correlation)
                                       .where(MessageSubscription.message_name == "project_go")).all()
    assert sorted(subscriptions) == ['{"project_id": 7}', '{"project_id": 8}']

    workflow.start(db.session, "test_sender", data={"project_id": 7})
    db.session.commit()
    db.session.refresh(waiting_7)
    db.session.refresh(waiting_8)
    assert waiting_7.status == InstanceStatus.COMPLETED
    assert waiting_8.status == InstanceStatus.WAITING
    assert workflow.load_workflow(waiting_7).last_task.data["go_message"]["note"] == "可以继续"
    log = db.session.scalars(select(MessageLog).where(MessageLog.message_name == "project_go")).one()
    assert log.matched and log.delivered_to == [waiting_7.id]


def test_domain_code_sends_a_message_and_unmatched_ones_are_recorded(deploy_fixture):
    deploy_fixture("message_wait")
    waiting = workflow.start(db.session, "test_waiter", data={"project_id": 8})
    db.session.commit()
    assert workflow.send_message(db.session, "project_go", {"project_id": 9}, {"note": "无人等待"}) == []
    assert workflow.send_message(db.session, "project_go", {"project_id": 8}, {"note": "外部通知"}) == [waiting.id]
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status == InstanceStatus.COMPLETED
    unmatched = db.session.scalars(select(MessageLog).where(MessageLog.matched.is_(False),
                                                            MessageLog.message_name == "project_go")).one()
    assert unmatched.correlation == '{"project_id": 9}'
    assert unmatched.payload == {"project_id": 9, "note": "无人等待"}
    assert db.session.scalar(select(func.count()).select_from(MessageSubscription)
                             .where(MessageSubscription.instance_id == waiting.id)) == 0


def _start_timer_instance(deploy_fixture):
    deploy_fixture("timer_escalation")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_timer", business_key="customer:1", org_id=seat.org_id,
                              owner_id=seat.id, actor=seat)
    db.session.commit()
    return instance


@pytest.mark.date_sensitive
def test_boundary_timer_is_fired_by_the_scheduler_job(deploy_fixture):
    instance = _start_timer_instance(deploy_fixture)
    [call_back] = _open(instance)
    assert instance.next_timer_at is not None
    assert advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
    with time_machine.travel(clock.now() + timedelta(days=3, minutes=1), tick=False):
        summary = advance_workflow_timers(db.session, clock.now())
    assert "已触发 1 个" in summary
    db.session.expire_all()
    [escalate] = _open(instance)
    assert (escalate.name, escalate.candidate_role) == ("主管跟进", "dept_head")
    assert db.session.get(WorkflowTask, call_back.id).status == TaskStatus.CANCELLED
    assert _events(instance, "timer") == 1
    assert instance.next_timer_at is None and instance.lock_owner is None


@pytest.mark.date_sensitive
def test_timers_due_during_downtime_fire_once_after_restart(deploy_fixture):
    instance = _start_timer_instance(deploy_fixture)
    with time_machine.travel(clock.now() + timedelta(days=30), tick=False):
        advance_workflow_timers(db.session, clock.now())
        advance_workflow_timers(db.session, clock.now())
    db.session.expire_all()
    assert _events(instance, "timer") == 1
    assert len(_open(instance)) == 1


@pytest.mark.date_sensitive
def test_completing_before_the_timer_cancels_it(deploy_fixture):
    instance = _start_timer_instance(deploy_fixture)
    [call_back] = _open(instance)
    workflow.complete_task(db.session, call_back.id, user_named("seat01"), {}, outcome="submit")
    db.session.commit()
    assert instance.status == InstanceStatus.COMPLETED and instance.next_timer_at is None
    with time_machine.travel(clock.now() + timedelta(days=5), tick=False):
        assert advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")


@pytest.mark.date_sensitive
def test_failing_timer_backs_off_then_becomes_an_incident(deploy_fixture, monkeypatch):
    instance = _start_timer_instance(deploy_fixture)
    from app.workflow import engine

    def broken(_workflow):
        raise engine.EngineError("模拟故障")

    monkeypatch.setattr(engine, "fire_timers", broken)
    moment = clock.now() + timedelta(days=3, minutes=1)
    for attempt in range(1, 6):
        with time_machine.travel(moment, tick=False):
            advance_workflow_timers(db.session, clock.now())
        db.session.expire_all()
        if attempt < 5:
            assert instance.timer_failures == attempt and instance.status == InstanceStatus.RUNNING
            moment = instance.next_timer_at + timedelta(seconds=1)
    assert instance.status == InstanceStatus.ERROR
    assert "连续 5 次" in instance.error_message
    assert _events(instance, "timer") == 0  # every failed attempt was rolled back


def test_running_instance_stays_on_its_version(deploy_fixture):
    v1 = deploy_fixture("approval")
    seat = user_named("seat01")
    old = workflow.start(db.session, "test_approval", org_id=seat.org_id, owner_id=seat.id)
    db.session.commit()
    text = (DATA / "approval.bpmn").read_text(encoding="utf-8").replace('name="填写申请"', 'name="填写申请单"')
    v2 = deploy.deploy(db.session, text).model
    assert deploy.deploy(db.session, text).created is False  # same content: no new version
    db.session.commit()
    assert (v1.version, v2.version) == (1, 2)
    new = workflow.start(db.session, "test_approval", org_id=seat.org_id, owner_id=seat.id)
    db.session.commit()
    assert old.model_id == v1.id and new.model_id == v2.id
    assert [t.name for t in _open(old)] == ["填写申请"] and [t.name for t in _open(new)] == ["填写申请单"]
    [task] = _open(old)
    workflow.complete_task(db.session, task.id, seat, {"amount": Decimal("100")}, outcome="submit")
    db.session.commit()
    assert old.model_id == v1.id and [t.name for t in _open(old)] == ["财务审核"]


@pytest.mark.slow
def test_return_loop_runs_400_rounds_and_a_runaway_loop_stops_as_an_incident(deploy_fixture):
    deploy_fixture("loop_back")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_loop", org_id=seat.org_id, owner_id=seat.id)
    db.session.commit()
    rounds = 0
    while instance.status == InstanceStatus.RUNNING and rounds < 600:
        [task] = _open(instance)
        workflow.complete_task(db.session, task.id, seat, {}, outcome="return")
        db.session.commit()
        rounds += 1
        if rounds == 400:
            assert instance.status == InstanceStatus.RUNNING
    # SpiffWorkflow alone would report "completed" at ~500 rounds; the engine stops with a clear incident.
    assert instance.status == InstanceStatus.ERROR
    assert "循环次数过多" in instance.error_message
    assert 400 < rounds < 500


@operation("test.refuse_small", "金额不足时拒绝（测试）", {"amount": "金额"})
def _refuse_small(ctx: OperationContext, amount: Any) -> dict[str, Any]:
    if Decimal(str(amount)) < 100:
        raise ValidationFailed(f"金额 {amount} 不足 100，不能继续")
    return {"accepted": str(amount)}


def test_event_based_gateway_subscribes_to_each_branch_and_takes_the_first_message(deploy_fixture):
    deploy_fixture("event_gateway")
    first = workflow.start(db.session, "test_event_gateway", data={"order_id": 1})
    second = workflow.start(db.session, "test_event_gateway", data={"order_id": 2})
    db.session.commit()
    assert first.status == InstanceStatus.WAITING
    waits = db.session.execute(select(MessageSubscription.message_name, MessageSubscription.correlation)
                               .where(MessageSubscription.instance_id == first.id)).all()
    assert sorted(waits) == [("order_go", '{"order_id": 1}'), ("order_stop", '{"order_id": 1}')]

    assert workflow.send_message(db.session, "order_stop", {"order_id": 2}) == [second.id]
    assert workflow.send_message(db.session, "order_go", {"order_id": 1}, {"amount": "150"}) == [first.id]
    db.session.commit()
    for instance in (first, second):
        db.session.refresh(instance)
        assert instance.status == InstanceStatus.COMPLETED
    done, _current = engine.active_element_ids(workflow.load_workflow(first))
    assert "end_go" in done and "end_stop" not in done
    assert workflow.load_workflow(first).last_task.data["guard_result"] == {"accepted": "150"}
    done, _current = engine.active_element_ids(workflow.load_workflow(second))
    assert "end_stop" in done and "guard" not in done
    assert db.session.scalar(select(func.count()).select_from(MessageSubscription).where(
        MessageSubscription.instance_id.in_([first.id, second.id]))) == 0


def test_messages_held_in_error_are_released_in_order_and_one_no_longer_awaited_is_not_delivered(deploy_fixture):
    deploy_fixture("event_gateway")
    instance = workflow.start(db.session, "test_event_gateway", data={"order_id": 4})
    instance.status, instance.error_message = InstanceStatus.ERROR, "外部系统超时"  # an incident
    db.session.commit()
    assert workflow.send_message(db.session, "order_go", {"order_id": 4}, {"amount": "200"}) == []
    assert workflow.send_message(db.session, "order_stop", {"order_id": 4}) == []
    db.session.commit()
    assert _events(instance, "message_held") == 2 and _events(instance, "message") == 0

    workflow.retry(db.session, instance, user_named("designer01"))
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
    done, _current = engine.active_element_ids(workflow.load_workflow(instance))
    assert "end_go" in done and "end_stop" not in done  # the first message decided the branch
    released = db.session.execute(select(InstanceEvent.comment, InstanceEvent.outcome).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "message_released")
        .order_by(InstanceEvent.id)).all()
    assert [tuple(r) for r in released] == [("order_go", "已投递"), ("order_stop", "已不再等待，未投递")]


def test_an_operation_refusing_a_step_fails_the_whole_call_and_nothing_moves(deploy_fixture):
    deploy_fixture("event_gateway")
    instance = workflow.start(db.session, "test_event_gateway", data={"order_id": 3})
    db.session.commit()
    with pytest.raises(ValidationFailed, match="金额 50 不足 100"):
        workflow.send_message(db.session, "order_go", {"order_id": 3}, {"amount": "50"})
    db.session.rollback()
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.WAITING and instance.error_message == ""
    assert _events(instance, "message") == 0 and _events(instance, "error") == 0
    assert db.session.scalar(select(func.count()).select_from(MessageSubscription)
                             .where(MessageSubscription.instance_id == instance.id)) == 2
    assert workflow.send_message(db.session, "order_go", {"order_id": 3}, {"amount": "100"}) == [instance.id]
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
