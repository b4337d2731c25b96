"""What a diagram the library cannot run does to an instance: a clear Chinese incident within a bounded time,
never a hang or an HTTP 500; timers of every kind tell the scheduler when they are due."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.workflow import deploy, engine
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance, ProcessModel
from app.workflow.validation import calls
from app.workflow.xmlsafe import parse_xml
from tests.conftest import DATA, user_named

T0 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)


def _start(key: str, data: dict | None = None) -> ProcessInstance:
    owner = user_named("seat01")
    instance = workflow.start(db.session, key, business_key="limits:1", org_id=owner.org_id, owner_id=owner.id,
                              data=data or {}, actor=owner)
    db.session.commit()
    return instance


def _error_events(instance: ProcessInstance) -> list[str]:
    return list(db.session.scalars(select(InstanceEvent.comment).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "error")))


def _stored_before_the_cycle_check(diagram: str, key: str) -> None:
    """Store a version as one deployed before validation refused call cycles would be: the row, unchecked."""
    text = (DATA / "conformance" / f"{diagram}.bpmn").read_text(encoding="utf-8")
    db.session.add(ProcessModel(key=key, version=1, name=key, bpmn_xml=text, dmn_xml=[],
                                sha256=deploy.content_hash(text, []), source="before the cycle check"))
    db.session.commit()


@pytest.mark.parametrize(("diagram", "key"), [("call_self", "conf_call_self"), ("call_cycle", "conf_call_a")])
def test_deployment_refuses_a_process_calling_itself(deploy_fixture, diagram, key):
    with pytest.raises(deploy.DeploymentRefused, match="调用活动会循环调用流程"):
        deploy_fixture(f"conformance/{diagram}")


@pytest.mark.parametrize(("diagram", "key", "element"), [("call_self", "conf_call_self", "start"),
                                                          ("call_cycle", "conf_call_a", "b_start")])
def test_a_process_calling_itself_becomes_an_incident_at_once(app, diagram, key, element):
    _stored_before_the_cycle_check(diagram, key)
    began = time.monotonic()
    instance = _start(key)
    assert time.monotonic() - began < 3
    assert instance.status == InstanceStatus.ERROR
    assert "调用活动嵌套超过 20 层" in instance.error_message
    assert _error_events(instance) == [instance.error_message]


def test_the_api_start_of_a_self_calling_process_answers_with_the_incident(api_as):
    _stored_before_the_cycle_check("call_self", "conf_call_self")
    answer = api_as("designer01").post("/api/v1/process-instances", json={"process_key": "conf_call_self"})
    assert answer.status_code == 201 and answer.get_json()["status"] == "error"


def test_engine_work_per_call_is_bounded(deploy_fixture, monkeypatch):
    deploy_fixture("conformance/sub_process")
    monkeypatch.setattr(engine, "MAX_ENGINE_TASKS", 2)
    instance = _start("conf_sub_process", {"copies": 1})
    assert instance.status == InstanceStatus.ERROR
    assert "自动执行的步骤超过 2 个" in instance.error_message


@pytest.mark.parametrize(("diagram", "key", "data"), [
    ("mi_sequential", "conf_mi_sequential", {"rounds": "abc"}),
    ("mi_parallel", "conf_mi_parallel", {"approvers": 5}),
])
def test_bad_multi_instance_input_is_an_incident_naming_the_task_not_a_500(api_as, deploy_fixture, diagram, key,
                                                                           data):
    deploy_fixture(f"conformance/{diagram}")
    answer = api_as("designer01").post("/api/v1/process-instances", json={"process_key": key, "data": data})
    assert answer.status_code == 201 and answer.get_json()["status"] == "error"
    instance = db.session.get(ProcessInstance, answer.get_json()["id"])
    assert instance.error_message.startswith("多实例环节")
    assert "次数（loopCardinality）须为整数，集合须为列表或字典" in instance.error_message


def test_a_library_failure_inside_a_task_names_the_task(deploy_fixture):
    deploy_fixture("conformance/script_task")
    instance = _start("conf_script_task", {"price": 25, "quantity": "4"})  # range("4") fails inside the script
    assert instance.status == InstanceStatus.ERROR
    events = db.session.scalars(select(InstanceEvent.element_id).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "error")).all()
    assert events == ["compute"]


@pytest.mark.parametrize(("diagram", "key", "data", "due"), [
    ("boundary_timer_date", "conf_timer_date", {"due_at": (T0 + timedelta(hours=3)).isoformat()}, timedelta(hours=3)),
    ("boundary_timer_date", "conf_timer_date", {"due_at": "2027-03-01T12:00:00+08:00"}, timedelta(hours=3)),
    ("start_timer_date", "conf_timer_start_date", {"due_at": (T0 + timedelta(minutes=90)).isoformat()},
     timedelta(minutes=90)),
    ("boundary_timer_cycle", "conf_timer_cycle", {}, timedelta(hours=1)),
    ("start_timer_cycle", "conf_timer_start_cycle", {}, timedelta(hours=1)),
    ("event_gateway", "conf_event_gateway", {}, timedelta(minutes=90)),
])
def test_every_kind_of_timer_tells_the_scheduler_when_it_is_due(deploy_fixture, diagram, key, data, due):
    deploy_fixture(f"conformance/{diagram}")
    with time_machine.travel(T0, tick=False):
        instance = _start(key, data)
    assert instance.next_timer_at is not None
    assert instance.next_timer_at.replace(tzinfo=UTC) == T0 + due


def test_validation_names_each_call_activity_on_a_call_cycle():
    def problems(name: str) -> list[tuple[str, str]]:
        root = parse_xml((DATA / "conformance" / f"{name}.bpmn").read_bytes(), "BPMN")
        return [(p.element_id, p.message) for p in calls.call_cycle_problems(root)]

    assert problems("call_self") == [
        ("again", "调用活动会循环调用流程（conf_call_self → conf_call_self），运行时将无限嵌套；请去掉循环调用")]
    assert [element for element, _message in problems("call_cycle")] == ["call_b", "call_a"]
    assert "conf_call_a → conf_call_b → conf_call_a" in problems("call_cycle")[0][1]
    assert problems("call_activity") == []
