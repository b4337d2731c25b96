"""实例修复 in 流程监控: a design error breaks an instance (a misspelt variable in a gateway condition, a timer
expression that cannot be evaluated); the monitor fixes a variable, moves the token back, skips a step or moves
the instance to a fixed version, and retries — and the instance goes on to its end.

Every step is served from the stored state with the spec parsed afresh (``_restart``), as after a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app import clock, workflow
from app.audit.models import AuditLog
from app.extensions import db
from app.workflow import deploy, repair, specs
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import BASE_CONFIG, DATA, REPO, audit_rows, user_named

GATEWAY = (DATA / "repair_gateway.bpmn").read_text(encoding="utf-8")
MONITOR = "designer01"  # 流程设计 role: 流程监控 with 流程实例管理


def _restart(instance: ProcessInstance) -> ProcessInstance:
    """Forget every parsed spec and loaded row, as a fresh worker process would, and read the instance again."""
    db.session.commit()
    specs.SPECS.items.clear()
    db.session.expire_all()
    fresh = db.session.get(ProcessInstance, instance.id)
    assert fresh is not None
    return fresh


def _open(instance: ProcessInstance) -> list[WorkflowTask]:
    db.session.commit()
    return list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN).order_by(WorkflowTask.id)))


def _start_and_fill(process_key: str, amount: str = "120") -> ProcessInstance:
    seat = user_named("seat01")
    instance = workflow.start(db.session, process_key, org_id=seat.org_id, owner_id=seat.id, actor=seat)
    [task] = _open(instance)
    workflow.complete_task(db.session, task.id, seat, {"amount": Decimal(amount)}, outcome="submit")
    return _restart(instance)


def _broken_gateway(deploy_fixture: Any) -> ProcessInstance:
    deploy_fixture("repair_gateway")
    instance = _start_and_fill("test_repair")
    assert instance.status == InstanceStatus.ERROR and "amonut" in instance.error_message
    return instance


def _failed_position(instance: ProcessInstance) -> repair.Position:
    [position] = [p for p in repair.positions(instance) if p.failed]
    return position


def _events(instance: ProcessInstance, kind: str) -> list[InstanceEvent]:
    db.session.commit()
    return list(db.session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id,
                                                               InstanceEvent.kind == kind)))


def _variables_form(instance: ProcessInstance, guid: str, rows: list[tuple[str, str, str]], reason: str = "",
                    version: int | None = None) -> dict[str, Any]:
    """The edit screen's form: every existing row as shown, then ``rows`` as new or changed ones."""
    _position, shown = repair.variables(instance, guid)
    names = [v.name for v in shown]
    kinds = [v.type.value for v in shown]
    texts = [v.text for v in shown]
    form: dict[str, Any] = {"guid": guid, "version": str(version if version is not None else instance.version_id),
                            "reason": reason, "was_type": list(kinds), "was_value": list(texts)}
    for name, kind, text in rows:
        if name in names:
            index = names.index(name)
            kinds[index], texts[index] = kind, text
        else:
            names.append(name)
            kinds.append(kind)
            texts.append(text)
    form.update(name=names, type=kinds, value=texts)
    return form


def test_fix_the_misspelt_variable_then_retry_and_finish(login_as, deploy_fixture):
    instance = _broken_gateway(deploy_fixture)
    monitor = login_as(MONITOR)
    page = monitor.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert "修复（改变量、退回、跳过）" in page
    position = _failed_position(instance)
    assert position.name == "金额判断" and position.state == "出错" and not position.skippable
    screen = monitor.get(f"/workflow/instances/{instance.id}/repair").get_data(as_text=True)
    assert "金额判断" in screen and "金额(Decimal)" in screen and 'data-variable="amount"' in screen

    form = _variables_form(instance, position.guid, [("amonut", "decimal", "120.00")], reason="条件里的变量名拼错")
    response = monitor.post(f"/workflow/instances/{instance.id}/repair/variables", data=form)
    assert response.status_code == 302
    instance = _restart(instance)
    assert instance.status == InstanceStatus.ERROR  # nothing runs until 重试
    [event] = _events(instance, "variables")
    assert event.comment == "条件里的变量名拼错" and event.task_name == "金额判断"
    assert event.data == {"changes": [{"name": "amonut", "old": None, "new": "120.00"}]}
    [audit] = audit_rows("workflow.instance.variables")
    assert audit.object_id == str(instance.id) and audit.after == {"amonut": "120.00"}
    assert audit.actor_name == user_named(MONITOR).name
    history = monitor.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert "修改流程变量" in history and "amonut" in history and "（无） → 120.00" in history

    monitor.post(f"/workflow/instances/{instance.id}/retry")
    instance = _restart(instance)
    assert instance.status == InstanceStatus.RUNNING
    [review] = _open(instance)
    assert review.name == "财务审核"
    workflow.complete_task(db.session, review.id, user_named("finance01"), {}, outcome="pass")
    instance = _restart(instance)
    assert instance.status == InstanceStatus.COMPLETED


