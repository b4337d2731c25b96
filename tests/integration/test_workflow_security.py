"""Sandboxed scripts and conditions, safe XML, validation that names the element at fault."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from app import workflow
from app.extensions import db
from app.workflow import deploy, sandbox
from app.workflow.models import InstanceStatus
from app.workflow.xmlsafe import XmlRejected
from tests.conftest import DATA, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")
ESCAPE = '().__class__.__base__.__subclasses__()'


def _problems(exc: pytest.ExceptionInfo[deploy.DeploymentRefused]) -> list[tuple[str, str]]:
    return [(p.element_id, p.message) for p in exc.value.problems]


def test_known_escape_in_a_condition_is_refused_at_deploy(app):
    bad = APPROVAL.replace('outcome == "pass" and amount &gt;= 100', ESCAPE)
    with pytest.raises(deploy.DeploymentRefused) as exc:
        deploy.deploy(db.session, bad)
    assert any(element == "f_ok" and "__subclasses__" in message for element, message in _problems(exc))


def test_known_escape_in_a_script_is_refused_at_deploy(app):
    bad = (DATA / "script_task.bpmn").read_text(encoding="utf-8").replace(
        "interest = principal * rate / 100", f"x = {ESCAPE}")
    with pytest.raises(deploy.DeploymentRefused) as exc:
        deploy.deploy(db.session, bad)
    assert any(element == "compute" for element, _ in _problems(exc))


def test_escape_attempts_fail_cleanly_when_executed_directly():
    for expression in (ESCAPE, "__import__('os').system('id')", "open('/etc/passwd').read()", "[].pop.__self__"):
        with pytest.raises((SyntaxError, sandbox.SandboxError)):
            sandbox.evaluate(expression, {})
    for script in (f"x = {ESCAPE}", "import os", "x = getattr((), '__class__')", "x = 'a' * 10**9", "x = 9**9**9"):
        with pytest.raises(sandbox.SandboxError):
            sandbox.execute(script, {})


def test_infinite_loop_becomes_an_incident_and_the_worker_survives(app, deploy_fixture):
    deploy_fixture("script_task")
    seat = user_named("seat01")
    started = time.monotonic()
    instance = workflow.start(db.session, "test_script", data={"principal": Decimal("1000"), "rate": 5,
                                                                "mode": "loop"}, actor=seat)
    db.session.commit()
    assert time.monotonic() - started < 10
    assert instance.status == InstanceStatus.ERROR
    assert "超出时间限制" in instance.error_message
    ok = workflow.start(db.session, "test_script", data={"principal": Decimal("1000"), "rate": 5, "mode": "ok"},
                        actor=seat)
    db.session.commit()
    assert ok.status == InstanceStatus.RUNNING
    assert workflow.load_workflow(ok).last_task is not None


def test_script_error_is_an_incident_that_can_be_retried_after_the_data_changes(app, deploy_fixture):
    deploy_fixture("script_task")
    instance = workflow.start(db.session, "test_script", data={"principal": Decimal("1000"), "rate": 5,
                                                                "mode": "fail"})
    db.session.commit()
    assert instance.status == InstanceStatus.ERROR and "DivisionByZero" in instance.error_message
    workflow.retry(db.session, instance, user_named("admin"))
    db.session.commit()
    assert instance.status == InstanceStatus.ERROR  # same data, same failure: still an incident


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&lol4;" isExecutable="true"/></bpmn:definitions>"""


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS, XXE.decode().encode("utf-16")],
                         ids=["xxe", "laughs", "utf16"])
def test_entity_attacks_are_rejected_with_a_clear_message(app, payload):
    with pytest.raises(XmlRejected, match="DOCTYPE"):
        deploy.deploy(db.session, payload)


def test_oversize_and_broken_xml_are_rejected(app):
    with pytest.raises(XmlRejected, match="过大"):
        deploy.deploy(db.session, b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>")
    with pytest.raises(XmlRejected, match="不是有效的 XML"):
        deploy.deploy(db.session, b"<bpmn:definitions")


@pytest.mark.parametrize(("change", "element", "words"), [
    (lambda x: x.replace('<spiffworkflow:property name="formKey" value="test_review" />', ""), "review", "缺少表单"),
    (lambda x: x.replace('value="test_review"', 'value="no_such_form"'), "review", "no_such_form"),
    (lambda x: x.replace('<bpmn:lane id="Lane_finance" name="finance">', '<bpmn:lane id="Lane_finance" name="出纳">'),
     "review", "出纳"),
    (lambda x: x.replace(' default="f_reject"', ""), "gw", "f_reject"),
])
def test_invalid_diagrams_are_refused_naming_the_element(app, change, element, words):
    with pytest.raises(deploy.DeploymentRefused) as exc:
        deploy.deploy(db.session, change(APPROVAL))
    assert any(e == element and words in m for e, m in _problems(exc)), _problems(exc)


def test_unknown_service_operation_is_refused(app):
    text = (DATA / "script_task.bpmn").read_text(encoding="utf-8").replace(
        '<bpmn:scriptTask id="compute" name="计算利息">',
        '<bpmn:serviceTask id="compute" name="计算利息"><bpmn:extensionElements><spiffworkflow:serviceTaskOperator '
        'id="trade.nope" /></bpmn:extensionElements>').replace("</bpmn:scriptTask>", "</bpmn:serviceTask>")
    text = text[:text.index("<bpmn:script>")] + text[text.index("</bpmn:script>") + len("</bpmn:script>"):]
    with pytest.raises(deploy.DeploymentRefused) as exc:
        deploy.deploy(db.session, text)
    assert any(e == "compute" and "trade.nope" in m for e, m in _problems(exc))


def test_shipped_diagrams_all_validate(app):
    results = deploy.deploy_directory(db.session, Path(app.config["BPMN_DIR"]), Path(app.config["RULES_DIR"]))
    assert all(r.model.version >= 1 for r in results)
