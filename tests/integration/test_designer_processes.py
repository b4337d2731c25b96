"""流程设计 for processes through HTTP as designer01: list, drafts, validation with element ids, deployment
with comment and confirmation, versions and running instances, comparison, download and upload."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import workflow
from app.designer.models import DesignDraft
from app.extensions import db
from app.workflow.models import ProcessInstance, ProcessModel
from app.workflow.xmlsafe import MAX_XML_BYTES
from tests.conftest import DATA, audit_rows, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")
URL = "/designer/processes/test_approval"
JSON = {"Accept": "application/json"}


def renamed(xml: str, old: str = 'name="财务审核"', new: str = 'name="财务复核"') -> str:
    return xml.replace(old, new)


def without_form_key(xml: str, value: str = "test_review") -> str:
    return xml.replace(f'<spiffworkflow:property name="formKey" value="{value}" />', "")


def versions(key: str = "test_approval") -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(ProcessModel.version).where(ProcessModel.key == key)
                                   .order_by(ProcessModel.version)))


def draft(key: str = "test_approval") -> DesignDraft | None:
    db.session.rollback()
    return db.session.scalar(select(DesignDraft).where(DesignDraft.key == key))


def start_instance(key: str = "test_approval") -> ProcessInstance:
    seat = user_named("seat01")
    instance = workflow.start(db.session, key, org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    return instance


def test_designer_lists_models_with_versions_and_running_instances(login_as, deploy_fixture):
    deploy_fixture("approval")
    start_instance()
    page = login_as("designer01").get("/designer/").get_data(as_text=True)
    row = re.search(r'<tr data-key="test_approval">.*?</tr>', page, re.S).group(0)
    assert "测试审批" in row and "第 1 版" in row
    assert re.search(r'data-version="1">v1：<a [^>]*>1</a>', row)
    assert "test_review" in page and "表单文件" in page  # the forms registry
    assert "流程设计" in page and "发起流程" in page  # menu entries


def test_the_editor_opens_the_latest_version_with_the_catalogue_for_the_panel(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    page = client.get(URL).get_data(as_text=True)
    config = re.search(r'<script type="application/json" id="designer-config">(.*?)</script>', page, re.S).group(1)
    assert '"code": "finance"' in config.replace('":"', '": "') or '"code":"finance"' in config
    assert "test_review" in config and "system.echo" in config
    assert "designer-bpmn.js" in page and "/vendor/build/" in page
    document = client.get(f"{URL}/document.json").get_json()
    assert document["source"] == "version" and document["version"] == 1 and "<bpmn:definitions" in document["xml"]


def test_invalid_diagrams_are_refused_with_the_ids_of_the_elements_concerned(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    bad = without_form_key(APPROVAL)
    bad = bad.replace('<bpmn:lane id="Lane_seat" name="seat">', '<bpmn:lane id="Lane_seat" name="nobody">')
    bad = bad.replace('outcome == "pass" and amount &gt;= 100', "().__class__.__base__")
    result = client.post(f"{URL}/validate", json={"xml": bad}, headers=JSON).get_json()
    assert result["ok"] is False
    by_element = {p["element_id"]: p["message"] for p in result["problems"]}
    assert "缺少表单" in by_element["review"]
    assert "nobody" in by_element["fill"]
    assert "f_ok" in by_element
    refused = client.post(f"{URL}/deploy", json={"xml": bad, "comment": "试一下", "confirm": True}, headers=JSON)
    assert refused.status_code == 422
    details = refused.get_json()["error"]["details"]
    assert {"review", "fill", "f_ok"} <= {d["element_id"] for d in details}
    assert versions() == [1]
    good = client.post(f"{URL}/validate", json={"xml": renamed(APPROVAL)}, headers=JSON).get_json()
    assert good == {"ok": True, "problems": []}


def test_a_diagram_for_another_process_or_not_xml_is_refused(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    other = client.post(f"{URL}/validate", json={"xml": APPROVAL.replace('id="test_approval"', 'id="renamed"')},
                        headers=JSON).get_json()
    assert any("test_approval" in p["message"] for p in other["problems"])
    broken = client.post(f"{URL}/validate", json={"xml": "<bpmn:definitions"}, headers=JSON).get_json()
    assert broken["ok"] is False and "不是有效的 XML" in broken["problems"][0]["message"]


@pytest.mark.db_sensitive
def test_drafts_are_saved_reopened_and_discarded(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    response = client.post(f"{URL}/draft", json={"xml": renamed(APPROVAL)}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    saved = draft()
    assert saved is not None and saved.author_id == user_named("designer01").id and saved.base_version == 1
    document = client.get(f"{URL}/document.json").get_json()
    assert document["source"] == "draft" and "财务复核" in document["xml"] and document["problems"] == []
    assert "草稿" in client.get("/designer/").get_data(as_text=True)
    published = client.get(f"{URL}/document.json?version=1").get_json()
    assert "财务审核" in published["xml"]
    # A draft with problems is kept (work in progress) and reopened with its problems listed.
    client.post(f"{URL}/draft", json={"xml": without_form_key(APPROVAL)}, headers=JSON)
    assert [p["element_id"] for p in client.get(f"{URL}/document.json").get_json()["problems"]] == ["review"]
    assert client.post(f"{URL}/draft/discard").status_code == 302
    assert draft() is None


@pytest.mark.db_sensitive
def test_deploying_needs_a_comment_and_a_confirmation_and_is_audited(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    xml = renamed(APPROVAL)
    client.post(f"{URL}/draft", json={"xml": xml}, headers=JSON)
    unconfirmed = client.post(f"{URL}/deploy", json={"xml": xml, "comment": "改名"}, headers=JSON)
    assert unconfirmed.status_code == 422 and "确认" in unconfirmed.get_json()["error"]["message"]
    no_comment = client.post(f"{URL}/deploy", json={"xml": xml, "comment": " ", "confirm": True}, headers=JSON)
    assert no_comment.status_code == 422 and "发布说明" in no_comment.get_json()["error"]["message"]
    assert versions() == [1]
    done = client.post(f"{URL}/deploy", json={"xml": xml, "comment": "财务审核改名为财务复核", "confirm": True},
                       headers=JSON)
    assert done.status_code == 201
    body = done.get_json()
    assert body["created"] is True and body["version"] == 2 and "第 2 版" in body["message"]
    assert versions() == [1, 2]
    assert draft() is None  # deployed: the draft is gone
    model = db.session.scalar(select(ProcessModel).where(ProcessModel.key == "test_approval",
                                                         ProcessModel.version == 2))
    assert model.source == "designer" and model.comment == "财务审核改名为财务复核"
    assert model.deployed_by_id == user_named("designer01").id
    row = audit_rows("workflow.deploy", model)[-1]
    assert row.actor_name == "郑设计" and row.after["version"] == 2 and row.after["comment"] == "财务审核改名为财务复核"
    again = client.post(f"{URL}/deploy", json={"xml": xml, "comment": "再来一次", "confirm": True}, headers=JSON)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert versions() == [1, 2]


@pytest.mark.db_sensitive
def test_deploying_never_changes_running_instances(login_as, deploy_fixture):
    deploy_fixture("approval")
    old = start_instance()
    client = login_as("designer01")
    response = client.post(f"{URL}/deploy", json={"xml": renamed(APPROVAL), "comment": "改名", "confirm": True},
                           headers=JSON)
    assert response.get_json()["older_live"] == 1
    assert "/workflow/models/" in response.get_json()["migration_url"]
    new = start_instance()
    db.session.refresh(old)
    assert old.model.version == 1 and new.model.version == 2


def test_new_process_starts_as_a_draft_with_a_pool_lane_and_start_event(login_as):
    client = login_as("designer01")
    assert client.get("/designer/processes/new").status_code == 200
    bad = client.post("/designer/processes/new", data={"key": "1bad", "name": "坏", "lane": "seat"})
    assert bad.status_code == 200 and "流程标识“1bad”不合规：须以字母或下划线开头" in bad.get_data(as_text=True)
    response = client.post("/designer/processes/new", data={"key": "care_visit", "name": "客户关怀", "lane": "seat"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/designer/processes/care_visit")
    created = draft("care_visit")
    assert created is not None and created.name == "客户关怀" and 'name="seat"' in created.xml
    assert client.get("/designer/processes/care_visit").status_code == 200
    taken = client.post("/designer/processes/new", data={"key": "care_visit", "name": "重复", "lane": "seat"})
    assert taken.status_code == 200 and "已存在" in taken.get_data(as_text=True)
    problems = client.post("/designer/processes/care_visit/validate", json={"xml": created.xml},
                           headers=JSON).get_json()
    assert problems == {"ok": True, "problems": []}  # a start event alone is a (trivial) runnable process


def test_compare_versions_lists_added_removed_and_changed_elements(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    xml = renamed(APPROVAL).replace('name="是否通过"', 'name="审核结论"')
    client.post(f"{URL}/deploy", json={"xml": xml, "comment": "改名", "confirm": True}, headers=JSON)
    page = client.get(f"{URL}/compare?a=1&b=2").get_data(as_text=True)
    assert 'data-element="review" data-change="changed"' in page and "财务审核 → 财务复核" in page
    assert 'data-element="gw" data-change="changed"' in page
    # The editor compares what is on screen with a version.
    edited = (without_form_key(xml)
              .replace('<bpmn:endEvent id="end_rejected" name="驳回">', '<bpmn:endEvent id="end_no" name="驳回">')
              .replace('targetRef="end_rejected"', 'targetRef="end_no"'))
    changes = client.post(f"{URL}/compare", json={"xml": edited, "version": 1}, headers=JSON).get_json()
    kinds = {(c["element_id"], c["change"]) for c in changes["changes"]}
    assert {("end_rejected", "removed"), ("end_no", "added"), ("review", "changed"), ("f_reject", "changed")} <= kinds
    review = next(c for c in changes["changes"] if c["element_id"] == "review")
    assert any("formKey" in d for d in review["details"])


def test_download_gives_the_version_or_the_draft_as_a_bpmn_file(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    response = client.get(f"{URL}/download?version=1")
    assert response.headers["Content-Disposition"] == "attachment; filename=test_approval-v1.bpmn"
    assert "财务审核" in response.get_data(as_text=True)
    client.post(f"{URL}/draft", json={"xml": renamed(APPROVAL)}, headers=JSON)
    response = client.get(f"{URL}/download")
    assert "draft.bpmn" in response.headers["Content-Disposition"] and "财务复核" in response.get_data(as_text=True)


def multipart(content: bytes, name: str) -> tuple[bytes, str]:
    """A multipart body built here: werkzeug's test builder leaves its spooled temp file open for large ones."""
    boundary = "licaiflowboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(client, url, content: bytes, name: str = "diagram.bpmn", headers: dict[str, str] | None = None):
    body, content_type = multipart(content, name)
    return client.post(url, data=body, content_type=content_type, headers=headers or {"Referer": url})


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="test_approval" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""
BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="x">&lol2;</bpmn:process>
</bpmn:definitions>"""


def test_uploads_refuse_xxe_entity_bombs_oversize_and_non_xml(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    for url in (f"{URL}/upload", "/designer/upload"):
        for content, message in ((XXE, "DOCTYPE"), (BOMB, "DOCTYPE"), (b"not xml at all", "不是有效的 XML"),
                                 (b"<a>" + b" " * (MAX_XML_BYTES + 10) + b"</a>", "文件过大")):
            response = _upload(client, url, content, "x.bpmn", headers=JSON)
            assert response.status_code == 422, (url, message)
            assert message in response.get_json()["error"]["message"]
    wrong_type = _upload(client, f"{URL}/upload", b"<a/>", "x.exe", headers=JSON)
    assert wrong_type.status_code == 422
    assert draft() is None
    assert "/etc/passwd" not in str(db.session.scalars(select(ProcessModel.bpmn_xml)).all())


def test_an_upload_becomes_a_draft_and_its_problems_are_reported(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    response = _upload(client, f"{URL}/upload", without_form_key(APPROVAL).encode("utf-8"))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    page = client.get(URL).get_data(as_text=True)
    assert "1 个问题" in page
    assert draft() is not None and "test_review" not in draft().xml
    other = _upload(client, f"{URL}/upload", APPROVAL.replace('id="test_approval"', 'id="elsewhere"').encode())
    assert other.status_code == 302
    assert "没有 id 为 test_approval 的流程" in client.get(URL).get_data(as_text=True)
    # A new process from a file: the key is the file's process id.
    fresh = _upload(client, "/designer/upload", (DATA / "timer_escalation.bpmn").read_bytes(), "t.bpmn")
    assert fresh.headers["Location"].endswith("/designer/processes/test_timer")
    assert draft("test_timer") is not None
    # The file had no coordinates: the draft is laid out, so the modeler draws every element.
    assert "BPMNShape" not in (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8")
    laid_out = draft("test_timer").xml
    assert all(f'bpmnElement="{element}"' in laid_out for element in ("call_back", "too_late", "escalate"))
    # With a sender and a receiver in one file, the draft belongs to the first executable process.
    both = _upload(client, "/designer/upload", (DATA / "message_wait.bpmn").read_bytes(), "m.bpmn")
    assert both.headers["Location"].endswith("/designer/processes/test_waiter")
    empty = _upload(client, "/designer/upload", b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
                    "e.bpmn", headers=JSON)
    assert empty.status_code == 422 and "没有流程" in empty.get_json()["error"]["message"]
