"""Designer-safe service operations run from real BPMN through SpiffWorkflow: a seat completes 回访客户 on a
process linked to a customer, and the service task after it notifies, books, messages, changes the customer,
adds it to a mining task, messages another process or sets the business status — each visible where a user
looks, each refused in Chinese (nothing changed) outside the seat's data scope, and deployment refuses a
missing required parameter or a literal outside a parameter's choices."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.chat.models import ChatMessage
from app.customers.models import Customer
from app.customers.processes import business_key
from app.extensions import db
from app.followups.models import Appointment
from app.mining import tasks
from app.mining.task_models import MiningTaskItem, MiningTaskPick
from app.notices.models import Notice
from app.oa.models import Todo
from app.workflow import deploy, repair
from app.workflow.models import InstanceEvent, InstanceStatus, MessageLog, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import DATA, audit_rows, user_named
from tests.customer_helpers import make_customer

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_ops" targetNamespace="http://bpmn.io/schema/bpmn">"""


def diagram(key: str, operation: str, params: dict[str, str], name: str = "服务操作", *, task: bool = True) -> str:
    """A seat's task 回访客户 (comment form), then one service task calling ``operation`` with ``params``; without
    ``task`` the service task follows the start (it runs when the instance starts)."""
    parameters = "".join(f'<spiffworkflow:parameter id="{pid}" type="any" value="{escape(value)}"/>'
                         for pid, value in params.items())
    first = "handle" if task else "op"
    human = """<bpmn:laneSet id="ls"><bpmn:lane id="Lane_seat" name="seat"><bpmn:flowNodeRef>handle</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:userTask id="handle" name="回访客户">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="test_comment"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="op"/>""" if task else ""
    return f"""{HEADER}
  <bpmn:process id="{key}" name="操作测试 {key}" isExecutable="true">
    {human}
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="op" name="{name}">
      <bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="{operation}" resultVariable="op_result">
        <spiffworkflow:parameters>{parameters}</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>{"f2" if task else "f1"}</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{first}"/>
    <bpmn:sequenceFlow id="f3" sourceRef="op" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def deployed(key: str, operation: str, params: dict[str, str], name: str = "服务操作", *, task: bool = True) -> None:
    deploy.deploy(db.session, diagram(key, operation, params, name, task=task), source="test")
    db.session.commit()


def started(key: str, customer: Customer | None = None, owner: str = "seat01", *, by_user: bool = True,
            **data: Any) -> ProcessInstance:
    """An instance owned by the seat, linked to the customer (as one started from 客户 360); started by the seat,
    or without a user (as a timer or a system message runs a step)."""
    seat = user_named(owner)
    instance = workflow.start(db.session, key, business_key=business_key(customer.id) if customer else "",
                              title="客户回访", org_id=seat.org_id, owner_id=seat.id, data=data,
                              actor=seat if by_user else None)
    db.session.commit()
    return instance


def complete(login_as: Any, instance: ProcessInstance, comment: str = "已回访", who: str = "seat01") -> Any:
    """The seat completes 回访客户 through the task page's form."""
    db.session.expire_all()
    task = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == TaskStatus.OPEN)).one()
    return login_as(who).post(f"/tasks/{task.id}/complete", data={"outcome": "submit", "comment": comment})


def status_of(instance: ProcessInstance) -> ProcessInstance:
    db.session.expire_all()
    found = db.session.get(ProcessInstance, instance.id)
    assert found is not None
    return found


def refused(response: Any, instance: ProcessInstance, *fragments: str) -> None:
    """The completion was refused with a Chinese message and nothing moved: the task is still open."""
    text = response.get_data(as_text=True)
    assert response.status_code in (403, 422), text[:300]
    for fragment in fragments:
        assert fragment in text, fragment
    db.session.expire_all()
    assert db.session.scalar(select(WorkflowTask.status).where(WorkflowTask.instance_id == instance.id)) \
        == TaskStatus.OPEN
    assert status_of(instance).status == InstanceStatus.RUNNING


# --- notices, to-dos, instant messages ----------------------------------------------------------------------


