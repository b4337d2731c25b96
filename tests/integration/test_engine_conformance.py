"""Engine conformance: each BPMN/DMN construct runs through the product to the same state and data as
SpiffWorkflow alone, with the workflow restored in a fresh process before every step.

Every diagram in tests/data/conformance/ is one construct. A case is its diagram, start data and one action
per step (complete a task, send a message; timers fire when the clock passes them). Every step of every case
is served by a new ``python -m tests.integration.conformance_worker`` process that builds the app on the
test's database (so each workflow is restored against a spec parsed afresh, as in another worker or after
a restart), performs the step through the gateway and runs the scheduler's timer job. The reference runs
the same inputs on the bare library, round-tripping the workflow through the library's own serializer
(which stores the spec) between steps. After every step both must show the same ready tasks with the same
data, the task inbox must list exactly those tasks, and the end data must match.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from tests.integration.conformance_worker import CONFORMANCE, snapshot

pytestmark = [pytest.mark.db_sensitive, pytest.mark.xdist_group("engine_conformance")]

REPO = Path(__file__).resolve().parent.parent.parent
T0 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
# The clock of each step; timers in the diagrams are PT1H / PT90M / R2/PT1H / due_at, so each fires at a
# known step and none falls due exactly at a step's moment.
STEP_AT = [T0 + timedelta(minutes=m) for m in (0, 1, 120, 240, 360, 480, 600)]
DUE_90 = (T0 + timedelta(minutes=90)).isoformat()
DUE_3H = (T0 + timedelta(hours=3)).isoformat()


def complete(element: str, data: dict[str, Any] | None = None, outcome: str = "submit",
             where: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": "complete", "element": element, "data": data or {}, "outcome": outcome, "where": where or {}}


def message(name: str, correlation: dict[str, Any] | None = None, payload: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    return {"kind": "message", "name": name, "correlation": correlation or {}, "payload": payload or {}}


@dataclass(frozen=True)
class Case:
    file: str
    process: str
    start: dict[str, Any]
    steps: dict[int, dict[str, Any]]  # step number (1..) → action; steps without one only let time pass
    dmn: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # element → the role whose inbox shows it


CASES: dict[str, Case] = {
    "exclusive_gateway": Case("exclusive_gateway.bpmn", "conf_exclusive", {},
                              {1: complete("fill", {"amount": 150}), 2: complete("review")},
                              roles={"fill": "seat", "review": "finance"}),
    "inclusive_gateway": Case("inclusive_gateway.bpmn", "conf_inclusive", {"by_phone": True, "in_person": True},
                              {1: complete("visit"), 2: complete("call")}),
    "parallel_gateway": Case("parallel_gateway.bpmn", "conf_parallel", {},
                             {1: complete("funds"), 2: complete("contract")},
                             roles={"contract": "seat", "funds": "finance"}),
    "event_gateway_timer": Case("event_gateway.bpmn", "conf_event_gateway", {}, {3: complete("close")}),
    "mi_parallel_collection": Case("mi_parallel.bpmn", "conf_mi_parallel", {"approvers": [101, 102, 103]}, {
        1: complete("sign", {"opinion": "同意"}, where={"approver": 102}),
        2: complete("sign", {"opinion": "再议"}, where={"approver": 101}),
        3: complete("sign", {"opinion": "同意"}, where={"approver": 103})}),
    "mi_sequential_cardinality": Case("mi_sequential.bpmn", "conf_mi_sequential", {"rounds": 3}, {
        1: complete("review", {"verdict": "一审"}), 2: complete("review", {"verdict": "二审"}),
        3: complete("review", {"verdict": "三审"})}),
    "mi_parallel_cardinality": Case("mi_parallel_cardinality.bpmn", "conf_mi_parallel_cardinality", {"copies": 2}, {
        1: complete("sign", {"opinion": "第二份已审"}, where={"copy": 1}),
        2: complete("sign", {"opinion": "第一份已审"}, where={"copy": 0})}),
    "mi_sequential_collection": Case("mi_sequential_collection.bpmn", "conf_mi_sequential_collection",
                                     {"reviewers": ["张三", "李四"]}, {
        1: complete("review", {"verdict": "同意"}), 2: complete("review", {"verdict": "退回"})}),
    "standard_loop": Case("standard_loop.bpmn", "conf_standard_loop", {"reached": False}, {
        1: complete("call", {"reached": False}), 2: complete("call", {"reached": True})}),
    "sub_process": Case("sub_process.bpmn", "conf_sub_process", {"copies": 3},
                        {1: complete("prepare"), 2: complete("confirm")}),
    "event_subprocess_interrupting": Case("event_subprocess_interrupting.bpmn", "conf_event_sub_interrupting", {}, {
        1: message("conf_withdraw", payload={"reason": "客户撤回"}), 2: complete("wrap_up"), 3: complete("work")}),
    "event_subprocess_noninterrupting": Case(
        "event_subprocess_noninterrupting.bpmn", "conf_event_sub_noninterrupting", {},
        {3: complete("remind"), 4: complete("work")}),
    "call_activity": Case("call_activity.bpmn", "conf_call_activity", {"file_no": "A-1"},
                          {1: complete("verify"), 2: complete("after_call")}),
    "boundary_timer_duration": Case("boundary_timer_duration.bpmn", "conf_timer_duration", {},
                                    {3: complete("escalate")},
                                    roles={"handle": "seat", "escalate": "dept_head"}),
    "boundary_timer_date": Case("boundary_timer_date.bpmn", "conf_timer_date", {"due_at": DUE_3H},
                                {4: complete("escalate")}, roles={"escalate": "dept_head"}),
    "boundary_timer_cycle": Case("boundary_timer_cycle.bpmn", "conf_timer_cycle", {}, {
        4: complete("handle"), 5: complete("escalate"), 6: complete("escalate")}, roles={"escalate": "dept_head"}),
    "intermediate_timer_date": Case("intermediate_timer_date.bpmn", "conf_timer_intermediate_date",
                                    {"due_at": DUE_90}, {3: complete("act")}),
    "start_timer_date": Case("start_timer_date.bpmn", "conf_timer_start_date", {"due_at": DUE_90},
                             {3: complete("act")}),
    "start_timer_cycle": Case("start_timer_cycle.bpmn", "conf_timer_start_cycle", {},
                              {4: complete("act"), 5: complete("act")}),
    "message_start": Case("message_start.bpmn", "conf_message_start", {},
                          {1: message("conf_begin", payload={"note": "开始"}), 2: complete("act")}),
    "message_intermediate": Case("message_intermediate.bpmn", "conf_message_intermediate", {"order_id": 7}, {
        1: complete("enter"), 2: message("conf_paid", {"order_id": 7}, {"amount": 300}), 3: complete("deliver")}),
    "message_boundary": Case("message_boundary.bpmn", "conf_message_boundary", {},
                             {1: message("conf_cancel", payload={"reason": "客户撤单"}), 2: complete("notify")}),
    "error_event": Case("error_event.bpmn", "conf_error_event", {},
                        {1: complete("check", outcome="return"), 2: complete("fix")}),
    "escalation_event": Case("escalation_event.bpmn", "conf_escalation_event", {},
                             {1: complete("finish"), 2: complete("informed")},
                             roles={"finish": "seat", "informed": "dept_head"}),
    "signal_event": Case("signal_event.bpmn", "conf_signal_event", {},
                         {1: complete("prepare"), 2: complete("proceed")}),
    "business_rule_dmn": Case("business_rule.bpmn", "conf_business_rule", {"amount": 1500},
                              {1: complete("confirm")}, dmn=("business_rule.dmn",)),
    "script_task": Case("script_task.bpmn", "conf_script_task", {"price": 25, "quantity": 4},
                        {1: complete("confirm")}),
    "manual_and_plain_task": Case("manual_and_plain_task.bpmn", "conf_manual_plain", {},
                                  {1: complete("hand_over"), 2: complete("file_receipt")},
                                  roles={"hand_over": "seat", "file_receipt": "finance"}),
}
LAST_STEP = len(STEP_AT) - 1


# --- the reference: SpiffWorkflow alone ------------------------------------------------------------


class Reference:
    """One case on the bare library: default script engine, its own serializer (spec included) between steps."""

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def __init__(self, case: Case) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(CONFORMANCE / case.file))
        for name in case.dmn:
            parser.add_dmn_file(str(CONFORMANCE / name))
        workflow = BpmnWorkflow(parser.get_spec(case.process), parser.get_subprocess_specs(case.process))
        workflow.get_tasks(state=TaskState.READY)[0].set_data(**case.start)
        self._steps(workflow)
        self.stored = self.serializer.serialize_json(workflow)

    @staticmethod
    def _steps(workflow: BpmnWorkflow) -> None:
        workflow.do_engine_steps()
        workflow.do_engine_steps()

    def step(self, action: dict[str, Any] | None) -> dict[str, Any]:
        """Restore, act as the gateway would (data plus outcome and comment; messages with the correlation
        in the payload), let due timers fire, store again."""
        workflow = self.serializer.deserialize_json(self.stored)
        if action is not None and action["kind"] == "complete":
            candidates = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                          if t.task_spec.bpmn_id == action["element"]
                          and all(t.data.get(k) == v for k, v in action["where"].items())]
            task = candidates[0]
            task.set_data(**action["data"], outcome=action["outcome"], comment="")
            task.run()
            self._steps(workflow)
        elif action is not None and action["kind"] == "message":
            definition = self._waiting_for(workflow, action["name"])
            workflow.send_event(BpmnEvent(definition, payload={**action["correlation"], **action["payload"]}))
            self._steps(workflow)
        workflow.refresh_timers()
        self._steps(workflow)
        self.stored = self.serializer.serialize_json(workflow)
        return snapshot(workflow)

    @staticmethod
    def _waiting_for(workflow: BpmnWorkflow, name: str) -> Any:
        definitions = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            definition = task.task_spec.event_definition
            definitions += (definition.event_definitions if isinstance(definition, MultipleEventDefinition)
                            else [definition])
        for sub_name in workflow.spec.start.trigger_specs:
            definitions += [s.event_definition for s in workflow.subprocess_specs[sub_name].bpmn_start_events]
        return next(d for d in definitions if isinstance(d, MessageEventDefinition) and d.name == name)


def _reference_run() -> dict[str, list[dict[str, Any]]]:
    states: dict[str, list[dict[str, Any]]] = {}
    for number, moment in enumerate(STEP_AT):
        with time_machine.travel(moment, tick=False):
            for name, case in CASES.items():
                if number == 0:
                    reference = Reference(case)
                    states[name] = [{"reference": reference}]
                    # As in the worker, due timers get their chance right after the start, in the same step.
                    states[name][0]["state"] = reference.step(None)
                else:
                    states[name].append({"state": states[name][0]["reference"].step(case.steps.get(number))})
    return states


# --- the product: one fresh process per step ---------------------------------------------------------


def _worker(request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.integration.conformance_worker"], input=json.dumps(request),
                          capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def runs(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run every case step by step in the product (fresh processes) and on the bare library."""
    folder = tmp_path_factory.mktemp("conformance")
    url = databases.fresh("demo", folder)
    pids = []
    product: dict[str, list[dict[str, Any]]] = {name: [] for name in CASES}
    try:
        for number, moment in enumerate(STEP_AT):
            request: dict[str, Any] = {"database_url": url, "instance_path": str(folder / "instance"),
                                       "now": moment.isoformat(), "report": list(CASES)}
            if number == 0:
                request["deploy"] = [{"file": c.file, "dmn": list(c.dmn)} for c in CASES.values()]
                request["actions"] = {name: {"kind": "start", "process": c.process, "data": c.start}
                                      for name, c in CASES.items()}
            else:
                request["actions"] = {name: c.steps[number] for name, c in CASES.items() if number in c.steps}
            answer = _worker(request)
            pids.append(answer["pid"])
            for name in CASES:
                product[name].append(answer["cases"][name])
    finally:
        databases.drop(url)
    return {"pids": pids, "product": product, "reference": _reference_run()}


