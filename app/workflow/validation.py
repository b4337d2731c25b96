"""Checks a diagram must pass before deployment, each reported against the element it concerns.

Beyond "SpiffWorkflow can parse it": every user task sits in a lane naming a known role and has a
form key the forms registry resolves; every condition, timer and parameter expression passes the
sandbox; every script compiles under RestrictedPython; gateways without a default flow have a
condition on each outgoing flow; service tasks name a registered operation; a start event that makes
the process startable from 发起流程 names known roles (``startRoles``) and an existing start form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from app.workflow import operations, sandbox
from forms import registry as form_registry

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
HUMAN_TASKS = ("userTask", "manualTask")


@dataclass(frozen=True)
class Problem:
    element_id: str
    element_name: str
    message: str

    def __str__(self) -> str:
        where = f"{self.element_name}（{self.element_id}）" if self.element_name else self.element_id
        return f"{where}：{self.message}" if where else self.message


def _name(node: etree._Element) -> str:
    return str(node.get("name") or "")


def _lanes(process: etree._Element) -> dict[str, str]:
    """Map flow-node id → lane name."""
    result = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text:
                result[ref.text.strip()] = _name(lane)
    return result


def properties(node: etree._Element) -> dict[str, str]:
    """The ``spiffworkflow:properties`` of an element as a dict."""
    return {p.get("name", ""): p.get("value", "")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def split_roles(value: str) -> list[str]:
    """Role codes or names listed in a ``startRoles`` property (comma-separated, either comma)."""
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


def _check_start_events(problems: list[Problem], process: etree._Element, known_roles: Mapping[str, str]) -> None:
    for start in process.iterfind("bpmn:startEvent", NS):
        props = properties(start)
        for role in split_roles(props.get("startRoles", "")):
            if role not in known_roles:
                problems.append(Problem(start.get("id", ""), _name(start),
                                        f"可发起角色“{role}”不是已知角色的名称或编码"))
        form_key = props.get("formKey", "").strip()
        if form_key and not form_registry.exists(form_key):
            problems.append(Problem(start.get("id", ""), _name(start), f"发起表单“{form_key}”不存在或定义有误"))


def _check_expression(problems: list[Problem], node: etree._Element, expression: str, what: str) -> None:
    try:
        sandbox.parse_expression(expression)
    except SyntaxError as exc:
        problems.append(Problem(node.get("id", ""), _name(node), f"{what}“{expression}”不能通过安全检查：{exc.msg}"))


def _check_script(problems: list[Problem], node: etree._Element, script: str, what: str) -> None:
    try:
        sandbox.compile_script(script)
    except SyntaxError as exc:
        detail = "；".join(str(a) for a in exc.args[0]) if exc.args and isinstance(exc.args[0], tuple) else str(exc)
        problems.append(Problem(node.get("id", ""), _name(node), f"{what}不能通过安全检查：{detail}"))


def check(root: etree._Element, known_roles: Mapping[str, str]) -> list[Problem]:
    """Return every problem found in a parsed BPMN document (empty when deployable).

    ``known_roles`` maps a role code and a role name to the role code.
    """
    problems: list[Problem] = []
    for process in root.iterfind("bpmn:process", NS):
        lanes = _lanes(process)
        _check_start_events(problems, process, known_roles)
        flows = {f.get("id"): f for f in process.iterfind(".//bpmn:sequenceFlow", NS)}
        for kind in HUMAN_TASKS:
            for task in process.iterfind(f".//bpmn:{kind}", NS):
                tid = task.get("id", "")
                lane = lanes.get(tid)
                props = properties(task)
                if props.get("candidateGroups") or props.get("candidateUsers"):
                    pass  # candidates replace the lane; app.workflow.routing.check checks them
                elif not lane:
                    problems.append(Problem(tid, _name(task), "人工任务必须放在一个泳道中（泳道名称为角色），"
                                                              "或设置候选组/候选人"))
                elif lane not in known_roles:
                    problems.append(Problem(tid, _name(task), f"泳道“{lane}”不是已知角色的名称或编码"))
                form_key = props.get("formKey", "").strip()
                if not form_key:
                    problems.append(Problem(tid, _name(task), "人工任务缺少表单（formKey）"))
                elif not form_registry.exists(form_key):
                    problems.append(Problem(tid, _name(task), f"表单“{form_key}”不存在或定义有误"))
                if props.get("assignee"):
                    _check_expression(problems, task, props["assignee"], "处理人表达式")
                if props.get("dueDays") and not props["dueDays"].strip().isdigit():
                    problems.append(Problem(tid, _name(task), "dueDays 必须是整数天数"))
        for flow in flows.values():
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is not None and (condition.text or "").strip():
                _check_expression(problems, flow, condition.text.strip(), "条件")
        for kind in ("exclusiveGateway", "inclusiveGateway"):
            for gateway in process.iterfind(f".//bpmn:{kind}", NS):
                outgoing = [o.text.strip() for o in gateway.iterfind("bpmn:outgoing", NS) if o.text]
                if len(outgoing) < 2 or gateway.get("default"):
                    continue
                for flow_id in outgoing:
                    flow = flows.get(flow_id)
                    condition = flow.find("bpmn:conditionExpression", NS) if flow is not None else None
                    if condition is None or not (condition.text or "").strip():
                        problems.append(Problem(gateway.get("id", ""), _name(gateway),
                                                f"网关没有默认路径，出口连线 {flow_id} 必须设置条件"))
        for timer in process.iterfind(".//bpmn:timerEventDefinition", NS):
            event = timer.getparent()
            for tag in ("timeDuration", "timeDate", "timeCycle"):
                expr = timer.find(f"bpmn:{tag}", NS)
                if expr is not None and (expr.text or "").strip():
                    _check_expression(problems, event, expr.text.strip(), "定时器表达式")
        for script_task in process.iterfind(".//bpmn:scriptTask", NS):
            script = script_task.find("bpmn:script", NS)
            _check_script(problems, script_task, (script.text or "") if script is not None else "", "脚本")
        for node in process.iter():
            for tag in ("preScript", "postScript"):
                extra = node.find(f"bpmn:extensionElements/spiffworkflow:{tag}", NS)
                if extra is not None and (extra.text or "").strip():
                    _check_script(problems, node, extra.text or "", "前置脚本" if tag == "preScript" else "后置脚本")
        for service in process.iterfind(".//bpmn:serviceTask", NS):
            operator = service.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            name = operator.get("id", "") if operator is not None else ""
            if not name:
                problems.append(Problem(service.get("id", ""), _name(service), "服务任务没有指定服务操作"))
            elif name not in operations.REGISTRY:
                problems.append(Problem(service.get("id", ""), _name(service), f"服务操作“{name}”未注册"))
            for param in service.iterfind(".//spiffworkflow:parameter", NS):
                if param.get("value"):
                    _check_expression(problems, service, param.get("value", ""), f"参数 {param.get('id')}")
        for payload in process.iterfind(".//spiffworkflow:messagePayload", NS):
            if (payload.text or "").strip():
                event = payload.getparent().getparent() if payload.getparent() is not None else payload
                _check_expression(problems, event, payload.text.strip(), "消息内容表达式")
    return problems
