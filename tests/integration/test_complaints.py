"""投诉 (issue 20): filing by screen and API, data scope, bad input, the 投诉处理 process (pass, the bounded return
loop) and the SLA escalation timer fired by the scheduler job — once, also when the job runs twice, with the
workflow restored in a fresh session (and a fresh spec cache, as another worker process would) between steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app import clock, workflow
from app.complaints.models import Complaint, ComplaintCategory, ComplaintSeverity, ComplaintStatus
from app.complaints.process_ops import MAX_RETURNS
from app.errors import ValidationFailed
from app.extensions import db
from app.notices.models import Notice, NoticeReceipt
from app.workflow import specs
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import audit_rows, user_named
from tests.integration.trading import customers_of

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive


def _category(name: str = "服务态度") -> ComplaintCategory:
    category = db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.name == name))
    assert category is not None
    return category


def _count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Complaint)) or 0


def _instances() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(ProcessInstance)
                             .where(ProcessInstance.process_key == "complaint")) or 0


def _latest() -> Complaint:
    db.session.commit()
    complaint = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert complaint is not None
    return complaint


def _open_tasks(complaint: Complaint) -> list[WorkflowTask]:
    db.session.commit()
    return list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == complaint.process_instance_id, WorkflowTask.status == TaskStatus.OPEN)
        .order_by(WorkflowTask.id)))


def _restart(complaint: Complaint) -> Complaint:
    """Forget parsed specs and loaded rows, as a fresh worker process would, and read the complaint again."""
    complaint_id = complaint.id
    db.session.commit()
    specs.SPECS.items.clear()
    db.session.expire_all()
    fresh = db.session.get(Complaint, complaint_id)
    assert fresh is not None
    return fresh


def _file(client, customer_id: int, content: str = "坐席回访时态度恶劣，要求道歉。", category: str = "服务态度"):
    return client.post("/complaints/new", data={"customer_id": str(customer_id), "channel": "phone",
                                                 "category_id": str(_category(category).id), "severity": "normal",
                                                 "content": content})


def _events(complaint: Complaint, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == complaint.process_instance_id, InstanceEvent.kind == kind)) or 0


def test_seat_files_a_complaint_from_the_360_page_and_it_goes_to_the_serving_seat(login_as):
    customer = customers_of("seat01")[0]
    seat = login_as("seat01")
    page = seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "投诉记录" in page and "登记投诉" in page
    form = seat.get(f"/complaints/new?customer_id={customer.id}").get_data(as_text=True)
    assert customer.name in form and "服务态度（24 小时内处理）" in form
    before = clock.now()
    response = _file(seat, customer.id)
    assert response.status_code == 302
    complaint = _latest()
    assert complaint.customer_id == customer.id and complaint.status == ComplaintStatus.HANDLING
    assert complaint.handler_id == user_named("seat01").id and complaint.filed_by_id == complaint.handler_id
    assert timedelta(hours=24) <= complaint.due_at - before < timedelta(hours=24, minutes=1)
    [task] = _open_tasks(complaint)
    assert (task.name, task.assignee_id, task.form_key) == ("处理投诉", complaint.handler_id, "complaint_handle")
    instance = db.session.get(ProcessInstance, complaint.process_instance_id)
    assert instance.business_key == f"complaint:{complaint.id}" and instance.next_timer_at is not None
    detail = seat.get(response.headers["Location"]).get_data(as_text=True)
    assert complaint.number in detail and "处理中" in detail and "剩余 23 小时" in detail and "未升级" in detail
    assert "受理投诉" not in detail or "发起" in detail  # the history lists the start
    assert complaint.number in seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    inbox = seat.get("/tasks/").get_data(as_text=True)
    assert "处理投诉" in inbox and complaint.number in inbox


def test_bad_input_is_refused_in_chinese_and_writes_nothing(login_as):
    customer = customers_of("seat01")[0]
    seat = login_as("seat01")
    before, instances = _count(), _instances()
    empty = _file(seat, customer.id, content="   ")
    assert empty.status_code == 422 and "请填写投诉内容" in empty.get_data(as_text=True)
    no_category = seat.post("/complaints/new", data={"customer_id": str(customer.id), "category_id": "",
                                                     "channel": "phone", "content": "内容"})
    assert no_category.status_code == 422 and "请选择有效的投诉类别" in no_category.get_data(as_text=True)
    bad_channel = seat.post("/complaints/new", data={"customer_id": str(customer.id), "channel": "fax",
                                                     "category_id": str(_category().id), "content": "内容"})
    assert bad_channel.status_code == 422 and "投诉渠道无效" in bad_channel.get_data(as_text=True)
    assert _count() == before
    assert _instances() == instances


def test_a_customer_outside_the_filers_scope_is_not_found_on_screen_and_api(login_as, api_as):
    theirs = customers_of("seat11")[0]
    before = _count()
    seat = login_as("seat01")
    response = _file(seat, theirs.id)
    assert response.status_code == 404 and "无权查看" in response.get_data(as_text=True)
    api = api_as("seat01")
    refused = api.post("/api/v1/complaints", json={"customer_id": theirs.id, "category_id": _category().id,
                                                   "content": "越权投诉"})
    assert refused.status_code == 404 and "无权查看" in refused.get_json()["error"]["message"]
    empty = api.post("/api/v1/complaints", json={"customer_id": customers_of("seat01")[0].id,
                                                 "category_id": _category().id, "content": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["message"] == "请填写投诉内容"
    assert _count() == before


def test_api_files_a_complaint_and_who_may_read_it(login_as, api_as):
    customer = customers_of("seat01")[0]
    api = api_as("seat01")
    created = api.post("/api/v1/complaints", json={"customer_id": customer.id, "category_id": _category("资金到账").id,
                                                   "content": "认购款已扣但未到账", "severity": "serious"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["channel"] == "api" and body["status"] == "handling" and body["handler_name"] == "张坐席"
    assert body["escalated"] is False and body["overdue"] is False
    assert api.get(f"/api/v1/complaints/{body['id']}").get_json()["number"] == body["number"]
    mine = api.get("/api/v1/complaints?view=mine").get_json()
    assert body["id"] in [item["id"] for item in mine["items"]]
    # seat02 (仅本人) and head11 (another department) do not see it; head01 (the department) does.
    assert api_as("seat02").get(f"/api/v1/complaints/{body['id']}").status_code == 404
    assert login_as("head11").get(f"/complaints/{body['id']}").status_code == 404
    assert login_as("head01").get(f"/complaints/{body['id']}").status_code == 200
    assert api.get("/api/v1/complaints?view=nonsense").status_code == 422


def test_process_pass_after_a_return_closes_the_complaint(login_as):
    customer = customers_of("seat01")[0]
    seat = login_as("seat01")
    _file(seat, customer.id)
    complaint = _latest()
    [handle] = _open_tasks(complaint)
    empty = seat.post(f"/tasks/{handle.id}/complete", data={"outcome": "submit", "result": ""})
    assert empty.status_code == 422
    assert seat.post(f"/tasks/{handle.id}/complete",
                     data={"outcome": "submit", "result": "已致电客户道歉"}).status_code == 302
    complaint = _restart(complaint)
    assert complaint.status == ComplaintStatus.REVIEWING and complaint.result == "已致电客户道歉"
    [review] = _open_tasks(complaint)
    assert (review.name, review.candidate_role) == ("主管审核", "dept_head")
    head = login_as("head01")
    no_reason = head.post(f"/tasks/{review.id}/complete", data={"outcome": "return", "comment": ""})
    assert no_reason.status_code == 422
    assert head.post(f"/tasks/{review.id}/complete",
                     data={"outcome": "return", "comment": "请说明补偿方案"}).status_code == 302
    complaint = _restart(complaint)
    assert complaint.status == ComplaintStatus.HANDLING and complaint.return_count == 1
    [again] = _open_tasks(complaint)
    assert again.name == "处理投诉" and again.assignee_id == complaint.handler_id
    page = seat.get(f"/tasks/{again.id}").get_data(as_text=True)
    assert "请说明补偿方案" in page  # the head's reason is on the handler's form
    seat.post(f"/tasks/{again.id}/complete", data={"outcome": "submit", "result": "已道歉并赠送积分补偿"})
    complaint = _restart(complaint)
    [review] = _open_tasks(complaint)
    head.post(f"/tasks/{review.id}/complete", data={"outcome": "approve", "comment": ""})
    complaint = _restart(complaint)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.closed_at is not None
    assert db.session.get(ProcessInstance, complaint.process_instance_id).status == InstanceStatus.COMPLETED
    detail = seat.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "已结案" in detail and "已道歉并赠送积分补偿" in detail and "退回重新处理" in detail


def test_the_return_loop_is_bounded(login_as):
    customer = customers_of("seat01")[0]
    _file(login_as("seat01"), customer.id)
    complaint = _latest()
    seat, head = user_named("seat01"), user_named("head01")
    for round_no in range(MAX_RETURNS + 1):
        [handle] = _open_tasks(complaint)
        workflow.complete_task(db.session, handle.id, seat, {"result": f"第 {round_no + 1} 次处理"}, outcome="submit")
        db.session.commit()
        [review] = _open_tasks(complaint)
        if round_no < MAX_RETURNS:
            workflow.complete_task(db.session, review.id, head, {}, outcome="return", comment="不满意")
            db.session.commit()
    with pytest.raises(ValidationFailed, match="已退回 5 次，不能再退回"):
        workflow.complete_task(db.session, review.id, head, {}, outcome="return", comment="还不满意")
    db.session.rollback()
    complaint = _restart(complaint)
    assert complaint.return_count == MAX_RETURNS and complaint.status == ComplaintStatus.REVIEWING
    [still] = _open_tasks(complaint)
    assert still.id == review.id  # nothing moved: the head can still pass it
    workflow.complete_task(db.session, review.id, head, {}, outcome="approve", comment="")
    db.session.commit()
    assert _restart(complaint).status == ComplaintStatus.CLOSED


@pytest.mark.date_sensitive
def test_the_sla_timer_escalates_once_notifies_the_head_and_keeps_the_handlers_task(login_as):
    customer = customers_of("seat01")[0]
    _file(login_as("seat01"), customer.id, category="服务态度")  # 24 hours
    complaint = _restart(_latest())
    [handle] = _open_tasks(complaint)
    head = user_named("head01")
    assert advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
    with time_machine.travel(clock.now() + timedelta(hours=23), tick=False):
        advance_workflow_timers(db.session, clock.now())
    assert not _restart(complaint).escalated
    later = clock.now() + timedelta(hours=24, minutes=1)
    with time_machine.travel(later, tick=False):
        summary = advance_workflow_timers(db.session, clock.now())
        assert "已触发 1 个" in summary
        complaint = _restart(complaint)
        again = advance_workflow_timers(db.session, clock.now())  # the job runs twice: nothing fires again
        assert again.startswith("到期 0 个")
    complaint = _restart(complaint)
    assert complaint.escalated and complaint.escalation_level == 1 and complaint.escalated_at is not None
    assert complaint.severity == ComplaintSeverity.SERIOUS and complaint.status == ComplaintStatus.HANDLING
    assert _events(complaint, "timer") == 1
    [still] = _open_tasks(complaint)
    assert still.id == handle.id  # non-interrupting: the handler keeps the task
    notice = db.session.scalars(select(Notice).where(Notice.title.contains(complaint.number))).one()
    assert "已升级" in notice.title and notice.level.value == "urgent"
    assert db.session.scalar(select(NoticeReceipt.user_id).where(NoticeReceipt.notice_id == notice.id,
                                                            NoticeReceipt.user_id == head.id)) is not None
    assert [row.summary for row in audit_rows("complaint.escalate", complaint)][0].startswith(
        f"投诉 {complaint.number} 超时升级至第 1 级")
    with time_machine.travel(later + timedelta(days=30), tick=False):
        assert advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
    assert _restart(complaint).escalation_level == 1
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        seat = login_as("seat01")  # (a session idle for a day has timed out)
        detail = seat.get(f"/complaints/{complaint.id}").get_data(as_text=True)
        overdue = seat.get("/complaints/overdue").get_data(as_text=True)
    assert "已升级（第 1 级）" in detail and "已超时 1 小时" in detail and "严重" in detail
    assert "超时升级" in detail or "升级投诉并通知主管" in detail  # the process history
    assert complaint.number in overdue and "table-danger" in overdue and "overdue-by-category" in overdue
    # the escalated complaint is still handled the normal way
    workflow.complete_task(db.session, still.id, user_named("seat01"), {"result": "已处理"}, outcome="submit")
    db.session.commit()
    assert _restart(complaint).status == ComplaintStatus.REVIEWING


def test_admin_maintains_categories_with_chinese_errors(login_as):
    admin = login_as("admin")
    assert "服务态度" in admin.get("/admin/complaints/categories").get_data(as_text=True)
    new = "/admin/complaints/categories/new"
    bad = admin.post(new, data={"name": "物流", "handler_role": "seat", "sla_hours": "0"})
    assert bad.status_code == 422 and "SLA 时限须在 1 到 2160 小时之间" in bad.get_data(as_text=True)
    no_role = admin.post(new, data={"name": "物流", "handler_role": "", "sla_hours": "8"})
    assert no_role.status_code == 422 and "请选择处理角色" in no_role.get_data(as_text=True)
    ok = admin.post(new, data={"name": "物流", "handler_role": "seat", "sla_hours": "8"})
    assert ok.status_code == 302 and _category("物流").sla_hours == 8
    assert login_as("seat01").get("/admin/complaints/categories").status_code == 403


@pytest.mark.slow
@pytest.mark.date_sensitive
def test_the_escalation_fires_once_from_two_fresh_scheduler_processes(login_as, database_url, tmp_path):
    """`flask scheduler run-job workflow.timers` twice, each a new process on a clock past the SLA: the workflow is
    restored from the database by a process that never parsed the diagram, and the second run fires nothing."""
    import os
    import subprocess
    import sys

    from tests.conftest import _CHILD_ON_PINNED_CLOCK, REPO

    customer = customers_of("seat01")[0]
    _file(login_as("seat01"), customer.id, category="信息安全")  # 8 hours, handled by 部门主管
    complaint = _latest()
    assert complaint.handler_id == user_named("head01").id
    db.session.commit()
    later = clock.now() + timedelta(hours=8, minutes=1)
    env = {**os.environ, "LICAI_DATABASE_URL": database_url, "LICAI_SECRET_KEY": "test-secret-key",
           "PYTHONPATH": str(REPO)}
    outputs = []
    for _run in range(2):
        argv = [sys.executable, "-c", _CHILD_ON_PINNED_CLOCK, str(later.timestamp()), "flask", "--app", "app",
                "scheduler", "run-job", "workflow.timers"]
        done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, timeout=120, check=False)
        outputs.append(done.stdout.decode() + done.stderr.decode())
        assert done.returncode == 0, outputs[-1]
    assert "已触发 1 个" in outputs[0] and "到期 0 个" in outputs[1], outputs
    complaint = _restart(complaint)
    assert complaint.escalated and complaint.escalation_level == 1 and _events(complaint, "timer") == 1
    assert complaint.severity == ComplaintSeverity.SERIOUS
    [still] = _open_tasks(complaint)
    assert still.name == "处理投诉" and still.assignee_id == complaint.handler_id


def test_complaints_follow_a_customer_merge(login_as):
    from app.customers import merge
    from app.customers import services as customer_services
    from tests.customer_helpers import make_customer

    survivor = make_customer("合并留存", seat="seat01", org_code="SH-LC1-A")
    merged = make_customer("合并被并", seat="seat01", org_code="SH-LC1-A")
    _file(login_as("seat01"), merged.id)
    complaint = _latest()
    head = user_named("head01")
    plan = merge.plan_merge(db.session, customer_services.customer_scope(db.session, head), survivor.id, [merged.id])
    assert ("投诉", 1) in merge.links.count(db.session, [merged.id])
    merge.merge(db.session, head.id, plan)
    db.session.commit()
    assert _restart(complaint).customer_id == survivor.id
    assert complaint.number in login_as("seat01").get(f"/customers/{survivor.id}").get_data(as_text=True)