def test_every_step_is_served_by_a_process_that_did_not_serve_the_previous_one(runs: dict[str, Any]) -> None:
    pids = runs["pids"]
    assert len(set(pids)) == len(STEP_AT) and os.getpid() not in pids


@pytest.mark.parametrize("name", list(CASES))
def test_construct_runs_like_spiffworkflow_across_fresh_processes(runs: dict[str, Any], name: str) -> None:
    case = CASES[name]
    product, reference = runs["product"][name], runs["reference"][name]
    for number in range(len(STEP_AT)):
        seen, expected = product[number], reference[number]["state"]
        where = f"{name}, step {number} ({case.steps.get(number, 'start' if number == 0 else 'time passes')})"
        assert seen["refused"] is None, f"{where}: {seen['refused']}"
        assert seen["status"] != "error", f"{where}: incident {seen['error']}"
        assert seen["engine"] == expected, where
        inbox = sorted(element for element, _role, _form in seen["rows"])
        assert inbox == sorted(element for element, _data in expected["ready"]), f"{where}: inbox"
        assert (seen["status"] == "completed") == expected["completed"], where
        for element, role, form_key in seen["rows"]:
            assert role == case.roles.get(element, "seat") and form_key == "test_comment", f"{where}: {element}"
    final = product[LAST_STEP]
    assert final["status"] == "completed", f"{name} ends {final['status']}: {final['engine']}"
    assert final["next_timer_at"] is None


def test_a_triggered_event_subprocess_leaves_the_spec_of_later_instances_alone(deploy_fixture):
    """SpiffWorkflow connects a message-started event sub-process into the spec when the message arrives;
    on a cached spec every later instance would then wait for it and never end."""
    from app import workflow
    from app.extensions import db
    from app.workflow.models import InstanceStatus, TaskStatus, WorkflowTask
    from tests.conftest import user_named

    deploy_fixture("conformance/event_subprocess_interrupting")
    owner = user_named("seat01")

    def start(key: str) -> Any:
        return workflow.start(db.session, "conf_event_sub_interrupting", business_key=key, org_id=owner.org_id,
                              owner_id=owner.id, actor=owner)

    first = start("conf:first")
    assert workflow.send_message(db.session, "conf_withdraw", {}) == [first.id]
    later = start("conf:later")
    [work] = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == later.id,
                                                           WorkflowTask.status == TaskStatus.OPEN)).all()
    workflow.complete_task(db.session, work.id, owner, {}, outcome="submit")
    db.session.commit()
    assert later.status == InstanceStatus.COMPLETED