def test_notify_role_reaches_the_head_over_the_seat_with_a_pop_up(login_as):
    deployed("ops_notify", "notice.notify_role", {"role": '"dept_head"', "title": '"客户 {customer_name} 不满意"',
                                                  "body": "comment", "level": '"urgent"'}, "通知主管")
    customer = make_customer("满意度低", seat="seat01")
    instance = started("ops_notify", customer, customer_name="满意度低")
    assert complete(login_as, instance, "服务太慢").status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED
    home = login_as("head01").get("/").get_data(as_text=True)
    assert 'id="notice-popup"' in home and "客户 满意度低 不满意" in home
    notice = db.session.scalars(select(Notice).where(Notice.title == "客户 满意度低 不满意")).one()
    assert notice.body == "服务太慢" and notice.published_by_id == user_named("seat01").id
    # the head of the other department (理财二部) does not cover the seat's process
    assert "客户 满意度低 不满意" not in login_as("head11").get("/notices/").get_data(as_text=True)
    assert audit_rows("workflow.operation")[-1].summary.startswith("通知角色：紧急通知")
    assert "服务操作" in login_as("admin").get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    event = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id,
                                                           InstanceEvent.kind == "operation")).one()
    assert event.task_name == "通知主管" and "部门主管" in event.comment


def test_notify_user_todo_and_instant_message_arrive(login_as):
    head = user_named("head01")
    deployed("ops_user", "notice.notify_user", {"user": str(head.id), "title": '"请关注回访"'})
    deployed("ops_todo", "oa.todo.create", {"user": str(head.id), "title": '"复核回访：{comment}"',
                                            "urgency": '"important"', "due_days": "2"})
    deployed("ops_chat", "chat.send", {"user": '"head01"', "body": '"回访完成：{comment}"'})
    for key in ("ops_user", "ops_todo", "ops_chat"):
        instance = started(key)
        assert complete(login_as, instance, "客户满意").status_code == 302
        assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    head_client = login_as("head01")
    assert "请关注回访" in head_client.get("/notices/").get_data(as_text=True)
    todos = head_client.get("/oa/todos/").get_data(as_text=True)
    assert "复核回访：客户满意" in todos
    todo = db.session.scalars(select(Todo).where(Todo.title == "复核回访：客户满意")).one()
    assert todo.assignee_id == head.id and todo.due_date == clock.today() + timedelta(days=2)
    assert todo.urgency.value == "important"
    seat = user_named("seat01")
    message = db.session.scalars(select(ChatMessage).where(ChatMessage.recipient_id == head.id)).one()
    assert message.sender_id == seat.id and message.body == "回访完成：客户满意"
    assert "回访完成：客户满意" in head_client.get(f"/chat/with/{seat.id}").get_data(as_text=True)


# --- the process's customer: appointment, field, mining task --------------------------------------------------


def test_appointment_for_the_customer_is_in_the_seats_reminders(login_as):
    deployed("ops_book", "followups.book_appointment", {"after_days": "2", "time": '"15:30"',
                                                        "content": '"回访：{comment}"'}, "预约回访")
    customer = make_customer("预约客户", seat="seat01")
    instance = started("ops_book", customer)
    assert complete(login_as, instance, "下周再联系").status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    day = clock.today() + timedelta(days=2)
    page = login_as("seat01").get(f"/followups/reminders?day={day:%Y-%m-%d}").get_data(as_text=True)
    assert "预约客户" in page and "回访：下周再联系" in page and "15:30" in page
    appointment = db.session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)).one()
    assert appointment.user_id == user_named("seat01").id


def test_allowed_customer_field_changes_with_an_audit_row(login_as):
    deployed("ops_grade", "customer.update_field", {"field": '"grade"', "value": '"A"'}, "评为 A 类")
    customer = make_customer("评级客户", seat="seat01")
    instance = started("ops_grade", customer)
    assert complete(login_as, instance).status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    db.session.refresh(customer)
    assert customer.grade == "A"
    change = audit_rows("update", customer)[-1]
    assert change.after == {"grade": "A"} and change.actor_name == user_named("seat01").name
    assert "评级客户" in audit_rows("workflow.operation")[-1].summary


def test_customer_outside_the_seats_scope_is_refused_and_nothing_changes(login_as):
    deployed("ops_grade2", "customer.update_field", {"field": '"grade"', "value": '"A"', "customer": "other_id"})
    other = make_customer("别人的客户", seat="seat11")
    instance = started("ops_grade2", other_id=other.id)
    response = complete(login_as, instance)
    refused(response, instance, "修改客户字段被拒绝", "不在")
    db.session.refresh(other)
    assert other.grade == ""
    assert not audit_rows("workflow.operation")


