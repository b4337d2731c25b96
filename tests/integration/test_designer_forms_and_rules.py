"""流程设计: task forms defined in the browser (stored, resolved by the forms registry) and DMN decision
tables (validated, published, bundled into the processes that call them)."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from app import workflow
from app.designer.models import DesignDraft, TaskFormDefinition
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import DecisionTable, ProcessModel, WorkflowTask
from forms import registry as form_registry
from tests.conftest import DATA, audit_rows, user_named

JSON = {"Accept": "application/json"}
CALLBACK = {
    "type": "default", "id": "Form_callback_note", "schemaVersion": 16,
    "components": [{"type": "select", "id": "Field_result", "key": "result", "label": "回访结果",
                    "values": [{"label": "满意", "value": "ok"}, {"label": "不满意", "value": "bad"}],
                    "validate": {"required": True}}],
    "licai": {"title": "回访记录", "outcomes": [["done", "已回访"], ["later", "稍后再联系"]],
              "commentRequiredFor": ["later"]},
}
CALLBACK_FORM = json.dumps(CALLBACK, ensure_ascii=False)


def stored_form(key: str) -> TaskFormDefinition | None:
    db.session.rollback()
    return db.session.scalar(select(TaskFormDefinition).where(TaskFormDefinition.key == key))


@pytest.mark.db_sensitive
def test_a_form_defined_in_the_browser_is_stored_and_resolved_by_the_registry(login_as):
    client = login_as("designer01")
    page = client.get("/designer/forms/new").get_data(as_text=True)
    assert "licai-customer" in page and "&#34;components&#34;" in page  # a starting schema to edit
    catalog = json.loads(re.search(r'<script type="application/json" id="form-catalog">(.*?)</script>', page,
                                   re.S).group(1))
    assert {"code": "customer_grade", "name": "客户等级"} in catalog["dictionaries"]
    assert {"code": "colleagues", "label": "本分公司及总部的在职同事"} in catalog["people"]
    assert {"code": "seat", "name": "坐席"} in catalog["roles"]
    preview = client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM,
                                                        "action": "preview"}).get_data(as_text=True)
    assert 'id="form-preview"' in preview and "回访结果" in preview and "已回访" in preview
    assert "回访记录" in preview and "&#34;outcomes&#34;" in preview  # the schema stays in the editor
    assert stored_form("callback_note") is None  # a preview saves nothing
    response = client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM,
                                                         "action": "save"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/designer/forms/callback_note")
    row = stored_form("callback_note")
    assert row is not None and row.title == "回访记录" and row.author_id == user_named("designer01").id
    assert row.definition == CALLBACK  # the schema is what is stored
    assert audit_rows("create", row)[-1].actor_name == "郑设计"
    form_class = form_registry.resolve("callback_note")
    assert form_class.title == "回访记录" and dict(form_class.outcomes)["later"] == "稍后再联系"
    assert form_registry.exists("callback_note")
    listing = client.get("/designer/").get_data(as_text=True)
    assert 'data-key="callback_note"' in listing and "浏览器定义" in listing
    edit_page = client.get("/designer/forms/callback_note").get_data(as_text=True)
    assert "回访结果" in edit_page and 'id="form-preview"' in edit_page  # shown with its preview
    renamed = CALLBACK_FORM.replace("回访记录", "回访登记")
    edited = client.post("/designer/forms/callback_note",
                         data={"key": "callback_note", "schema": renamed, "action": "save"})
    assert edited.status_code == 302
    assert form_registry.resolve("callback_note").title == "回访登记"


def test_invalid_or_clashing_form_definitions_are_refused_in_chinese(login_as):
    client = login_as("designer01")
    button = {"components": [{"type": "button", "key": "go", "label": "提交按钮"}]}
    cases = [
        ("bad_json", '{"components": [', "不是有效的 JSON"),
        ("bad_type", json.dumps(button), "字段“提交按钮”：不支持的组件类型 button"),
        ("bad_name", json.dumps({"components": [{"type": "textfield", "key": "Outcome", "label": "结果"}]}),
         "字段“结果”：键（流程变量名）须以小写字母开头"),
        ("approval", CALLBACK_FORM, "已被系统表单使用"),
        ("Bad-Key", CALLBACK_FORM, "表单标识须以小写字母开头"),
    ]
    for key, text, message in cases:
        page = client.post("/designer/forms/new", data={"key": key, "schema": text, "action": "save"})
        body = page.get_data(as_text=True)
        assert page.status_code == 422 and message in body, key
        assert str(escape(text)) in body, key  # nothing typed is lost
        assert stored_form(key) is None
    client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM, "action": "save"})
    again = client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM,
                                                      "action": "save"})
    assert "已存在" in again.get_data(as_text=True)
    assert client.get("/designer/forms/approval").status_code == 404  # file forms are not edited here


def test_a_form_save_without_the_csrf_token_is_refused(login_as):
    client = login_as("designer01")
    response = client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM,
                                                         "action": "save"}, csrf=False)
    assert response.status_code == 400 and stored_form("callback_note") is None


def test_a_diagram_may_use_a_browser_form_only_once_it_exists(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    xml = (DATA / "approval.bpmn").read_text(encoding="utf-8").replace('value="test_review"', 'value="callback_note"')
    result = client.post("/designer/processes/test_approval/validate", json={"xml": xml}, headers=JSON).get_json()
    assert result["problems"] == [{"element_id": "review", "element_name": "财务审核",
                                   "message": "表单“callback_note”不存在或定义有误"}]
    client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM, "action": "save"})
    result = client.post("/designer/processes/test_approval/validate", json={"xml": xml}, headers=JSON).get_json()
    assert result == {"ok": True, "problems": []}


GRADE_TABLE = (DATA / "grade.dmn").read_text(encoding="utf-8")  # "{high}": the top grade


def grade_table(high: str = "gold") -> str:
    return GRADE_TABLE.replace("{high}", high)


def test_decision_tables_are_validated_with_cell_ids_and_published(login_as):
    client = login_as("designer01")
    response = client.post("/designer/rules/new", data={"key": "test_grade", "name": "客户等级"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/designer/rules/test_grade")
    assert client.get("/designer/rules/test_grade").status_code == 200
    document = client.get("/designer/rules/test_grade/document.json").get_json()
    assert document["source"] == "draft" and "<decision" in document["xml"]
    bad = grade_table().replace("&gt;= 1000000", "__import__('os')").replace('"normal"', "().__class__")
    result = client.post("/designer/rules/test_grade/validate", json={"xml": bad}, headers=JSON).get_json()
    assert result["ok"] is False and {"r1_in", "r2_out"} <= {p["element_id"] for p in result["problems"]}
    refused = client.post("/designer/rules/test_grade/publish", json={"xml": bad, "comment": "x", "confirm": True},
                          headers=JSON)
    assert refused.status_code == 422
    assert client.post("/designer/rules/test_grade/validate", json={"xml": grade_table()},
                       headers=JSON).get_json() == {"ok": True, "problems": []}
    client.post("/designer/rules/test_grade/draft", json={"xml": grade_table()}, headers=JSON)
    published = client.post("/designer/rules/test_grade/publish",
                            json={"xml": grade_table(), "comment": "首版", "confirm": True}, headers=JSON)
    assert published.status_code == 201 and published.get_json()["version"] == 1
    db.session.rollback()
    table = db.session.scalar(select(DecisionTable).where(DecisionTable.key == "test_grade"))
    assert table.decision_ids == ["test_grade"] and table.comment == "首版"
    assert db.session.scalar(select(DesignDraft).where(DesignDraft.key == "test_grade")) is None
    assert audit_rows("designer.publish_rules")[-1].after["version"] == 1
    assert "客户等级" in client.get("/designer/").get_data(as_text=True)


def test_a_domain_running_the_table_may_refuse_its_outputs(login_as, monkeypatch):
    from app.workflow import dmn_tables

    known = {"gold", "normal"}
    monkeypatch.setattr(dmn_tables, "_CHECKS", {})
    dmn_tables.register_check("test_grade", lambda session, table: [
        f"结果“{value}”不是已定义的等级" for value in dmn_tables.output_literals(table, "grade") if value not in known])
    client = login_as("designer01")
    client.post("/designer/rules/new", data={"key": "test_grade", "name": "客户等级"})
    refused = client.post("/designer/rules/test_grade/publish",
                          json={"xml": grade_table("diamond"), "comment": "x", "confirm": True}, headers=JSON)
    assert refused.status_code == 422
    assert [p["message"] for p in refused.get_json()["error"]["details"]] == ["结果“diamond”不是已定义的等级"]
    db.session.rollback()
    assert db.session.scalar(select(DecisionTable).where(DecisionTable.key == "test_grade")) is None
    published = client.post("/designer/rules/test_grade/publish",
                            json={"xml": grade_table(), "comment": "首版", "confirm": True}, headers=JSON)
    assert published.status_code == 201


@pytest.mark.db_sensitive
def test_publishing_a_table_redeploys_the_processes_calling_it(login_as):
    client = login_as("designer01")
    client.post("/designer/rules/test_grade/publish", json={"xml": grade_table("gold"), "comment": "首版",
                                                            "confirm": True}, headers=JSON)
    xml = (DATA / "rule_task.bpmn").read_text(encoding="utf-8")
    # The diagram calls test_grade: validation and deployment find the published table.
    deployed = client.post("/designer/processes/test_rule_grade/deploy",
                           json={"xml": xml, "comment": "新流程", "confirm": True}, headers=JSON)
    assert deployed.status_code == 201, deployed.get_json()
    seat = user_named("seat01")
    first = workflow.start(db.session, "test_rule_grade", org_id=seat.org_id, owner_id=seat.id,
                           data={"amount": 2_000_000}, actor=seat)
    db.session.commit()
    assert _grade(first) == "gold"
    published = client.post("/designer/rules/test_grade/publish",
                            json={"xml": grade_table("platinum"), "comment": "高端客户改称铂金", "confirm": True},
                            headers=JSON).get_json()
    assert published["version"] == 2 and published["redeployed"] == [{"key": "test_rule_grade", "version": 2}]
    model = deploy.latest(db.session, "test_rule_grade")
    assert model.source == "designer" and "铂金" in model.comment
    second = workflow.start(db.session, "test_rule_grade", org_id=seat.org_id, owner_id=seat.id,
                            data={"amount": 2_000_000}, actor=seat)
    db.session.commit()
    assert _grade(second) == "platinum" and _grade(first) == "gold"
    assert first.model.version == 1 and second.model.version == 2


def _grade(instance) -> str:
    from app.workflow import engine

    return engine.current_data(workflow.load_workflow(instance)).get("grade", "")


def test_a_dmn_upload_goes_through_the_safe_parser(login_as):
    from tests.integration.test_designer_processes import XXE, _upload

    client = login_as("designer01")
    response = _upload(client, "/designer/rules/test_grade/upload", XXE, "x.dmn", headers=JSON)
    assert response.status_code == 422 and "DOCTYPE" in response.get_json()["error"]["message"]
    ok = _upload(client, "/designer/rules/test_grade/upload", grade_table().encode(), "grade.dmn")
    assert ok.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(DesignDraft).where(DesignDraft.key == "test_grade")) is not None
    download = client.get("/designer/rules/test_grade/download")
    assert download.headers["Content-Disposition"] == "attachment; filename=test_grade.dmn"


def test_tasks_of_a_process_using_a_browser_form_render_and_complete(login_as, deploy_fixture):
    client = login_as("designer01")
    client.post("/designer/forms/new", data={"key": "callback_note", "schema": CALLBACK_FORM, "action": "save"})
    xml = (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8").replace('value="test_comment"',
                                                                               'value="callback_note"')
    assert client.post("/designer/processes/test_timer/deploy", json={"xml": xml, "comment": "用新表单",
                                                                      "confirm": True}, headers=JSON).status_code == 201
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_timer", org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    task = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).one()
    seat_client = login_as("seat01")
    page = seat_client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "回访结果" in page and "稍后再联系" in page
    refused = seat_client.post(f"/tasks/{task.id}/complete", data={"result": "ok", "outcome": "later"})
    assert refused.status_code == 422
    done = seat_client.post(f"/tasks/{task.id}/complete", data={"result": "ok", "outcome": "done"})
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(ProcessModel, instance.model_id).version == 1
    db.session.refresh(instance)
    assert instance.status.value == "completed"


def test_redeploying_the_shipped_diagrams_keeps_a_table_published_in_the_designer(login_as, tmp_path):
    bpmn_dir, rules_dir = tmp_path / "bpmn", tmp_path / "rules"
    bpmn_dir.mkdir()
    rules_dir.mkdir()
    (bpmn_dir / "rule_task.bpmn").write_text((DATA / "rule_task.bpmn").read_text(encoding="utf-8"), encoding="utf-8")
    (rules_dir / "test_grade.dmn").write_text(grade_table("gold"), encoding="utf-8")
    [shipped] = deploy.deploy_directory(db.session, bpmn_dir, rules_dir)
    db.session.commit()
    assert shipped.created and '"gold"' in shipped.model.dmn_xml[0]
    login_as("designer01").post("/designer/rules/test_grade/publish", json={
        "xml": grade_table("platinum"), "comment": "改称铂金", "confirm": True}, headers=JSON)
    db.session.rollback()
    [again] = deploy.deploy_directory(db.session, bpmn_dir, rules_dir)  # `flask bpmn deploy` at the next start
    db.session.commit()
    assert not again.created and again.model.version == 2 and '"platinum"' in again.model.dmn_xml[0]