def _nothing_written(instance: ProcessInstance, version: int) -> None:
    instance = _restart(instance)
    assert instance.version_id == version and instance.status == InstanceStatus.ERROR
    assert not _events(instance, "variables") and not audit_rows("workflow.instance.variables")


def test_refusals_are_in_chinese_and_change_nothing(login_as, deploy_fixture):
    instance = _broken_gateway(deploy_fixture)
    version = instance.version_id
    guid = _failed_position(instance).guid
    monitor = login_as(MONITOR)
    url = f"/workflow/instances/{instance.id}/repair/variables"

    bad = monitor.post(url, data=_variables_form(instance, guid, [("amonut", "integer", "12x")], reason="修正"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "变量“amonut”须为整数，例如 42（填写的是“12x”）" in text
    assert 'value="12x"' in text and "修正" in text  # what was typed is still there
    for kind, value, message in (("decimal", "12,3,4x", "须为金额"), ("date", "2026-02-30", "须为日期"),
                                 ("boolean", "也许", "须为“是”或“否”"), ("json", "{amount: 1", "不是有效的 JSON")):
        answer = monitor.post(url, data=_variables_form(instance, guid, [("amonut", kind, value)], reason="修正"))
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), kind
    named = monitor.post(url, data=_variables_form(instance, guid, [("1abc", "text", "x")], reason="修正"))
    assert named.status_code == 422 and "变量名“1abc”无效" in named.get_data(as_text=True)
    unreasoned = monitor.post(url, data=_variables_form(instance, guid, [("amonut", "decimal", "120")]))
    assert unreasoned.status_code == 422 and "请填写修改原因" in unreasoned.get_data(as_text=True)
    unchanged = monitor.post(url, data=_variables_form(instance, guid, [], reason="修正"))
    assert unchanged.status_code == 422 and "没有需要保存的修改" in unchanged.get_data(as_text=True)

    seat = login_as("seat01")  # no 流程实例管理
    assert seat.get(f"/workflow/instances/{instance.id}/repair").status_code == 403
    for action in ("variables", "move", "skip"):
        form = _variables_form(instance, guid, [("amonut", "decimal", "120")], reason="越权")
        assert seat.post(f"/workflow/instances/{instance.id}/repair/{action}", data=form).status_code == 403
    assert monitor.get("/workflow/instances/999999/repair").status_code == 404
    _nothing_written(instance, version)


def test_two_monitors_editing_at_once_one_wins_the_other_is_told(login_as, deploy_fixture):
    instance = _broken_gateway(deploy_fixture)
    guid = _failed_position(instance).guid
    first, second = login_as(MONITOR), login_as("admin")
    form_one = _variables_form(instance, guid, [("amonut", "decimal", "120")], reason="第一位")
    form_two = _variables_form(instance, guid, [("amonut", "decimal", "5")], reason="第二位")  # same page state
    assert first.post(f"/workflow/instances/{instance.id}/repair/variables", data=form_one).status_code == 302
    late = second.post(f"/workflow/instances/{instance.id}/repair/variables", data=form_two)
    assert late.status_code == 409 and "流程实例已被他人修改" in late.get_data(as_text=True)
    instance = _restart(instance)
    assert [e.comment for e in _events(instance, "variables")] == ["第一位"]
    assert {v.name: v.text for v in repair.variables(instance, guid)[1]}["amonut"] == "120"

    # Two saves at the same moment: the one that read the row before the other wrote it loses on the lock.
    read_before = instance.version_id
    form_three = _variables_form(instance, guid, [("amonut", "decimal", "300")], reason="第三位")
    assert first.post(f"/workflow/instances/{instance.id}/repair/variables", data=form_three).status_code == 302
    admin = user_named("admin")
    instance = _restart(instance)
    assert instance.version_id == read_before + 1
    set_committed_value(instance, "version_id", read_before)  # as a request that loaded it a moment earlier
    with pytest.raises(StaleDataError):
        repair.edit_variables(db.session, instance, admin, guid=guid, version=None,
                              changes={"amonut": Decimal("7")}, deleted=[], reason="同时保存")
    db.session.rollback()
    instance = _restart(instance)
    assert [e.comment for e in _events(instance, "variables")] == ["第一位", "第三位"]
    assert {v.name: v.text for v in repair.variables(instance, guid)[1]}["amonut"] == "300"


def test_move_back_to_a_passed_step_puts_it_in_the_inbox_again(login_as, deploy_fixture):
    instance = _broken_gateway(deploy_fixture)
    [done_fill] = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).all()
    targets = repair.targets(instance)
    assert [t.name for t in targets] == ["开始", "填写申请"]  # Chinese element names, in the order passed
    monitor = login_as(MONITOR)
    screen = monitor.get(f"/workflow/instances/{instance.id}/repair").get_data(as_text=True)
    assert '<option value="' + targets[1].guid + '">填写申请</option>' in screen
    url = f"/workflow/instances/{instance.id}/repair/move"
    unreasoned = monitor.post(url, data={"target": targets[1].guid, "version": str(instance.version_id)})
    assert unreasoned.status_code == 422 and "请填写修改原因" in unreasoned.get_data(as_text=True)
    nowhere = monitor.post(url, data={"target": "not-a-step", "reason": "退回", "version": str(instance.version_id)})
    assert nowhere.status_code == 422 and "请选择实例已经过的环节" in nowhere.get_data(as_text=True)

    response = monitor.post(url, data={"target": targets[1].guid, "reason": "金额填错，退回重填",
                                       "version": str(instance.version_id)})
    assert response.status_code == 302
    instance = _restart(instance)
    assert instance.status == InstanceStatus.RUNNING and instance.error_message == "", instance.error_message
    [fill] = _open(instance)
    assert fill.name == "填写申请" and fill.id != done_fill.id and fill.candidate_role == "seat"
    db.session.refresh(done_fill)
    assert done_fill.status == TaskStatus.COMPLETED  # what was done stays in the record
    [event] = _events(instance, "move")
    assert event.comment == "金额填错，退回重填" and event.data == {"from": ["金额判断"], "to": "填写申请"}
    assert audit_rows("workflow.instance.move")[0].summary == "退回到“填写申请”：金额填错，退回重填"
    inbox = login_as("seat01").get("/tasks/").get_data(as_text=True)
    assert "填写申请" in inbox

    # The waiting 填写申请 gets the variable the condition wants; completing it takes the big branch.
    position = next(p for p in repair.positions(instance) if p.name == "填写申请")
    assert position.state == "待办理" and position.skippable
    form = _variables_form(instance, position.guid, [("amonut", "decimal", "500")], reason="补上条件用的变量")
    assert monitor.post(f"/workflow/instances/{instance.id}/repair/variables", data=form).status_code == 302
    instance = _restart(instance)
    [fill] = _open(instance)
    workflow.complete_task(db.session, fill.id, user_named("seat01"), {"amount": Decimal("500")}, outcome="submit")
    instance = _restart(instance)
    assert [t.name for t in _open(instance)] == ["财务审核"]


