"""Compare two BPMN documents element by element: added, removed and changed, with what changed.

Only what the engine reads counts (type, name, lane, properties, conditions, timers, messages,
scripts, service operations, flow ends, default flows); moving a shape on the canvas is no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from app.workflow.xmlsafe import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
TYPE_LABELS = {
    "process": "流程", "lane": "泳道", "startEvent": "开始事件", "endEvent": "结束事件", "userTask": "用户任务",
    "manualTask": "人工任务", "task": "任务", "serviceTask": "服务任务", "scriptTask": "脚本任务",
    "businessRuleTask": "规则任务", "sendTask": "发送任务", "receiveTask": "接收任务", "callActivity": "调用活动",
    "subProcess": "子流程", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
    "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件", "sequenceFlow": "连线",
    "message": "消息", "correlationProperty": "关联属性",
}
SKIPPED = {"laneSet", "flowNodeRef", "incoming", "outgoing", "extensionElements", "documentation",
           "textAnnotation", "association", "dataObject", "dataObjectReference", "dataStoreReference"}


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # BPMN local name
    name: str
    change: str  # added | removed | changed
    details: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return TYPE_LABELS.get(self.kind, self.kind)

    @property
    def change_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改"}[self.change]


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _text(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def _message_names(root: etree._Element) -> dict[str, str]:
    return {str(m.get("id")): str(m.get("name") or m.get("id")) for m in root.iterfind("bpmn:message", NS)}


def _signature(node: etree._Element, lanes: dict[str, str], messages: dict[str, str],
               roles: Mapping[str, str]) -> dict[str, str]:
    """What the engine reads from one element, as labelled strings."""
    name = str(node.get("name") or "")
    sig: dict[str, str] = {"类型": TYPE_LABELS.get(_local(node), _local(node)),
                           "名称": roles.get(name, name) if _local(node) == "lane" else name}
    element_id = str(node.get("id"))
    if element_id in lanes:
        sig["泳道"] = lanes[element_id]
    for attr, label in (("sourceRef", "起点"), ("targetRef", "终点"), ("default", "默认路径"),
                        ("attachedToRef", "附着于"), ("cancelActivity", "中断"), ("calledElement", "调用流程"),
                        ("processRef", "流程")):
        if node.get(attr) is not None:
            sig[label] = str(node.get(attr))
    for prop in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        value = str(prop.get("value") or "")
        if prop.get("name") == "startRoles":
            value = ",".join(roles.get(code.strip(), code.strip()) for code in value.replace("，", ",").split(","))
        sig[f"属性 {prop.get('name')}"] = value
    for tag, label in (("preScript", "前置脚本"), ("postScript", "后置脚本")):
        extra = node.find(f"bpmn:extensionElements/spiffworkflow:{tag}", NS)
        if extra is not None:
            sig[label] = _text(extra)
    condition = node.find("bpmn:conditionExpression", NS)
    if condition is not None:
        sig["条件"] = _text(condition)
    script = node.find("bpmn:script", NS)
    if script is not None:
        sig["脚本"] = _text(script)
    operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        sig["服务操作"] = str(operator.get("id") or "")
        sig["结果变量"] = str(operator.get("resultVariable") or "")
        for param in operator.iterfind(".//spiffworkflow:parameter", NS):
            sig[f"参数 {param.get('id')}"] = str(param.get("value") or "")
    called = node.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
    if called is not None:
        sig["决策"] = _text(called)
    for definition in node:
        kind = _local(definition)
        if kind == "timerEventDefinition":
            for expr in definition:
                sig[f"定时器 {_local(expr)}"] = _text(expr)
        elif kind == "messageEventDefinition":
            sig["消息"] = messages.get(str(definition.get("messageRef")), str(definition.get("messageRef") or ""))
            payload = definition.find("bpmn:extensionElements/spiffworkflow:messagePayload", NS)
            if payload is not None:
                sig["消息内容"] = _text(payload)
            variable = definition.find("bpmn:extensionElements/spiffworkflow:messageVariable", NS)
            if variable is not None:
                sig["消息变量"] = _text(variable)
        elif kind.endswith("EventDefinition"):
            sig["事件类型"] = kind
    if _local(node) == "correlationProperty":
        for expression in node.iterfind("bpmn:correlationPropertyRetrievalExpression", NS):
            message = messages.get(str(expression.get("messageRef")), str(expression.get("messageRef")))
            # bpmn:messagePath as written by hand; bpmn-moddle writes it as bpmn:formalExpression.
            path = next((child for child in expression if _local(child)), None)
            sig[f"取值 {message}"] = _text(path)
    return sig


def _elements(xml: str | bytes, roles: Mapping[str, str]) -> dict[str, tuple[str, str, dict[str, str]]]:
    root = parse_xml(xml, "BPMN")
    messages = _message_names(root)
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text:
                name = str(lane.get("name") or lane.get("id"))
                lanes[ref.text.strip()] = roles.get(name, name)
    found: dict[str, tuple[str, str, dict[str, str]]] = {}
    scopes = list(root.iterfind("bpmn:process", NS)) + list(root.iterfind("bpmn:message", NS)) + list(
        root.iterfind("bpmn:correlationProperty", NS))
    for scope in scopes:
        for node in scope.iter():
            kind = _local(node)
            if not kind or kind in SKIPPED or kind.endswith("EventDefinition") or node.get("id") is None:
                continue
            if node.getparent() is not None and _local(node.getparent()) in ("extensionElements",):
                continue
            parent_kind = _local(node.getparent()) if node.getparent() is not None else ""
            if parent_kind.endswith("EventDefinition") or kind in ("conditionExpression", "script",
                                                                   "correlationPropertyRetrievalExpression"):
                continue
            sig = _signature(node, lanes, messages, roles)
            found[str(node.get("id"))] = (kind, sig["名称"], sig)
    return found


def compare(old_xml: str | bytes, new_xml: str | bytes, roles: Mapping[str, str] | None = None) -> list[ElementChange]:
    """Elements added, removed and changed from ``old_xml`` to ``new_xml`` (removed first, then changed, added).
    ``roles`` (code → name) shows lanes and start roles by role name, as the modeler does."""
    old, new = _elements(old_xml, roles or {}), _elements(new_xml, roles or {})
    changes: list[ElementChange] = []
    for element_id in sorted(old.keys() - new.keys()):
        kind, name, _sig = old[element_id]
        changes.append(ElementChange(element_id, kind, name, "removed"))
    for element_id in sorted(old.keys() & new.keys()):
        before, after = old[element_id][2], new[element_id][2]
        if before == after:
            continue
        details = []
        for label in list(dict.fromkeys([*before, *after])):
            if before.get(label) != after.get(label):
                details.append(f"{label}：{before.get(label) or '（无）'} → {after.get(label) or '（无）'}")
        kind, name, _sig = new[element_id]
        changes.append(ElementChange(element_id, kind, name or old[element_id][1], "changed", details))
    for element_id in sorted(new.keys() - old.keys()):
        kind, name, _sig = new[element_id]
        changes.append(ElementChange(element_id, kind, name, "added"))
    return changes
