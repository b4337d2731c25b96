"""One rule set everywhere: 校验 in the designer, the /api/v1 designer API, uploads, deployment and
``flask bpmn deploy`` report the same Chinese problems by element — never an HTTP 500."""

from __future__ import annotations

import pytest

from app import workflow
from app.extensions import db
from app.workflow import deploy, engine
from app.workflow.cli import bpmn_cli
from tests.conftest import DATA, user_named
from tests.integration.test_designer_processes import _upload

JSON = {"Accept": "application/json"}
CASES = DATA / "validation"


def case(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "key", "element_id", "text"), [
    ("bad_process_id.bpmn", "leave-request", "leave-request", "流程标识“leave-request”不合规"),
    ("unquoted_timer.bpmn", "val_unquoted_timer", "too_late", "PT2M 缺少引号"),
    ("condition_typo.bpmn", "val_condition_typo", "f_urgent", "变量 priorty 没有任何表单字段"),
    ("start_form_without_roles.bpmn", "val_start_form_without_roles", "start", "没有可发起角色"),
    ("conditions_not_python.bpmn", "val_conditions", "f_juel", "不是 Python 表达式"),
    ("script_formats.bpmn", "val_script_formats", "external", "“classpath://score.py”"),
    ("schema_error.bpmn", "val_schema_error", "end", "第 7 行元素 bpmn:endEvent 的属性 priority"),
    ("subprocess_two_starts.bpmn", "val_subprocess_starts", "sub", "子流程必须恰好有一个开始事件"),
    ("data_store.bpmn", "val_data_store", "crm_db", "数据存储“CRM 数据库”没有实现"),
])
def test_designer_validate_and_the_api_report_the_problem_by_element(login_as, api_as, name, key, element_id, text):
    xml = case(name)
    screen = login_as("designer01").post(f"/designer/processes/{key}/validate", json={"xml": xml}, headers=JSON)
    api = api_as("designer01").post("/api/v1/designer/validate", json={"process_key": key, "xml": xml})
    for response in (screen, api):
        assert response.status_code == 200
        body = response.get_json()
        assert body["ok"] is False
        assert any(p["element_id"] == element_id and text in p["message"] for p in body["problems"]), body


def test_a_partner_pool_that_does_not_run_validates_and_deploys(login_as):
    client = login_as("designer01")
    xml = case("partner_pool.bpmn")
    checked = client.post("/designer/processes/val_partner_pool/validate", json={"xml": xml}, headers=JSON)
    assert checked.get_json() == {"ok": True, "problems": []}
    deployed = client.post("/designer/processes/val_partner_pool/deploy",
                           json={"xml": xml, "comment": "双泳池", "confirm": True}, headers=JSON)
    assert deployed.status_code == 201, deployed.get_json()


def test_deploying_through_the_api_refuses_with_every_problem_in_the_details(api_as):
    response = api_as("designer01").post("/api/v1/designer/deploy", json={
        "process_key": "val_script_formats", "xml": case("script_formats.bpmn"), "comment": "试", "confirm": True})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {d["element_id"] for d in details} == {"js", "external", "xslt", "empty"}


def test_uploads_report_problems_and_refuse_an_invalid_process_id(login_as):
    client = login_as("designer01")
    bad_id = _upload(client, "/designer/upload", case("bad_process_id.bpmn").encode(), "leave.bpmn", headers=JSON)
    assert bad_id.status_code == 422
    assert "标识“leave-request”不合规：须以字母或下划线开头" in bad_id.get_json()["error"]["message"]
    stored = _upload(client, "/designer/upload", case("unquoted_timer.bpmn").encode(), "timer.bpmn")
    assert stored.status_code == 302
    assert stored.headers["Location"].endswith("/designer/processes/val_unquoted_timer")
    document = client.get("/designer/processes/val_unquoted_timer/document.json").get_json()
    assert [p["element_id"] for p in document["problems"]] == ["too_late"]


def test_the_cli_names_the_file_and_the_id_and_exits_non_zero(app, tmp_path):
    bpmn_dir, rules_dir = tmp_path / "bpmn", tmp_path / "rules"
    bpmn_dir.mkdir()
    rules_dir.mkdir()
    (bpmn_dir / "leave.bpmn").write_text(case("bad_process_id.bpmn"), encoding="utf-8")
    result = app.test_cli_runner().invoke(bpmn_cli, ["deploy", "--dir", str(bpmn_dir), "--rules", str(rules_dir)])
    assert result.exit_code != 0
    assert f"{bpmn_dir / 'leave.bpmn'}：请假申请（leave-request）：流程标识“leave-request”不合规" in result.output
    assert "未发布任何版本" in result.output
    assert deploy.latest(db.session, "leave-request") is None


@pytest.mark.parametrize(("table", "expected"), [("grade_dmn12_camunda4.dmn", "dmn12_high"),
                                                 ("grade_dmn13.dmn", "dmn13_high")])
def test_a_rule_task_runs_with_a_dmn_12_or_13_table(app, table, expected):
    result = deploy.deploy(db.session, (DATA / "rule_task.bpmn").read_text(encoding="utf-8"), [case(table)],
                           source="test")
    db.session.commit()
    seat = user_named("seat01")
    instance = workflow.start(db.session, result.model.key, org_id=seat.org_id, owner_id=seat.id,
                              data={"amount": 2_000_000}, actor=seat)
    db.session.commit()
    assert engine.current_data(workflow.load_workflow(instance))["grade"] == expected


def test_a_broken_table_is_a_problem_on_the_rule_screen_not_a_500(login_as):
    # DMN 1.4 (no schema shipped) with a rule holding more conditions than the table has inputs.
    broken = case("grade_dmn13.dmn").replace("https://www.omg.org/spec/DMN/20191111/MODEL/",
                                             "https://www.omg.org/spec/DMN/20211108/MODEL/").replace(
        '<inputEntry id="UnaryTests_1">',
        '<inputEntry id="extra"><text>1</text></inputEntry><inputEntry id="UnaryTests_1">')
    response = login_as("designer01").post("/designer/rules/test_grade/validate", json={"xml": broken}, headers=JSON)
    assert response.status_code == 200
    [problem] = response.get_json()["problems"]
    assert problem["element_id"] == "test_grade" and "结构有误，无法解析（IndexError" in problem["message"]
