"""Migration from the monitor: offered where SpiffWorkflow's diff says it is safe, explained where not,
for one instance (its page) and for many (a version's migration page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import ProcessInstance, ProcessModel, TaskStatus, WorkflowTask
from tests.conftest import DATA, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")
SAFE = APPROVAL.replace('name="财务审核"', 'name="财务复核"')  # only a rename of a later task
# v3 drops the seat's step: start goes straight to the finance review.
UNSAFE = (APPROVAL.replace("<bpmn:flowNodeRef>fill</bpmn:flowNodeRef>", "")
          .replace('<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />',
                   '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />')
          .replace('<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />', ""))
UNSAFE = UNSAFE[:UNSAFE.index('    <bpmn:userTask id="fill"')] + UNSAFE[UNSAFE.index('    <bpmn:userTask id="review"'):]
UNSAFE = UNSAFE.replace("<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>",
                        "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>")


def versions_deployed(*documents: str) -> list[ProcessModel]:
    models = [deploy.deploy(db.session, text, comment=f"v{index}").model for index, text in enumerate(documents, 1)]
    db.session.commit()
    return models


def waiting_instance() -> ProcessInstance:
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", title="待迁移", org_id=seat.org_id, owner_id=seat.id,
                              actor=seat)
    db.session.commit()
    return instance


@pytest.mark.db_sensitive
def test_the_instance_page_offers_safe_versions_and_explains_unsafe_ones(login_as):
    v1, = versions_deployed(APPROVAL)
    instance = waiting_instance()
    v2, v3 = versions_deployed(SAFE, UNSAFE)
    client = login_as("designer01")
    page = client.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert 'data-version="2" data-safe="true"' in page and "迁移到第 2 版" in page
    assert 'data-version="3" data-safe="false"' in page
    assert "新版本删除了实例已经过或正停留的环节“填写申请”" in page
    refused = client.post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": v3.id},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 409 and "填写申请" in refused.get_json()["error"]["message"]
    moved = client.post(f"/workflow/instances/{instance.id}/migrate", data={"model_id": v2.id})
    assert moved.status_code == 302
    db.session.rollback()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.model_id == v2.id
    task = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == TaskStatus.OPEN)).one()
    assert task.element_id == "fill"
    # It still runs on the new version: after the seat's step, the renamed task appears.
    seat_client = login_as("seat01")
    completed = seat_client.post(f"/tasks/{task.id}/complete", data={"amount": "120", "outcome": "submit"})
    assert completed.status_code == 302
    db.session.rollback()
    names = set(db.session.scalars(select(WorkflowTask.name).where(WorkflowTask.instance_id == instance.id)))
    assert "财务复核" in names
    assert "迁移版本" in client.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert v1.version == 1


@pytest.mark.db_sensitive
def test_the_migration_page_moves_the_safe_instances_and_skips_the_others(login_as):
    versions_deployed(APPROVAL)
    at_fill = waiting_instance()
    past_fill = waiting_instance()
    workflow.complete_task(db.session, db.session.scalars(select(WorkflowTask.id).where(
        WorkflowTask.instance_id == past_fill.id)).one(), user_named("seat01"), {"amount": 50}, outcome="submit")
    db.session.commit()
    _v2, v3 = versions_deployed(SAFE, UNSAFE)
    client = login_as("designer01")
    page = client.get(f"/workflow/models/{v3.id}/migration").get_data(as_text=True)
    assert f'data-instance="{at_fill.id}" data-safe="false"' in page
    assert f'data-instance="{past_fill.id}" data-safe="false"' in page  # passed fill: removed in v3 too
    assert "不能迁移" in page and "填写申请" in page
    v4, = versions_deployed(SAFE.replace('name="是否通过"', 'name="审核结论"'))
    page = client.get(f"/workflow/models/{v4.id}/migration").get_data(as_text=True)
    assert f'data-instance="{at_fill.id}" data-safe="true"' in page
    response = client.post(f"/workflow/models/{v4.id}/migration",
                           data={"instance_id": [str(at_fill.id), str(past_fill.id)]})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(ProcessInstance, at_fill.id).model_id == v4.id
    assert db.session.get(ProcessInstance, past_fill.id).model_id == v4.id
    # Nothing left to move, and seats may not see any of this.
    assert "没有在旧版本上运行的实例" in client.get(f"/workflow/models/{v4.id}/migration").get_data(as_text=True)
    assert login_as("seat01").get(f"/workflow/models/{v4.id}/migration").status_code == 403