def test_a_bad_timer_expression_is_skipped_and_the_instance_finishes(login_as, deploy_fixture):
    deploy_fixture("repair_timer")
    instance = _start_and_fill("test_repair_timer")
    assert instance.status == InstanceStatus.ERROR and "wait_dayz" in instance.error_message
    position = _failed_position(instance)
    assert position.name == "冷静期" and position.skippable
    monitor = login_as(MONITOR)
    screen = monitor.get(f"/workflow/instances/{instance.id}/repair?guid={position.guid}").get_data(as_text=True)
    assert "跳过“冷静期”" in screen
    url = f"/workflow/instances/{instance.id}/repair/skip"
    bad = monitor.post(url, data={"guid": position.guid, "version": str(instance.version_id), "reason": "跳过",
                                  "name": "waited", "type": "boolean", "value": "也许"})
    assert bad.status_code == 422 and "须为“是”或“否”" in bad.get_data(as_text=True)
    response = monitor.post(url, data={"guid": position.guid, "version": str(instance.version_id),
                                       "reason": "定时表达式有误，客户已同意不等待", "name": "waited",
                                       "type": "boolean", "value": "否"})
    assert response.status_code == 302
    instance = _restart(instance)
    assert instance.status == InstanceStatus.RUNNING
    [confirm] = _open(instance)
    assert confirm.name == "确认结果"
    assert workflow.task_data(confirm)["waited"] is False
    [event] = _events(instance, "skip")
    assert event.task_name == "冷静期" and event.comment == "定时表达式有误，客户已同意不等待"
    workflow.complete_task(db.session, confirm.id, user_named("seat01"), {}, outcome="done")
    assert _restart(instance).status == InstanceStatus.COMPLETED


