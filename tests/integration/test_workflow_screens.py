"""Inbox, task page, monitor and scheduler centre through HTTP as the demo users; the task API."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import user_named


@pytest.fixture
def approval(deploy_fixture):
    """An approval instance owned by seat01, waiting at its first task."""
    deploy_fixture("approval")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", business_key="test:7", title="测试单据七",
                              org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    return instance


def _task(instance: ProcessInstance, status: TaskStatus = TaskStatus.OPEN) -> WorkflowTask:
    db.session.expire_all()
    return db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == status)).one()


def _submit_fill(login_as, instance, amount="150.00"):
    client = login_as("seat01")
    task = _task(instance)
    return client, client.post(f"/tasks/{task.id}/complete", data={"amount": amount, "outcome": "submit"})


def test_inbox_lists_my_task_with_badge_and_the_task_page_shows_form_and_diagram(login_as, approval):
    client = login_as("seat01")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "填写申请" in page and "测试单据七" in page
    assert 'id="inbox-badge">1<' in page
    task = _task(approval)
    detail = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="amount"' in detail and "data-diagram-url" in detail and "发起" in detail
    diagram = client.get(f"/workflow/instances/{approval.id}/diagram.json").get_json()
    assert diagram["current"] == ["fill"] and "<bpmn:definitions" in diagram["xml"]


def test_bad_input_is_refused_in_chinese_and_nothing_is_lost(login_as, approval):
    client = login_as("seat01")
    task = _task(approval)
    response = client.post(f"/tasks/{task.id}/complete", data={"amount": "-5", "outcome": "submit"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "金额须不小于 0" in text and 'value="-5"' in text
    response = client.post(f"/tasks/{task.id}/complete", data={"amount": "abc", "outcome": "submit"})
    assert response.status_code == 422
    assert _task(approval).id == task.id  # still open, nothing moved


def test_comment_is_required_when_rejecting(login_as, approval):
    _submit_fill(login_as, approval)
    finance = login_as("finance01")
    task = _task(approval)
    response = finance.post(f"/tasks/{task.id}/complete", data={"outcome": "reject", "comment": " "})
    assert response.status_code == 422
    assert "选择“驳回”时必须填写审核意见" in response.get_data(as_text=True)
    response = finance.post(f"/tasks/{task.id}/complete", data={"outcome": "reject", "comment": "金额不符"})
    assert response.status_code == 302
    db.session.refresh(approval)
    assert approval.status == InstanceStatus.COMPLETED


def test_group_task_claim_release_and_scope(login_as, approval):
    _submit_fill(login_as, approval)
    task = _task(approval)
    finance = login_as("finance01")
    assert "测试单据七" in finance.get("/tasks/?tab=group").get_data(as_text=True)
    other = login_as("finance11")
    assert "测试单据七" not in other.get("/tasks/?tab=group").get_data(as_text=True)
    assert other.get(f"/tasks/{task.id}").status_code == 404
    assert other.post(f"/tasks/{task.id}/claim").status_code == 404
    assert finance.post(f"/tasks/{task.id}/claim").status_code == 302
    assert _task(approval).assignee_id == user_named("finance01").id
    assert "测试单据七" in finance.get("/tasks/?tab=mine").get_data(as_text=True)
    assert finance.post(f"/tasks/{task.id}/release").status_code == 302
    assert _task(approval).assignee_id is None


def test_second_submission_of_a_done_task_says_someone_handled_it(login_as, approval):
    client, first = _submit_fill(login_as, approval)
    assert first.status_code == 302
    done = _task(approval, TaskStatus.COMPLETED)
    again = client.post(f"/tasks/{done.id}/complete", data={"amount": "10", "outcome": "submit"},
                        headers={"Referer": "/tasks/"})
    assert again.status_code == 302
    assert "该任务已被他人处理" in client.get("/tasks/").get_data(as_text=True)
    assert "我已办" in client.get("/tasks/?tab=done").get_data(as_text=True)


def test_monitor_shows_instances_and_cancels_with_reason(login_as, approval):
    assert login_as("seat01").get("/workflow/monitor").status_code == 403
    admin = login_as("admin")
    listing = admin.get("/workflow/monitor").get_data(as_text=True)
    assert f'data-instance="{approval.id}"' in listing
    detail = admin.get(f"/workflow/instances/{approval.id}").get_data(as_text=True)
    assert "流程数据" in detail and "填写申请" in detail
    refused = admin.post(f"/workflow/instances/{approval.id}/cancel", data={"reason": ""},
                         headers={"Referer": f"/workflow/instances/{approval.id}"})
    assert refused.status_code == 302 and approval.status == InstanceStatus.RUNNING
    admin.post(f"/workflow/instances/{approval.id}/cancel", data={"reason": "客户撤回申请"})
    db.session.refresh(approval)
    assert approval.status == InstanceStatus.CANCELLED and approval.end_reason == "客户撤回申请"
    assert _task(approval, TaskStatus.CANCELLED)


def test_scheduler_centre_changes_period_and_requests_a_run(login_as):
    from scheduler.models import ScheduledJob

    assert login_as("seat01").get("/admin/scheduler/").status_code == 403
    admin = login_as("admin")
    assert "流程定时器" in admin.get("/admin/scheduler/").get_data(as_text=True)
    bad = admin.post("/admin/scheduler/workflow.timers", data={"mode": "cron", "cron": "not a cron", "enabled": "on"},
                     headers={"Referer": "/admin/scheduler/"})
    assert bad.status_code == 302
    refusal = "定时表达式无效：须为 5 段（分 时 日 月 周，以空格分隔），填写的是 3 段"
    assert refusal in admin.get("/admin/scheduler/").get_data(as_text=True)
    admin.post("/admin/scheduler/workflow.timers", data={"mode": "cron", "cron": "0 25 * * *", "enabled": "on"},
               headers={"Referer": "/admin/scheduler/"})
    assert "定时表达式无效：第 2 段（时）“25”不是有效的取值" in admin.get("/admin/scheduler/").get_data(as_text=True)
    admin.post("/admin/scheduler/workflow.timers", data={"mode": "interval", "interval_seconds": "60"})
    admin.post("/admin/scheduler/workflow.timers/run")
    row = db.session.get(ScheduledJob, "workflow.timers")
    db.session.refresh(row)
    assert row.interval_seconds == 60 and row.enabled is False and row.run_requested_at is not None


def test_task_api_lists_claims_and_completes_with_typed_validation(api_as, approval):
    seat = api_as("seat01")
    body = seat.get("/api/v1/tasks").get_json()
    assert body["total"] == 1 and body["items"][0]["name"] == "填写申请"
    task_id = body["items"][0]["id"]
    bad = seat.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "submit", "data": {"amount": "x"}})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "validation_failed"
    ok = seat.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "submit", "data": {"amount": "88.80"}})
    assert ok.status_code == 200 and ok.get_json()["status"] == "completed"
    again = seat.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "submit", "data": {"amount": "1"}})
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "该任务已被他人处理"
    assert workflow.load_workflow(approval).last_task.data["amount"] == Decimal("88.80")

    finance = api_as("finance01")
    review = finance.get("/api/v1/tasks?tab=group").get_json()["items"][0]
    claimed = finance.post(f"/api/v1/tasks/{review['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"] == user_named("finance01").id
    assert api_as("finance11").post(f"/api/v1/tasks/{review['id']}/claim").status_code == 404

    status = finance.get(f"/api/v1/process-instances/{approval.id}").get_json()
    assert status["status"] == "running" and [t["name"] for t in status["current_tasks"]] == ["财务审核"]
    assert [e["kind"] for e in status["history"]] == ["start", "complete", "claim"]
    assert api_as("seat11").get(f"/api/v1/process-instances/{approval.id}").status_code == 404


def test_the_next_task_starts_with_an_empty_comment_not_the_previous_one(login_as, deploy_fixture):
    deploy_fixture("three_step")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "bench_three_step", org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    client = login_as("seat01")
    response = client.post(f"/tasks/{_task(instance).id}/complete",
                           data={"outcome": "submit", "comment": "坐席的说明：请尽快"})
    assert response.status_code == 302
    head = login_as("head01")
    page = head.get(f"/tasks/{_task(instance).id}").get_data(as_text=True)
    [box] = re.findall(r'<textarea[^>]*name="comment"[^>]*>([^<]*)</textarea>', page)
    assert box.strip() == ""
    assert "坐席的说明" in page  # in the history, where it belongs
