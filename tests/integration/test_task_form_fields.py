"""Task forms built in the browser (form-js schemas): versioned with the diagram, 客户 / 附件 fields checked on the
server (data scope, uploader), shown by name, and nothing typed lost on a refusal."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

from sqlalchemy import select

from app import workflow
from app.designer.models import ProcessModelForm, TaskFormFile
from app.extensions import db
from app.workflow import views
from app.workflow.models import ProcessInstance, ProcessModel, WorkflowTask
from tests.conftest import DATA, user_named
from tests.customer_helpers import make_customer

JSON = {"Accept": "application/json"}
RESULT = {"type": "select", "id": "Field_result", "key": "result", "label": "回访结果",
          "values": [{"label": "满意", "value": "ok"}, {"label": "不满意", "value": "bad"}],
          "validate": {"required": True}}
RATING = {"type": "number", "id": "Field_rating", "key": "rating", "label": "满意度评分",
          "validate": {"required": True, "min": 1, "max": 5}}
CUSTOMER = {"type": "licai-customer", "id": "Field_customer", "key": "customer_id", "label": "回访客户",
            "validate": {"required": True}}
RECORD = {"type": "licai-file", "id": "Field_record", "key": "record_file", "label": "回访记录单",
          "properties": {"accept": ".pdf,.txt"}, "validate": {"required": True}}
PDF = b"%PDF-1.4\n%test\n"


def form_schema(*components: dict[str, Any]) -> str:
    return json.dumps({"type": "default", "id": "Form_callback_note", "schemaVersion": 16,
                       "components": list(components),
                       "licai": {"title": "回访记录", "outcomes": [["done", "已回访"], ["later", "稍后再联系"]]}},
                      ensure_ascii=False)


def design(login_as: Any, *components: dict[str, Any], create: bool = True) -> Any:
    """Save the form callback_note and deploy test_timer with it (its task 回访客户 goes to the seat)."""
    client = login_as("designer01")
    url = "/designer/forms/new" if create else "/designer/forms/callback_note"
    saved = client.post(url, data={"key": "callback_note", "schema": form_schema(*components), "action": "save"})
    assert saved.status_code == 302
    xml = (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8").replace('value="test_comment"',
                                                                               'value="callback_note"')
    return client.post("/designer/processes/test_timer/deploy", json={"xml": xml, "comment": "回访表单",
                                                                     "confirm": True}, headers=JSON)


def start_task() -> WorkflowTask:
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    return db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).one()


def test_an_instance_keeps_the_form_of_its_version_when_the_form_is_edited(login_as):
    assert design(login_as, RESULT).status_code == 201
    old_task = start_task()
    # The designer adds a required rating and deploys again: the same diagram with a changed form is version 2.
    redeployed = design(login_as, RESULT, RATING, create=False)
    assert redeployed.status_code == 201 and redeployed.get_json()["version"] == 2
    db.session.rollback()
    models = db.session.scalars(select(ProcessModel).where(ProcessModel.key == "test_timer")
                                .order_by(ProcessModel.version)).all()
    kept = {m.version: db.session.scalar(select(ProcessModelForm.schema).where(ProcessModelForm.model_id == m.id))
            for m in models}
    assert [c["key"] for c in kept[1]["components"]] == ["result"]
    assert [c["key"] for c in kept[2]["components"]] == ["result", "rating"]
    new_task = start_task()
    seat = login_as("seat01")
    old_page = seat.get(f"/tasks/{old_task.id}").get_data(as_text=True)
    new_page = seat.get(f"/tasks/{new_task.id}").get_data(as_text=True)
    assert "回访结果" in old_page and "满意度评分" not in old_page  # v1's form
    assert "满意度评分" in new_page
    refused = seat.post(f"/tasks/{new_task.id}/complete", data={"result": "ok", "outcome": "done"})
    assert refused.status_code == 422 and "请填写满意度评分" in refused.get_data(as_text=True)
    assert seat.post(f"/tasks/{old_task.id}/complete", data={"result": "ok", "outcome": "done"}).status_code == 302
    assert seat.post(f"/tasks/{new_task.id}/complete",
                     data={"result": "ok", "rating": "4", "outcome": "done"}).status_code == 302
    # Deploying the unchanged diagram with the unchanged form makes no version 3.
    assert design(login_as, RESULT, RATING, create=False).status_code == 200


def test_a_customer_outside_the_users_scope_is_refused_and_nothing_typed_is_lost(login_as):
    mine = make_customer("回访甲", seat="seat01")
    theirs = make_customer("别人的客户", seat="seat02")
    design(login_as, CUSTOMER, RESULT)
    task = start_task()
    seat = login_as("seat01")
    found = seat.get("/tasks/lookup/customer.json?q=回访甲").get_json()
    assert found == [{"id": mine.id, "label": f"回访甲（{mine.number}）"}]
    assert seat.get("/tasks/lookup/customer.json?q=别人的客户").get_json() == []  # out of scope: not offered
    page = seat.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "data-reference-picker" in page and "<select" not in page.split('id="customer_id"')[0][-300:]
    assert "/static/js/task_form.js" in page
    # A forged post naming a customer the seat may not see is refused by the server.
    refused = seat.post(f"/tasks/{task.id}/complete", data={"customer_id": str(theirs.id), "result": "bad",
                                                            "comment": "客户说下周再联系", "outcome": "done"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "回访客户：所选客户不存在或不在您的数据范围内" in body
    assert "别人的客户" not in body  # never shows a customer outside the scope
    assert "客户说下周再联系" in body and re.search(r'<option selected value="bad">|<option value="bad" selected',
                                                     body)  # what was typed is still there
    # Another mistake with the own customer: the picker shows the customer's name, not the id.
    again = seat.post(f"/tasks/{task.id}/complete", data={"customer_id": str(mine.id), "outcome": "done"})
    assert again.status_code == 422 and f"已选：回访甲（{mine.number}）" in again.get_data(as_text=True)
    done = seat.post(f"/tasks/{task.id}/complete", data={"customer_id": str(mine.id), "result": "ok",
                                                         "outcome": "done"})
    assert done.status_code == 302
    db.session.rollback()
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert views.instance_data(instance)["customer_id"] == mine.id


def test_a_file_field_stores_the_upload_and_serves_it_to_who_may_see_it(login_as):
    design(login_as, RECORD, RESULT)
    task = start_task()
    seat = login_as("seat01")
    page = seat.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="record_file__upload"' in page
    assert 'accept=".pdf,.txt"' in page
    wrong = seat.post(f"/tasks/{task.id}/complete", data={"record_file__upload": (BytesIO(b"MZ\x90"), "a.exe"),
                                                          "result": "ok", "outcome": "done"},
                      content_type="multipart/form-data")
    assert wrong.status_code == 422 and "回访记录单：只接受 .pdf、.txt 文件" in wrong.get_data(as_text=True)
    fake = seat.post(f"/tasks/{task.id}/complete", data={"record_file__upload": (BytesIO(b"hello"), "a.pdf"),
                                                         "result": "ok", "outcome": "done"},
                     content_type="multipart/form-data")
    assert fake.status_code == 422 and "的内容与其类型不符" in fake.get_data(as_text=True)
    # A good file with the result missing: the file is kept and shown, the seat does not upload it again.
    kept = seat.post(f"/tasks/{task.id}/complete", data={"record_file__upload": (BytesIO(PDF), "回访单.pdf"),
                                                         "outcome": "done"}, content_type="multipart/form-data")
    body = kept.get_data(as_text=True)
    db.session.rollback()
    stored = db.session.scalars(select(TaskFormFile)).one()
    assert kept.status_code == 422 and "已上传：" in body and "回访单.pdf" in body
    assert f'name="record_file" type="hidden" value="{stored.id}"' in body
    assert stored.uploaded_by_id == user_named("seat01").id and stored.form_key == "callback_note"
    # Someone else's file id cannot be slipped in.
    other = login_as("seat02")
    forged = other.get(f"/tasks/files/{stored.id}?task={task.id}")
    assert forged.status_code == 404
    done = seat.post(f"/tasks/{task.id}/complete", data={"record_file": str(stored.id), "result": "ok",
                                                         "outcome": "done"}, content_type="multipart/form-data")
    assert done.status_code == 302
    db.session.rollback()
    assert views.instance_data(db.session.get(ProcessInstance, task.instance_id))["record_file"] == stored.id
    download = seat.get(f"/tasks/files/{stored.id}?task={task.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "filename*=UTF-8''%E5%9B%9E%E8%AE%BF%E5%8D%95.pdf" in download.headers["Content-Disposition"]
    assert other.get(f"/tasks/files/{stored.id}").status_code == 404  # not the uploader, no task they see


def test_a_file_uploaded_by_another_user_is_refused(login_as):
    design(login_as, RECORD, RESULT)
    task = start_task()
    row = TaskFormFile(form_key="callback_note", filename="x.pdf", content_type="application/pdf", size=len(PDF),
                       sha256="0" * 64, content=PDF, uploaded_by_id=user_named("seat02").id)
    db.session.add(row)
    db.session.commit()
    seat = login_as("seat01")
    refused = seat.post(f"/tasks/{task.id}/complete", data={"record_file": str(row.id), "result": "ok",
                                                            "outcome": "done"})
    assert refused.status_code == 422
    assert "回访记录单：附件不存在，或不是您为此表单上传的文件，请重新上传" in refused.get_data(as_text=True)


def test_the_api_refuses_a_customer_outside_the_scope_too(login_as, api_as):
    theirs = make_customer("别人的客户", seat="seat02")
    mine = make_customer("回访乙", seat="seat01")
    design(login_as, CUSTOMER, RESULT)
    task = start_task()
    api = api_as("seat01")
    refused = api.post(f"/api/v1/tasks/{task.id}/complete", json={
        "data": {"customer_id": theirs.id, "result": "ok"}, "outcome": "done"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["customer_id"] == ["回访客户：所选客户不存在或不在您的数据范围内"]
    done = api.post(f"/api/v1/tasks/{task.id}/complete", json={
        "data": {"customer_id": mine.id, "result": "ok"}, "outcome": "done"})
    assert done.status_code == 200


def test_a_start_form_uses_the_form_deployed_with_the_version_and_checks_the_customer(login_as):
    theirs = make_customer("别人的客户", seat="seat02")
    mine = make_customer("回访丙", seat="seat01")
    designer = login_as("designer01")
    assert designer.post("/designer/forms/new", data={"key": "callback_start", "schema": form_schema(CUSTOMER),
                                                       "action": "save"}).status_code == 302
    xml = (DATA / "care_callback.bpmn").read_text(encoding="utf-8").replace('value="test_callback_request"',
                                                                            'value="callback_start"')
    assert designer.post("/designer/processes/test_care_callback/deploy", json={
        "xml": xml, "comment": "客户字段", "confirm": True}, headers=JSON).status_code == 201
    # Edited after the deployment (not deployed again): the start page keeps the deployed form.
    designer.post("/designer/forms/callback_start", data={"schema": form_schema(CUSTOMER, RATING),
                                                          "action": "save"})
    seat = login_as("seat01")
    page = seat.get("/workflow/start/test_care_callback").get_data(as_text=True)
    assert "回访客户" in page and "data-reference-picker" in page and "满意度评分" not in page
    refused = seat.post("/workflow/start/test_care_callback", data={"owner_id": str(user_named("seat01").id),
                                                                    "customer_id": str(theirs.id)})
    assert refused.status_code == 422
    assert "回访客户：所选客户不存在或不在您的数据范围内" in refused.get_data(as_text=True)
    started = seat.post("/workflow/start/test_care_callback", data={"owner_id": str(user_named("seat01").id),
                                                                    "customer_id": str(mine.id)})
    assert started.status_code == 302
    db.session.rollback()
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "test_care_callback")
                                  ).one()
    assert views.instance_data(instance)["customer_id"] == mine.id