def test_a_field_outside_the_allow_list_is_refused_at_deployment_and_at_run_time(login_as):
    with pytest.raises(deploy.DeploymentRefused) as refusal:
        deploy.deploy(db.session, diagram("ops_phone", "customer.update_field", {"field": '"phone"', "value": '"1"'},
                                          "改电话"), source="test")
    assert "改电话（op）" in refusal.value.message and "参数“字段”的值" in refusal.value.message
    assert "不在可选范围内" in refusal.value.message
    db.session.rollback()
    deployed("ops_field", "customer.update_field", {"field": "field_name", "value": '"x"'})
    customer = make_customer("字段客户", seat="seat01")
    instance = started("ops_field", customer, field_name="name")
    refused(complete(login_as, instance), instance, "客户字段“name”不允许由流程修改")
    db.session.refresh(customer)
    assert customer.name == "字段客户"


def test_missing_customer_is_an_incident_with_a_chinese_message(login_as):
    deployed("ops_nocustomer", "customer.update_field", {"field": '"remark"', "value": "comment"})
    instance = started("ops_nocustomer")
    assert complete(login_as, instance).status_code == 302
    failed = status_of(instance)
    assert failed.status == InstanceStatus.ERROR
    assert "服务操作“修改客户字段”无法执行：本流程没有关联客户" in failed.error_message
    monitor = login_as("admin").get("/workflow/monitor?status=error").get_data(as_text=True)
    assert "本流程没有关联客户" in monitor


def test_customer_is_added_to_the_mining_task(login_as):
    head = user_named("head01")
    scope = tasks.manager_scope(db.session, head)
    today = clock.today()
    task = tasks.create_task(db.session, head, scope, tasks.TaskInput(
        name="回访不满意客户", type="active", source_kind="fixed", start_date=today, end_date=today + timedelta(days=9),
        seat_work_nos=[user_named("seat01").work_no]))
    db.session.commit()
    deployed("ops_mining", "mining.add_customer", {"task": str(task.id)})
    customer = make_customer("挖掘客户", seat="seat01")
    instance = started("ops_mining", customer)
    assert complete(login_as, instance).status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    assert db.session.scalar(select(MiningTaskPick.customer_id).where(MiningTaskPick.task_id == task.id)) \
        == customer.id
    assert "挖掘客户" in login_as("head01").get(f"/mining/tasks/{task.id}").get_data(as_text=True)
    # published: the next customer becomes an item of the task, drawn by its own seat
    tasks.publish(db.session, head, tasks.manager_scope(db.session, head), task)
    db.session.commit()
    second = make_customer("挖掘客户二", seat="seat01")
    instance = started("ops_mining", second)
    assert complete(login_as, instance).status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    items = dict(db.session.execute(select(MiningTaskItem.customer_id, MiningTaskItem.status)
                                    .where(MiningTaskItem.task_id == task.id)).all())
    assert set(items) == {customer.id, second.id}
    assert "已加入" in audit_rows("workflow.operation")[-1].summary
    with pytest.raises(deploy.DeploymentRefused) as refusal:
        deploy.deploy(db.session, diagram("ops_mining_bad", "mining.add_customer", {"task": "99999"}), source="test")
    assert "数据挖掘任务" in refusal.value.message and "不在可选范围内" in refusal.value.message


# --- other processes and the business status ------------------------------------------------------------------


def test_message_reaches_the_waiting_process_and_status_shows_in_lists(login_as):
    deploy.deploy(db.session, (DATA / "message_wait.bpmn").read_text(encoding="utf-8"), source="test")
    deployed("ops_send", "workflow.send_message", {"message": '"project_go"', "correlation": '{"project_id": 5}',
                                                   "payload": '{"note": comment}'})
    deployed("ops_status", "workflow.set_business_status", {"status": '"已回访：{comment}"'}, "标记已回访")
    seat = user_named("seat01")
    waiting = workflow.start(db.session, "test_waiter", data={"project_id": 5}, org_id=seat.org_id,
                             owner_id=seat.id, actor=seat)
    db.session.commit()
    assert waiting.status == InstanceStatus.WAITING
    sender = started("ops_send")
    assert complete(login_as, sender, "可以继续").status_code == 302
    assert status_of(sender).status == InstanceStatus.COMPLETED, status_of(sender).error_message
    assert status_of(waiting).status == InstanceStatus.COMPLETED
    log = db.session.scalars(select(MessageLog).where(MessageLog.message_name == "project_go")).one()
    assert log.delivered_to == [waiting.id] and log.source_instance_id == sender.id

    customer = make_customer("状态客户", seat="seat01")
    instance = started("ops_status", customer)
    assert complete(login_as, instance, "满意").status_code == 302
    assert status_of(instance).business_status == "已回访：满意"
    monitor = login_as("admin").get("/workflow/monitor").get_data(as_text=True)
    assert "已回访：满意" in monitor
    assert 'id="business-status"' in login_as("admin").get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert "已回访：满意" in login_as("seat01").get(f"/customers/{customer.id}").get_data(as_text=True)


