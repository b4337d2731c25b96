"""Diagrams from Camunda Modeler: uploaded in the designer or deployed by ``flask bpmn deploy``, translated
into this product's conventions, run to the end with tasks routed by camunda:candidateGroups / candidateUsers /
assignee; what cannot be translated is refused naming the element."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from app import clock, workflow
from app.designer.models import DesignDraft
from app.extensions import db
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel, TaskStatus, WorkflowTask
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import DATA, REPO, audit_rows, user_named

CAMUNDA = DATA / "camunda"
EXPENSE = (CAMUNDA / "expense_claim.bpmn").read_bytes()
UNTRANSLATABLE = (CAMUNDA / "untranslatable.bpmn").read_text(encoding="utf-8")
JSON = {"Accept": "application/json"}


def _open_tasks(instance_id: int) -> list[WorkflowTask]:
    db.session.rollback()
    return list(db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance_id,
                                                              WorkflowTask.status == TaskStatus.OPEN)))


def _instance(key: str = "camunda_expense") -> ProcessInstance:
    db.session.rollback()
    return db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == key)
                              .order_by(ProcessInstance.id.desc())).first()


def _cli_deploy(runner, tmp_path: Path, *files: Path):
    folder = tmp_path / "bpmn"
    folder.mkdir(exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)
    return runner.invoke(args=["bpmn", "deploy", "--dir", str(folder), "--rules", str(REPO / "rules")])


@pytest.mark.db_sensitive  # the inbox queries over further candidates, on PostgreSQL too
def test_a_camunda_modeler_diagram_uploaded_in_the_designer_runs_to_the_end(login_as):
    designer = login_as("designer01")
    uploaded = designer.post("/designer/upload", data={"file": (io.BytesIO(EXPENSE), "报销.bpmn")},
                             content_type="multipart/form-data")
    assert uploaded.status_code == 302 and uploaded.headers["Location"].endswith("/designer/processes/camunda_expense")
    page = designer.get("/designer/processes/camunda_expense").get_data(as_text=True)
    assert "已由 Camunda Modeler 格式转换" in page and "校验通过" in page
    draft = db.session.scalar(select(DesignDraft).where(DesignDraft.key == "camunda_expense"))
    # The designer shows what the engine will run: our properties, quoted timer, Python conditions.
    assert "camunda:formKey" not in draft.xml and "camunda:candidateGroups" not in draft.xml
    assert '<spiffworkflow:property name="candidateUsers" value="finance02"/>' in draft.xml
    assert '"PT5M"' in draft.xml and "((outcome == 'pass') and (amount &gt; 1000))" in draft.xml
    deployed = designer.post("/designer/processes/camunda_expense/deploy", headers=JSON,
                             json={"xml": draft.xml, "comment": "从 Camunda 导入报销流程", "confirm": True})
    assert deployed.status_code == 201, deployed.get_data(as_text=True)
    model = db.session.scalar(select(ProcessModel).where(ProcessModel.key == "camunda_expense"))
    [audit] = audit_rows("workflow.deploy", model)
    assert audit.after["translated_from"] == "Camunda Modeler" and "Camunda Modeler" in audit.summary

    # candidateStarterGroups="seat" made it startable by seats; camunda:formKey on the start event is the start form.
    seat = login_as("seat01")
    started = seat.post("/workflow/start/camunda_expense", data={"amount": "5000"})
    assert started.status_code == 302, started.get_data(as_text=True)
    [approve] = _open_tasks(_instance().id)
    # candidateGroups="部门主管, finance": both roles (by name and by code) may take it, each within its scope.
    assert (approve.name, approve.candidate_role, approve.form_key) == ("主管审批", "dept_head", "test_review")
    for username in ("head01", "finance01"):
        assert "主管审批" in login_as(username).get("/tasks/?tab=group").get_data(as_text=True), username
    assert "主管审批" not in login_as("seat02").get("/tasks/?tab=group").get_data(as_text=True)
    assert login_as("seat02").get(f"/tasks/{approve.id}").status_code == 404

    head = login_as("head01")
    done = head.post(f"/tasks/{approve.id}/complete", data={"outcome": "pass", "comment": "同意"})
    assert done.status_code == 302, done.get_data(as_text=True)
    # ${outcome == 'pass' && amount > 1000} → 财务复核, offered to candidateUsers="finance02" only.
    [review] = _open_tasks(_instance().id)
    assert review.name == "财务复核"
    finance02 = login_as("finance02")
    assert "财务复核" in finance02.get("/tasks/?tab=mine").get_data(as_text=True)
    assert "财务复核" not in finance02.get("/tasks/?tab=group").get_data(as_text=True)
    assert login_as("finance01").get(f"/tasks/{review.id}").status_code == 404
    assert "财务复核" not in login_as("head01").get("/tasks/?tab=group").get_data(as_text=True)
    finished = finance02.post(f"/tasks/{review.id}/complete", data={"outcome": "submit"})
    assert finished.status_code == 302, finished.get_data(as_text=True)
    assert _instance().status == InstanceStatus.COMPLETED


def _start(amount: str) -> ProcessInstance:
    seat = user_named("seat01")
    instance = workflow.start(db.session, "camunda_expense", org_id=seat.org_id, owner_id=seat.id, actor=seat,
                              data={"amount": Decimal(amount), "initiator_id": seat.id, "owner_id": seat.id})
    db.session.commit()
    return instance


def _approve(instance: ProcessInstance, outcome: str) -> None:
    [task] = _open_tasks(instance.id)
    workflow.complete_task(db.session, task.id, user_named("head01"), {}, outcome=outcome, comment="意见")
    db.session.commit()


def test_flask_bpmn_deploy_reads_a_camunda_diagram_and_every_branch_routes_to_the_right_people(runner, tmp_path):
    result = _cli_deploy(runner, tmp_path, CAMUNDA / "expense_claim.bpmn")
    assert result.exit_code == 0, result.output
    assert "camunda_expense" in result.output and "新版本" in result.output
    again = _cli_deploy(runner, tmp_path, CAMUNDA / "expense_claim.bpmn")
    assert "未变化" in again.output  # the stored (translated) version is recognised as the same content

    small = _start("800")  # #{outcome eq 'pass' and amount le 1000} → straight to the end
    _approve(small, "pass")
    assert _instance().status == InstanceStatus.COMPLETED and _open_tasks(small.id) == []

    rejected = _start("800")  # ${!(outcome == "pass")} → back to the initiator (assignee="${initiator}")
    _approve(rejected, "reject")
    [revise] = _open_tasks(rejected.id)
    assert (revise.name, revise.assignee_id) == ("修改报销单", user_named("seat01").id)

    late = _start("5000")  # finance02 does not review within PT5M: the boundary timer escalates to dept_head
    _approve(late, "pass")
    [review] = _open_tasks(late.id)
    assert review.name == "财务复核"
    with time_machine.travel(clock.now() + timedelta(minutes=4), tick=False):
        assert advance_workflow_timers(db.session, clock.now()).startswith("到期 0 个")
    with time_machine.travel(clock.now() + timedelta(minutes=6), tick=False):
        assert "已触发 1 个" in advance_workflow_timers(db.session, clock.now())
    [escalate] = _open_tasks(late.id)
    assert (escalate.name, escalate.candidate_role) == ("主管催办", "dept_head")
    workflow.complete_task(db.session, escalate.id, user_named("head01"), {}, outcome="submit")
    db.session.commit()
    assert _instance().status == InstanceStatus.COMPLETED


def test_untranslatable_juel_and_a_quartz_cron_are_refused_naming_the_elements(login_as, runner, tmp_path):
    problems = login_as("designer01").post("/designer/processes/camunda_reminder/validate", headers=JSON,
                                           json={"xml": UNTRANSLATABLE}).get_json()["problems"]
    by_element = {p["element_id"]: p for p in problems}
    assert by_element["Flow_0s3"]["element_name"] == "复访"
    assert "execution" in by_element["Flow_0s3"]["message"] and "无法自动转换" in by_element["Flow_0s3"]["message"]
    assert by_element["Event_daily"]["element_name"] == "每天九点提醒"
    assert "Quartz cron" in by_element["Event_daily"]["message"] and "R/PT1H" in by_element["Event_daily"]["message"]

    result = _cli_deploy(runner, tmp_path, CAMUNDA / "untranslatable.bpmn")
    assert result.exit_code != 0
    assert "复访（Flow_0s3）" in result.output and "每天九点提醒（Event_daily）" in result.output
    assert "未发布任何版本" in result.output
    db.session.rollback()
    assert db.session.scalar(select(ProcessModel).where(ProcessModel.key == "camunda_reminder")) is None


@pytest.mark.db_sensitive  # the UNION ALL branches over task candidates, on PostgreSQL too
def test_a_further_candidate_role_reaches_the_owner_under_mine_once_and_nobody_outside_its_scope(login_as):
    from app.workflow import deploy, inbox

    text = EXPENSE.decode("utf-8").replace('camunda:candidateGroups="部门主管, finance"',
                                           'camunda:candidateGroups="部门主管, 坐席"')
    deploy.deploy(db.session, text, source="tests/data/camunda/expense_claim.bpmn")
    db.session.commit()
    instance = _start("300")
    [approve] = _open_tasks(instance.id)
    seat = user_named("seat01")
    mine = db.session.scalars(inbox.query(db.session, seat, "mine")).all()
    group = db.session.scalars(inbox.query(db.session, seat, "group")).all()
    assert [t.id for t in mine] == [approve.id] and group == []
    assert inbox.counts(db.session, seat) == {"mine": 1, "group": 0, "total": 1}
    assert approve.id in [t.id for t in db.session.scalars(inbox.open_for(db.session, seat))]
    seat02 = user_named("seat02")  # a seat's scope is their own business
    for tab in ("mine", "group"):
        assert approve.id not in [t.id for t in db.session.scalars(inbox.query(db.session, seat02, tab))]
    assert approve.id not in [t.id for t in db.session.scalars(inbox.open_for(db.session, seat02))]
    assert login_as("seat02").get(f"/tasks/{approve.id}").status_code == 404
    assert approve.id in [t.id for t in db.session.scalars(inbox.query(db.session, user_named("head01"), "group"))]
    workflow.complete_task(db.session, approve.id, seat, {}, outcome="pass", comment="")
    db.session.commit()
    assert _instance().status == InstanceStatus.COMPLETED


def test_a_literal_camunda_assignee_is_a_username_and_an_unknown_one_leaves_the_task_to_its_candidates(app):
    from app.workflow import deploy

    for username, expected in (("seat02", "seat02"), ("nobody_here", None)):
        text = EXPENSE.decode("utf-8").replace('camunda:assignee="${initiator}"', f'camunda:assignee="{username}"')
        deploy.deploy(db.session, text, source="tests/data/camunda/expense_claim.bpmn")
        db.session.commit()
        instance = _start("800")
        _approve(instance, "reject")
        [revise] = _open_tasks(instance.id)
        assert revise.assignee_id == (user_named(expected).id if expected else None), username
        assert revise.candidate_role == "seat"


def test_unknown_candidate_groups_and_users_and_a_task_nobody_may_take_are_refused_at_deployment(app):
    from app.workflow import deploy

    text = (EXPENSE.decode("utf-8")
            .replace('camunda:candidateUsers="finance02"', 'camunda:candidateUsers="finance02,ghost"')
            .replace('camunda:candidateGroups="dept_head"', 'camunda:candidateGroups="不存在的角色"')
            .replace(' camunda:candidateGroups="seat"', ""))
    with pytest.raises(deploy.DeploymentRefused) as refused:
        deploy.deploy(db.session, text)
    found = {(p.element_id, p.message) for p in refused.value.problems}
    assert ("Activity_finance", "候选人“ghost”不是在职用户的用户名") in found
    assert ("Activity_escalate", "候选组“不存在的角色”不是已知角色的名称或编码") in found
    assert ("Activity_revise", "人工任务必须放在一个泳道中（泳道名称为角色），或设置候选组/候选人") in found
    assert len(found) == 3
