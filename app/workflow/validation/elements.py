"""Checks of the elements people and the registry resolve: lanes and forms of human tasks, start settings,
gateway exits and service operations."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from app.workflow import operations
from app.workflow.validation.common import (
    DATA_STORE_UNSUPPORTED,
    NS,
    Problem,
    name_of,
    problem,
    properties,
    split_roles,
)
from app.workflow.validation.expressions import check_expression
from forms import registry as form_registry

HUMAN_TASKS = ("userTask", "manualTask", "task")  # a plain task runs as a manual task


def lanes(process: etree._Element) -> dict[str, str]:
    """Map flow-node id → lane name."""
    result = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text:
                result[ref.text.strip()] = name_of(lane)
    return result


def process_start_events(process: etree._Element) -> list[etree._Element]:
    """The process's own start events (not those of sub-processes)."""
    return list(process.iterfind("bpmn:startEvent", NS))


def check_start_events(problems: list[Problem], process: etree._Element, known_roles: Mapping[str, str]) -> None:
    """``startRoles`` name known roles; a start form exists and is reachable (someone may start the process)."""
    for start in process_start_events(process):
        props = properties(start)
        roles = split_roles(props.get("startRoles", ""))
        for role in roles:
            if role not in known_roles:
                problems.append(problem(start, f"可发起角色“{role}”不是已知角色的名称或编码"))
        form_key = props.get("formKey", "").strip()
        if form_key and not form_registry.exists(form_key):
            problems.append(problem(start, f"发起表单“{form_key}”不存在或定义有误"))
        # 发起流程 lists a process only through startRoles: a start form without them is a process nobody
        # can start from the screen, and an empty startRoles value is a setting that was meant to be filled.
        if not roles and (form_key or "startRoles" in props):
            problems.append(problem(start, "设置了发起表单或可发起角色属性，但没有可发起角色（startRoles）："
                                           "没有人能在“发起流程”中发起它；请在“发起设置”中勾选可发起角色"))


def check_human_tasks(problems: list[Problem], process: etree._Element, known_roles: Mapping[str, str]) -> None:
    """Every user/manual task sits in a role lane and names an existing form."""
    lane_of = lanes(process)
    for kind in HUMAN_TASKS:
        for task in process.iterfind(f".//bpmn:{kind}", NS):
            lane = lane_of.get(str(task.get("id") or ""))
            props = properties(task)
            if props.get("candidateGroups") or props.get("candidateUsers"):
                pass  # candidates replace the lane; app.workflow.routing.check checks them
            elif not lane:
                problems.append(problem(task, "人工任务必须放在一个泳道中（泳道名称为角色），或设置候选组/候选人"))
            elif lane not in known_roles:
                problems.append(problem(task, f"泳道“{lane}”不是已知角色的名称或编码"))
            form_key = props.get("formKey", "").strip()
            if not form_key:
                problems.append(problem(task, "人工任务缺少表单（formKey）"))
            elif not form_registry.exists(form_key):
                problems.append(problem(task, f"表单“{form_key}”不存在或定义有误"))
            if props.get("assignee"):
                check_expression(problems, task, props["assignee"], "处理人表达式")
            if props.get("dueDays") and not props["dueDays"].strip().isdigit():
                problems.append(problem(task, "dueDays 必须是整数天数"))


def check_gateways(problems: list[Problem], process: etree._Element) -> None:
    """A gateway without a default flow needs a condition on every outgoing flow."""
    flows = {f.get("id"): f for f in process.iterfind(".//bpmn:sequenceFlow", NS)}
    for kind in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in process.iterfind(f".//bpmn:{kind}", NS):
            outgoing = [o.text.strip() for o in gateway.iterfind("bpmn:outgoing", NS) if o.text]
            if len(outgoing) < 2 or gateway.get("default"):
                continue
            for flow_id in outgoing:
                flow = flows.get(flow_id)
                condition = flow.find("bpmn:conditionExpression", NS) if flow is not None else None
                if condition is None or not (condition.text or "").strip():
                    problems.append(problem(gateway, f"网关没有默认路径，出口连线 {flow_id} 必须设置条件"))


def check_services(problems: list[Problem], process: etree._Element) -> None:
    """A service task names a registered operation."""
    for service in process.iterfind(".//bpmn:serviceTask", NS):
        operator = service.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        name = operator.get("id", "") if operator is not None else ""
        if not name:
            problems.append(problem(service, "服务任务没有指定服务操作（spiffworkflow:serviceTaskOperator）"))
        elif name not in operations.REGISTRY:
            problems.append(problem(service, f"服务操作“{name}”未注册"))


def check_data_stores(problems: list[Problem], root: etree._Element) -> None:
    """No data store is registered with the engine: name each one (the library's error names none)."""
    for store in root.iterfind(".//bpmn:dataStore", NS):
        problems.append(problem(store, DATA_STORE_UNSUPPORTED.format(name_of(store))))