def test_a_bad_timer_expression_is_fixed_by_a_variable_and_the_timer_then_fires(login_as, deploy_fixture):
    deploy_fixture("repair_timer")
    instance = _start_and_fill("test_repair_timer")
    position = _failed_position(instance)
    monitor = login_as(MONITOR)
    form = _variables_form(instance, position.guid, [("wait_dayz", "text", "2")], reason="补上等待天数")
    assert monitor.post(f"/workflow/instances/{instance.id}/repair/variables", data=form).status_code == 302
    monitor.post(f"/workflow/instances/{instance.id}/retry")
    instance = _restart(instance)
    assert instance.status == InstanceStatus.WAITING and instance.next_timer_at is not None
    assert timedelta(days=1, hours=23) < instance.next_timer_at - clock.now() <= timedelta(days=2)
    with time_machine.travel(clock.now() + timedelta(days=2, minutes=1), tick=False):
        advance_workflow_timers(db.session, clock.now())
    instance = _restart(instance)
    assert [t.name for t in _open(instance)] == ["确认结果"]


def test_a_waiting_timer_is_skipped_and_its_variables_edited(login_as, deploy_fixture):
    deploy_fixture("repair_timer")
    instance = _start_and_fill("test_repair_timer")
    monitor = login_as(MONITOR)
    form = _variables_form(instance, _failed_position(instance).guid, [("wait_dayz", "text", "30")], reason="补上")
    monitor.post(f"/workflow/instances/{instance.id}/repair/variables", data=form)
    monitor.post(f"/workflow/instances/{instance.id}/retry")
    instance = _restart(instance)
    [waiting] = repair.positions(instance)
    assert (waiting.name, waiting.state, waiting.failed) == ("冷静期", "等待中", False)
    form = _variables_form(instance, waiting.guid, [("note", "json", '{"by": "主管", "days": [1, 2]}')],
                           reason="记录审批意见")
    assert monitor.post(f"/workflow/instances/{instance.id}/repair/variables", data=form).status_code == 302
    instance = _restart(instance)
    assert instance.status == InstanceStatus.WAITING and instance.next_timer_at is not None  # still waiting
    shown = {v.name: (v.type, v.text) for v in repair.variables(instance, waiting.guid)[1]}
    assert shown["note"] == (repair.VariableType.JSON, '{"by": "主管", "days": [1, 2]}')
    response = monitor.post(f"/workflow/instances/{instance.id}/repair/skip",
                            data={"guid": waiting.guid, "version": str(instance.version_id), "reason": "客户要求提前"})
    assert response.status_code == 302
    instance = _restart(instance)
    assert instance.status == InstanceStatus.RUNNING and instance.next_timer_at is None
    [confirm] = _open(instance)
    assert confirm.name == "确认结果" and workflow.task_data(confirm)["note"] == {"by": "主管", "days": [1, 2]}


def test_an_instance_in_error_moves_to_the_fixed_version_and_the_retry_runs_it(login_as, deploy_fixture):
    instance = _broken_gateway(deploy_fixture)
    fixed = deploy.deploy(db.session, GATEWAY.replace("amonut &gt;= 100", "amount &gt;= 100")).model
    start = GATEWAY.index('<bpmn:exclusiveGateway id="gw"')
    end = GATEWAY.index("</bpmn:exclusiveGateway>") + len("</bpmn:exclusiveGateway>")
    without_gateway = (GATEWAY[:start] + '<bpmn:exclusiveGateway id="gw2" name="新判断" default="f_small">'
                       '<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_big</bpmn:outgoing>'
                       '<bpmn:outgoing>f_small</bpmn:outgoing></bpmn:exclusiveGateway>' + GATEWAY[end:]).replace(
        'sourceRef="gw"', 'sourceRef="gw2"').replace('targetRef="gw"', 'targetRef="gw2"').replace(
        "<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>gw2</bpmn:flowNodeRef>").replace(
        "amonut &gt;= 100", "amount &gt;= 100")
    renamed = deploy.deploy(db.session, without_gateway).model
    instance = _restart(instance)
    monitor = login_as(MONITOR)
    page = monitor.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert f'data-version="{fixed.version}" data-safe="true"' in page
    assert f'data-version="{renamed.version}" data-safe="false"' in page
    assert "新版本没有出错的环节“金额判断”" in page
    refused = monitor.post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": renamed.id},
                           headers={"Referer": f"/workflow/instances/{instance.id}"})
    assert refused.status_code == 302 and _restart(instance).model_id != renamed.id

    assert monitor.post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": fixed.id}).status_code == 302
    instance = _restart(instance)
    assert instance.model_id == fixed.id and instance.status == InstanceStatus.ERROR  # waits for 重试
    monitor.post(f"/workflow/instances/{instance.id}/retry")
    instance = _restart(instance)
    assert instance.status == InstanceStatus.RUNNING and [t.name for t in _open(instance)] == ["财务审核"]
    [review] = _open(instance)
    workflow.complete_task(db.session, review.id, user_named("finance01"), {}, outcome="pass")
    assert _restart(instance).status == InstanceStatus.COMPLETED


