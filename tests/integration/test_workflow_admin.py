"""流程监控 actions: migration to a newer version (safe and refused), retry of an incident, API start."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.workflow import deploy, migration
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import DATA, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")


def _open_names(instance: ProcessInstance) -> list[str]:
    db.session.commit()
    return list(db.session.scalars(select(WorkflowTask.name).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))


def _waiting_at_review(deploy_fixture) -> ProcessInstance:
    deploy_fixture("approval")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", org_id=seat.org_id, owner_id=seat.id)
    [task] = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).all()
    workflow.complete_task(db.session, task.id, seat, {"amount": Decimal("120")}, outcome="submit")
    db.session.commit()
    return instance


def test_safe_migration_moves_the_waiting_task_to_the_new_version(login_as, deploy_fixture):
    instance = _waiting_at_review(deploy_fixture)
    v2 = deploy.deploy(db.session, APPROVAL.replace('name="财务审核"', 'name="财务复核"')).model
    db.session.commit()
    assert migration.check(instance, v2).safe
    response = login_as("admin").post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": v2.id})
    assert response.status_code == 302
    db.session.refresh(instance)
    assert instance.model_id == v2.id and _open_names(instance) == ["财务复核"]
    finance = user_named("finance01")
    [task] = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                           WorkflowTask.status == TaskStatus.OPEN)).all()
    workflow.complete_task(db.session, task.id, finance, {}, outcome="pass")
    db.session.commit()
    assert instance.status == InstanceStatus.COMPLETED


def test_migration_is_refused_when_the_new_version_removes_a_step_the_instance_passed(login_as, deploy_fixture):
    instance = _waiting_at_review(deploy_fixture)
    start = APPROVAL.index('<bpmn:userTask id="fill"')
    end = APPROVAL.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    text = (APPROVAL[:start] + APPROVAL[end:]).replace("<bpmn:flowNodeRef>fill</bpmn:flowNodeRef>", "").replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />', "").replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />',
        '<bpmn:sequenceFlow id="f2" sourceRef="start" targetRef="review" />').replace(
        '<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>', '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:startEvent>')
    v2 = deploy.deploy(db.session, text).model
    db.session.commit()
    check = migration.check(instance, v2)
    assert not check.safe and any("填写申请" in reason for reason in check.reasons)
    admin = login_as("admin")
    response = admin.post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": v2.id},
                          headers={"Referer": f"/workflow/instances/{instance.id}"})
    assert response.status_code == 302
    assert "不能迁移" in admin.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    db.session.refresh(instance)
    assert instance.model.version == 1 and _open_names(instance) == ["财务审核"]


def test_incident_retry_from_the_monitor(login_as, deploy_fixture):
    deploy_fixture("script_task")
    instance = workflow.start(db.session, "test_script", data={"principal": Decimal("100"), "rate": 5,
                                                                "mode": "fail"})
    db.session.commit()
    admin = login_as("admin")
    page = admin.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert 'id="incident"' in page and "DivisionByZero" in page
    assert login_as("seat01").post(f"/workflow/instances/{instance.id}/retry").status_code == 403
    admin.post(f"/workflow/instances/{instance.id}/retry")
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.ERROR  # same data, same failure, reported again
    events = admin.get(f"/api/v1/process-instances/{instance.id}")
    assert events.status_code == 401  # the API takes tokens, not the browser's cookie


def test_api_starts_a_process_and_refuses_unknown_ones(api_as, deploy_fixture):
    deploy_fixture("care_callback")  # startRoles: seat, process_designer
    designer = api_as("designer01")
    created = designer.post("/api/v1/process-instances", json={"process_key": "test_care_callback",
                                                                "business_key": "api:1",
                                                                "data": {"customer_name": "王五"}})
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "running" and [t["name"] for t in body["current_tasks"]] == ["电话回访"]
    missing = designer.post("/api/v1/process-instances", json={"process_key": "nope"})
    assert missing.status_code == 404 and "尚未部署" in missing.get_json()["error"]["message"]
    refused = api_as("finance01").post("/api/v1/process-instances", json={"process_key": "test_care_callback"})
    assert refused.status_code == 403