def test_message_to_a_process_outside_the_scope_is_refused(login_as):
    deploy.deploy(db.session, (DATA / "message_wait.bpmn").read_text(encoding="utf-8"), source="test")
    deployed("ops_send2", "workflow.send_message", {"message": '"project_go"', "correlation": '{"project_id": 6}'})
    other = user_named("seat11")
    waiting = workflow.start(db.session, "test_waiter", data={"project_id": 6}, org_id=other.org_id,
                             owner_id=other.id, actor=other)
    db.session.commit()
    sender = started("ops_send2")
    refused(complete(login_as, sender), sender, "向其他流程发送消息被拒绝", f"#{waiting.id}")
    assert status_of(waiting).status == InstanceStatus.WAITING


def test_a_step_without_a_user_acts_as_the_instance_owner(login_as):
    deployed("ops_auto", "workflow.set_business_status", {"status": '"待回访"'}, "标记待回访", task=False)
    customer = make_customer("自动客户", seat="seat01")
    instance = status_of(started("ops_auto", customer, by_user=False))
    assert instance.status == InstanceStatus.COMPLETED and instance.business_status == "待回访"
    event = db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id,
                                                           InstanceEvent.kind == "operation")).one()
    assert event.actor_name == user_named("seat01").name and event.comment == "（无） → 待回访"
    assert audit_rows("workflow.operation")[-1].actor_name == user_named("seat01").name


def test_a_role_nobody_in_scope_holds_is_an_incident(app):
    deployed("ops_nobody", "notice.notify_role", {"role": '"seat"', "title": '"到账提醒"'}, task=False)
    instance = status_of(started("ops_nobody", owner="hr01"))
    assert instance.status == InstanceStatus.ERROR
    assert "角色“坐席”中没有数据范围覆盖本流程业务对象的在职人员" in instance.error_message
    assert not db.session.scalars(select(Notice).where(Notice.title == "到账提醒")).all()


def test_required_parameter_missing_is_refused_at_deployment(app):
    with pytest.raises(deploy.DeploymentRefused) as refusal:
        deploy.deploy(db.session, diagram("ops_norole", "notice.notify_role", {"title": '"x"'}, "通知主管"),
                      source="test")
    assert "通知主管（op）：服务操作“通知角色（系统通知 / 弹窗）”缺少必填参数“接收角色”" in refusal.value.message
    with pytest.raises(deploy.DeploymentRefused) as refusal:
        deploy.deploy(db.session, diagram("ops_badrole", "notice.notify_role", {"role": '"nobody"', "title": '"x"'}),
                      source="test")
    assert "参数“接收角色”的值 \"nobody\" 不在可选范围内" in refusal.value.message


def test_a_monitors_retry_runs_the_operation_as_the_owner_not_as_the_monitor(login_as):
    """designer01 (流程监控) sees no customers: the retried appointment is still booked, as the seat who owns the
    process — the monitor repairs the process, it does not act on the customer."""
    deployed("ops_retry", "followups.book_appointment", {"after_days": "dayz", "content": '"回访：{comment}"'},
             "预约回访")
    customer = make_customer("重试客户", seat="seat01")
    instance = started("ops_retry", customer)
    assert complete(login_as, instance, "再联系").status_code == 302
    broken = status_of(instance)
    assert broken.status == InstanceStatus.ERROR and "dayz" in (broken.error_message or "")
    monitor = login_as("designer01")
    assert monitor.get(f"/customers/{customer.id}").status_code in (403, 404)  # not the monitor's customer
    assert monitor.post(f"/workflow/instances/{instance.id}/retry").status_code == 302
    assert status_of(instance).status == InstanceStatus.ERROR  # the variable is still missing: same error
    db.session.commit()
    stuck = status_of(instance)
    [position] = repair.positions(stuck)
    repair.edit_variables(db.session, stuck, user_named("designer01"), guid=position.guid, version=stuck.version_id,
                          changes={"dayz": 2}, deleted=[], reason="参数把天数变量写错了")
    db.session.commit()
    assert monitor.post(f"/workflow/instances/{instance.id}/retry").status_code == 302
    assert status_of(instance).status == InstanceStatus.COMPLETED, status_of(instance).error_message
    appointment = db.session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)).one()
    assert appointment.user_id == user_named("seat01").id and appointment.content == "回访：再联系"
    assert audit_rows("workflow.operation")[-1].actor_name == user_named("seat01").name
