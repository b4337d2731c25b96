"""发起流程: processes marked startable by the start event's startRoles, the start form, the business
owner chosen within the starter's scope, and tasks landing in the right inboxes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow import deploy
from app.workflow.models import InstanceStatus, ProcessInstance, WorkflowTask
from tests.conftest import DATA, user_named

CARE = (DATA / "care_callback.bpmn").read_text(encoding="utf-8")


def instances() -> list[ProcessInstance]:
    db.session.rollback()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "test_care_callback")
                                   .order_by(ProcessInstance.id)))


def test_only_users_holding_a_start_role_see_and_start_the_process(login_as, deploy_fixture):
    deploy_fixture("care_callback")
    deploy_fixture("approval")  # no startRoles: never offered
    seat = login_as("seat01")
    listing = seat.get("/workflow/start/").get_data(as_text=True)
    assert 'data-key="test_care_callback"' in listing and "test_approval" not in listing
    finance = login_as("finance01")
    assert 'data-key="test_care_callback"' not in finance.get("/workflow/start/").get_data(as_text=True)
    # The same rule and message as the API (app.workflow.launch.get_startable).
    refused = finance.get("/workflow/start/test_care_callback")
    assert refused.status_code == 403
    assert "您的角色不能发起“客户回访”：可发起角色为 流程设计、坐席" in refused.get_data(as_text=True)
    assert finance.post("/workflow/start/test_care_callback", data={"customer_name": "王五"}).status_code == 403
    assert instances() == []
    system_only = seat.get("/workflow/start/test_approval")
    assert system_only.status_code == 403 and "不能手工发起" in system_only.get_data(as_text=True)
    assert seat.get("/workflow/start/nope").status_code == 404
    assert login_as("admin").get("/workflow/start/test_care_callback").status_code == 200


def test_a_seat_starts_for_themselves_with_the_start_form_and_gets_the_task(login_as, deploy_fixture):
    deploy_fixture("care_callback")
    seat = login_as("seat01")
    page = seat.get("/workflow/start/test_care_callback").get_data(as_text=True)
    assert 'name="customer_name"' in page and 'name="owner_id"' in page
    refused = seat.post("/workflow/start/test_care_callback", data={"customer_name": "", "callback_on": "x"})
    assert refused.status_code == 422 and "请填写客户姓名" in refused.get_data(as_text=True)
    assert instances() == []
    response = seat.post("/workflow/start/test_care_callback",
                         data={"customer_name": "王五", "callback_on": "2026-12-01"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tasks/")
    [instance] = instances()
    me = user_named("seat01")
    assert instance.owner_id == me.id and instance.org_id == me.org_id and instance.started_by_id == me.id
    assert instance.status == InstanceStatus.RUNNING and instance.next_timer_at is not None
    inbox = seat.get("/tasks/?tab=mine").get_data(as_text=True)
    assert "电话回访" in inbox and "已发起“客户回访”" in inbox
    task = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).one()
    detail = seat.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "电话回访" in detail
    from app import workflow

    data = workflow.task_data(task)
    assert data["customer_name"] == "王五" and str(data["callback_on"]) == "2026-12-01"
    assert data["initiator_id"] == me.id and data["owner_id"] == me.id
    # Another seat does not see it (seats' scope is their own business).
    assert "电话回访" not in login_as("seat02").get("/tasks/?tab=group").get_data(as_text=True)


@pytest.mark.db_sensitive
def test_a_designer_starts_for_a_seat_whose_inbox_receives_the_task(login_as, deploy_fixture):
    deploy_fixture("care_callback")
    designer = login_as("designer01")
    seat = user_named("seat01")
    page = designer.get("/workflow/start/test_care_callback").get_data(as_text=True)
    assert f'<option value="{seat.id}"' in page
    response = designer.post("/workflow/start/test_care_callback", data={"owner_id": seat.id, "customer_name": "赵六"})
    assert response.status_code == 302
    [instance] = instances()
    assert instance.owner_id == seat.id and instance.started_by_id == user_named("designer01").id
    assert "电话回访" in login_as("seat01").get("/tasks/?tab=mine").get_data(as_text=True)


def test_a_seat_cannot_start_on_behalf_of_someone_outside_their_scope(login_as, deploy_fixture):
    deploy_fixture("care_callback")
    seat = login_as("seat01")
    other = user_named("seat02")
    page = seat.get("/workflow/start/test_care_callback").get_data(as_text=True)
    assert f'<option value="{other.id}"' not in page
    response = seat.post("/workflow/start/test_care_callback", data={"owner_id": other.id, "customer_name": "王五"})
    assert response.status_code == 403
    assert instances() == []


def test_start_roles_and_start_forms_are_checked_at_deployment(app):
    bad = CARE.replace('value="seat,process_designer"', 'value="seat,nobody"').replace(
        'value="test_callback_request"', 'value="no_such_form"')
    with pytest.raises(deploy.DeploymentRefused) as exc:
        deploy.deploy(db.session, bad)
    messages = {(p.element_id, p.message) for p in exc.value.problems}
    assert ("start", "可发起角色“nobody”不是已知角色的名称或编码") in messages
    assert ("start", "发起表单“no_such_form”不存在或定义有误") in messages
    db.session.rollback()
