"""Conditions that read a variable nothing sets (a typo such as ``priorty``): every instance would fail there.

The check is conservative: it runs only where every source of data is visible in the diagram and the
forms registry, and flags a name only when none of them can set it. That means:
- only processes started from 发起流程 (``startRoles`` on the start event): their start data is the start
  form plus ``initiator_id``, ``owner_id`` and, when started about a customer, project or trade, its id
  (``customer_id``, ``project_id``, ``trade_id``; app.workflow.launch). A process started by domain code or
  the API receives data the diagram cannot show, so its conditions are not checked;
- the process is skipped when data can arrive from elsewhere: a call activity (the called process's data
  comes back), a message, signal, error or escalation caught without a variable (its payload is merged into
  the task data), a business-rule task calling a decision the given tables do not define, or a form key the
  registry does not know (reported as its own problem);
- known names: fields of the start form and of every user/manual task form, ``outcome``, ``comment``,
  ``initiator_id``, ``owner_id``, names a script, pre- or post-script assigns, a service task's result
  variable, message and event variables, multi-instance items and output collections, data objects, data
  inputs/outputs, and the outputs of the decision tables the diagram calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from lxml import etree

from app.workflow import sandbox
from app.workflow.validation.common import NS, Problem, local_name, problem, properties, split_roles
from app.workflow.validation.elements import HUMAN_TASKS, process_start_events
from app.workflow.xmlsafe import parse_xml
from forms import registry as form_registry

START_DATA = frozenset({"initiator_id", "owner_id", "customer_id", "project_id", "trade_id"})
PAYLOAD_EVENTS = ("messageEventDefinition", "signalEventDefinition", "errorEventDefinition",
                  "escalationEventDefinition")
CATCHING = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"})
_VARIABLE_TAGS = ("messageVariable", "variableName")


def _assigned(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()  # reported by the script check
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    return names


def _catches_payload_without_variable(process: etree._Element) -> bool:
    for kind in PAYLOAD_EVENTS:
        for definition in process.iterfind(f".//bpmn:{kind}", NS):
            event = definition.getparent()
            if event is None or local_name(event) not in CATCHING:
                continue
            if not any((v.text or "").strip() for tag in _VARIABLE_TAGS
                       for v in event.iterfind(f".//spiffworkflow:{tag}", NS)):
                return True
    return False


def _decision_outputs(dmn_xmls: Iterable[str]) -> dict[str, set[str]]:
    outputs: dict[str, set[str]] = {}
    for text in dmn_xmls:
        for node in parse_xml(text, "DMN").iter():
            if local_name(node) == "decision":
                outputs[str(node.get("id"))] = {str(o.get("name")) for o in node.iter()
                                                if local_name(o) == "output" and o.get("name")}
    return outputs


def _known_names(process: etree._Element, dmn_xmls: Iterable[str]) -> set[str] | None:
    """Every name something in the process may set, or None when a source cannot be seen."""
    if process.find(".//bpmn:callActivity", NS) is not None or _catches_payload_without_variable(process):
        return None
    names = set(START_DATA) | set(sandbox.SAFE_FUNCTIONS)
    form_nodes = [*process_start_events(process), *(t for kind in HUMAN_TASKS
                                                     for t in process.iterfind(f".//bpmn:{kind}", NS))]
    for node in form_nodes:
        key = properties(node).get("formKey", "").strip()
        if key:
            fields = form_registry.field_names(key)
            if fields is None:
                return None
            names |= fields
    outputs = _decision_outputs(dmn_xmls)
    for called in process.iterfind(".//spiffworkflow:calledDecisionId", NS):
        decision = (called.text or "").strip()
        if decision not in outputs:
            return None
        names |= outputs[decision]
    for node in process.iter():
        tag = local_name(node)
        if tag in ("script", "preScript", "postScript"):
            names |= _assigned(node.text or "")
        elif tag in _VARIABLE_TAGS or tag == "loopDataOutputRef":
            names.add((node.text or "").strip())
        elif tag == "serviceTaskOperator" and node.get("resultVariable"):
            names.add(str(node.get("resultVariable")))
        elif tag in ("inputDataItem", "outputDataItem", "dataObject", "dataObjectReference", "dataInput",
                     "dataOutput"):
            names |= {str(node.get(a)) for a in ("id", "name") if node.get(a)}
    return names


def check_condition_names(problems: list[Problem], process: etree._Element, dmn_xmls: Iterable[str]) -> None:
    """Report a condition of a 发起流程 process reading a variable no form, script or start data sets."""
    if not any(split_roles(properties(start).get("startRoles", "")) for start in process_start_events(process)):
        return
    known = _known_names(process, dmn_xmls)
    if known is None:
        return
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        condition = flow.find("bpmn:conditionExpression", NS)
        text = (condition.text or "").strip() if condition is not None else ""
        try:
            tree = ast.parse(text, mode="eval") if text else None
        except SyntaxError:
            continue  # reported by the expression check
        if tree is None:
            continue
        unknown = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - known)
        for name in unknown:
            problems.append(problem(flow, f"条件“{text}”中的变量 {name} 没有任何表单字段、脚本、发起数据或结果变量"
                                          "设置过，每个实例都会在这里出错；请检查拼写"))
