"""流程设计 API through Bearer tokens, every response checked against the OpenAPI document."""

from __future__ import annotations

import pytest

from app import workflow
from app.extensions import db
from tests.conftest import DATA, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")


@pytest.mark.db_sensitive
def test_list_processes_with_versions_live_instances_and_drafts(api_as, login_as, deploy_fixture):
    deploy_fixture("approval")
    seat = user_named("seat01")
    workflow.start(db.session, "test_approval", org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    login_as("designer01").post("/designer/processes/test_approval/draft", json={"xml": APPROVAL},
                                headers={"Accept": "application/json"})
    api = api_as("designer01")
    body = api.get("/api/v1/designer/processes").get_json()
    item = next(i for i in body["items"] if i["key"] == "test_approval")
    assert item["live_instances"] == 1 and item["versions"][0]["version"] == 1
    assert item["versions"][0]["live_instances"] == 1 and item["draft"]["author"] == "郑设计"
    drafts = api.get("/api/v1/designer/drafts").get_json()["items"]
    assert [(d["kind"], d["key"]) for d in drafts] == [("bpmn", "test_approval")]


def test_validate_reports_problems_by_element(api_as, deploy_fixture):
    deploy_fixture("approval")
    api = api_as("designer01")
    ok = api.post("/api/v1/designer/validate", json={"process_key": "test_approval", "xml": APPROVAL})
    assert ok.status_code == 200 and ok.get_json() == {"ok": True, "problems": []}
    bad = APPROVAL.replace('<spiffworkflow:property name="formKey" value="test_fill" />', "")
    result = api.post("/api/v1/designer/validate", json={"process_key": "test_approval", "xml": bad}).get_json()
    assert result["ok"] is False and [p["element_id"] for p in result["problems"]] == ["fill"]
    missing = api.post("/api/v1/designer/validate", json={"xml": APPROVAL})
    assert missing.status_code == 422


def test_deploy_needs_confirmation_and_a_comment_then_creates_a_version(api_as, deploy_fixture):
    deploy_fixture("approval")
    api = api_as("designer01")
    xml = APPROVAL.replace('name="财务审核"', 'name="财务复核"')
    unconfirmed = api.post("/api/v1/designer/deploy", json={"process_key": "test_approval", "xml": xml,
                                                            "comment": "改名", "confirm": False})
    assert unconfirmed.status_code == 422
    no_comment = api.post("/api/v1/designer/deploy", json={"process_key": "test_approval", "xml": xml,
                                                           "comment": "", "confirm": True})
    assert no_comment.status_code == 422
    bad = api.post("/api/v1/designer/deploy", json={"process_key": "test_approval", "comment": "坏的", "confirm": True,
                                                    "xml": xml.replace('value="test_review"', 'value="nope"')})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["element_id"] == "review"
    done = api.post("/api/v1/designer/deploy", json={"process_key": "test_approval", "xml": xml,
                                                     "comment": "改名", "confirm": True})
    assert done.status_code == 201
    assert done.get_json() == {"process_key": "test_approval", "version": 2, "model_id": done.get_json()["model_id"],
                               "created": True, "older_live_instances": 0}


def test_non_designers_get_403_from_the_designer_api(api_as):
    api = api_as("seat01")
    assert api.get("/api/v1/designer/processes").status_code == 403
    assert api.post("/api/v1/designer/validate", json={"process_key": "x", "xml": "<a/>"}).status_code == 403