def test_a_finished_instance_cannot_be_modified(login_as, deploy_fixture):
    deploy_fixture("repair_gateway")
    instance = _start_and_fill("test_repair")
    guid = _failed_position(instance).guid
    workflow.cancel(db.session, instance, "测试结束", None)
    instance = _restart(instance)
    monitor = login_as(MONITOR)
    assert "没有可以修复的环节" in monitor.get(f"/workflow/instances/{instance.id}/repair").get_data(as_text=True)
    answer = monitor.post(f"/workflow/instances/{instance.id}/repair/variables",
                          data={"guid": guid, "reason": "x", "name": ["amonut"], "type": ["decimal"],
                                "value": ["1"]})
    assert answer.status_code == 409 and "流程已结束，不能修改" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action.like("workflow.instance.%"))) == 0


KILLED_EDIT = """
import sys, time, time_machine
time_machine.travel(float(sys.argv[1]), tick=True).start()
from app import create_app
from app.auth.models import User
from app.extensions import db
from app.workflow import repair, store
from app.workflow.models import ProcessInstance
config = {**eval(sys.argv[2]), "SQLALCHEMY_DATABASE_URI": sys.argv[3]}
app = create_app(config, instance_path=sys.argv[4])
save_instance = store.save_instance

def saved_then_hang(*args, **kwargs):
    save_instance(*args, **kwargs)
    print("saved", flush=True)  # the instance row, its history and audit rows are written, not committed
    time.sleep(60)

store.save_instance = saved_then_hang
with app.app_context():
    instance = db.session.get(ProcessInstance, int(sys.argv[5]))
    actor = db.session.query(User).filter_by(username=sys.argv[6]).one()
    repair.edit_variables(db.session, instance, actor, guid=sys.argv[7], version=None,
                          changes={"amonut": 120}, deleted=[], reason="断电前的修改")
    db.session.commit()
print("finished", flush=True)
"""


def test_a_process_killed_in_the_middle_of_an_edit_leaves_the_instance_as_it_was(login_as, deploy_fixture,
                                                                                  database_url, tmp_path):
    instance = _broken_gateway(deploy_fixture)
    version, guid = instance.version_id, _failed_position(instance).guid
    db.session.commit()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_EDIT, str(clock.now().timestamp()), repr(BASE_CONFIG), database_url,
         str(tmp_path / "child-instance"), str(instance.id), MONITOR, guid],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        stderr = child.stderr.read() if child.stderr else ""
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    assert line.strip() == "saved" and child.returncode == -signal.SIGKILL, stderr

    _nothing_written(instance, version)
    instance = _restart(instance)
    assert "amonut" not in {v.name for v in repair.variables(instance, guid)[1]}
    form = _variables_form(instance, guid, [("amonut", "integer", "120")], reason="重新修改")
    assert login_as(MONITOR).post(f"/workflow/instances/{instance.id}/repair/variables", data=form).status_code == 302
    assert [e.comment for e in _events(_restart(instance), "variables")] == ["重新修改"]


def test_a_failed_script_is_skipped_with_the_result_it_should_have_given(login_as, deploy_fixture):
    deploy_fixture("script_task")
    instance = workflow.start(db.session, "test_script", data={"principal": Decimal("100"), "rate": 5,
                                                                "mode": "fail"})
    instance = _restart(instance)
    assert instance.status == InstanceStatus.ERROR
    position = _failed_position(instance)
    assert (position.name, position.skippable) == ("计算利息", True)
    response = login_as(MONITOR).post(
        f"/workflow/instances/{instance.id}/repair/skip",
        data={"guid": position.guid, "version": str(instance.version_id), "reason": "按人工核算结果继续",
              "name": "interest", "type": "decimal", "value": "5.00"})
    assert response.status_code == 302
    instance = _restart(instance)
    [confirm] = _open(instance)
    data = workflow.task_data(confirm)
    assert confirm.name == "确认结果" and data["interest"] == Decimal("5.00") and data["principal"] == Decimal("100")
    assert audit_rows("workflow.instance.skip")[0].after == {"data": {"interest": "5.00"}}
