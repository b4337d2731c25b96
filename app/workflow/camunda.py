"""Diagrams from Camunda Modeler: rewritten in place into this product's conventions before they are checked,
parsed or stored, so the designer and the engine see the same diagram.

What is read (Camunda 7 ``camunda:``, Camunda 8 ``zeebe:``):
- ``formKey``/``formRef`` (``zeebe:formDefinition``) → property ``formKey`` (Camunda prefixes such as
  ``camunda-forms:deployment:`` and a ``.form``/``.html`` suffix dropped);
- ``assignee`` → property ``assignee`` (a username literal, or a translated expression);
- ``candidateGroups``/``candidateUsers`` → properties of the same names (roles by code or name, usernames);
- the process's ``candidateStarterGroups`` → the start event's ``startRoles``;
- the start event's ``initiator`` variable → ``initiator_id`` wherever an expression names it;
- JUEL/FEEL conditions and timer expressions → sandbox expressions (``app.workflow.juel``); bare ISO timer
  literals (Camunda writes ``PT5M``) → quoted strings; cron cycles → ISO repeating intervals where one exists.
What cannot run here (listeners, Java delegates, input/output mappings, generated forms, non-Python scripts,
method calls in expressions) is reported as a problem naming the element; nothing is silently dropped.

The rewrite is idempotent: a translated diagram has no camunda attributes and no ``${…}`` left, so reading it
again changes nothing (stored versions are translated once and parsed many times).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from lxml import etree

from app.workflow import juel, sandbox
from app.workflow.validation import NS, Problem
from app.workflow.xmlsafe import parse_xml, to_text

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
MODELER = "http://camunda.org/schema/modeler/1.0"
BPMN = NS["bpmn"]
SPIFF = NS["spiffworkflow"]
HUMAN = ("userTask", "manualTask", "task")
# Attributes that carry code or data mappings Camunda would run; here they would be silently ignored.
UNSUPPORTED_ATTRIBUTES = {
    "class": "Java 类（camunda:class）", "delegateExpression": "委托表达式（camunda:delegateExpression）",
    "expression": "表达式实现（camunda:expression）", "type": "外部任务（camunda:type）",
    "resource": "外部脚本资源（camunda:resource）", "decisionRef": "决策引用（camunda:decisionRef）",
}
UNSUPPORTED_ELEMENTS = {
    "executionListener": "执行监听器（executionListener）", "taskListener": "任务监听器（taskListener）",
    "inputOutput": "输入/输出映射（inputOutput）", "formData": "Camunda 生成式表单（formData）",
    "in": "调用活动变量传入（camunda:in）", "out": "调用活动变量传出（camunda:out）",
    "connector": "连接器（connector）", "field": "字段注入（camunda:field）",
    "taskDefinition": "Zeebe 作业类型（zeebe:taskDefinition）", "ioMapping": "Zeebe 输入/输出映射（ioMapping）",
    "taskHeaders": "Zeebe 任务头（taskHeaders）", "calledDecision": "Zeebe 决策调用（calledDecision）",
}
FORM_PREFIXES = re.compile(r"^(?:embedded:)?(?:camunda-forms:)?(?:app:|deployment:|bpmn:)?(?:forms/)?")
ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?"
                          r"(?:\d+(?:[.,]\d+)?S)?)?$", re.IGNORECASE)
ISO_CYCLE = re.compile(r"^R\d*/[^/\s]+(?:/[^/\s]+)?$", re.IGNORECASE)


def is_camunda(root: etree._Element) -> bool:
    """Tell whether a document was made for Camunda (declares its namespaces or execution platform)."""
    namespaces = {uri for node in root.iter() if isinstance(node.tag, str) for uri in node.nsmap.values()}
    return bool(namespaces & {CAMUNDA, ZEEBE}) or root.get(f"{{{MODELER}}}executionPlatform", "").startswith("Camunda")


def translate(root: etree._Element) -> list[Problem]:
    """Rewrite a Camunda diagram into this product's conventions in place; return what cannot be translated.

    A document that is not from Camunda is left alone (and no problems are returned).
    """
    if not is_camunda(root):
        return []
    problems: list[Problem] = []
    for process in root.iterfind("bpmn:process", NS):
        renames = _initiators(process)
        _translate_starters(process)
        for node in process.iter():
            if not isinstance(node.tag, str):
                continue
            _refuse_unsupported(node, problems)
            local = etree.QName(node).localname if node.tag.startswith(f"{{{BPMN}}}") else ""
            if local in (*HUMAN, "startEvent"):
                _translate_task(node, renames, problems)
            elif local == "conditionExpression":
                _translate_condition(node, renames, problems)
            elif local in ("timeDuration", "timeDate", "timeCycle"):
                _translate_timer(node, local, renames, problems)
    # One spiffworkflow declaration on the root instead of one on every properties element; the Camunda
    # declarations stay, so the stored diagram is still recognised (and its leftovers reported) when read again.
    keep = [prefix for prefix, uri in root.nsmap.items() if prefix and uri in (CAMUNDA, ZEEBE)]
    etree.cleanup_namespaces(root, top_nsmap={"spiffworkflow": SPIFF}, keep_ns_prefixes=keep)
    return problems


_QUOTED = re.compile(r"“([^”]*)”")


def merge(own: list[Problem], others: list[Problem]) -> list[Problem]:
    """``own`` (from ``translate``) and the other checks' problems, without those about the same untranslated
    text of the same element (the sandbox would only add "不能通过安全检查" to the clearer reason)."""
    quoted = {(p.element_id, text) for p in own for text in _QUOTED.findall(p.message)}
    return own + [p for p in others if not any((p.element_id, text) in quoted for text in _QUOTED.findall(p.message))]


def translated_text(xml: str) -> tuple[str, bool]:
    """The document after ``translate`` (unchanged when nothing needed it) and whether it came from Camunda."""
    root = parse_xml(xml, "BPMN")
    if not is_camunda(root):
        return xml, False
    before = to_text(root)
    translate(root)
    after = to_text(root)
    return (after if after != before else xml), True


# --- elements ---------------------------------------------------------------------------------------


def _where(node: etree._Element) -> etree._Element:
    """The flow element a nested node belongs to (a timer's event, a condition's sequence flow)."""
    current: etree._Element | None = node
    while current is not None and (not current.get("id") or _is_part(current)):
        current = current.getparent()
    return current if current is not None else node


def _is_part(node: etree._Element) -> bool:
    """An event definition or extension element: problems are reported on the element that holds it."""
    qname = etree.QName(node)
    return qname.localname.endswith("EventDefinition") or qname.namespace != BPMN


def _problem(node: etree._Element, message: str) -> Problem:
    element = _where(node)
    return Problem(str(element.get("id") or ""), str(element.get("name") or ""), message)


def _initiators(process: etree._Element) -> dict[str, str]:
    """``camunda:initiator="starter"`` on a start event: expressions naming ``starter`` mean ``initiator_id``."""
    renames = {}
    for start in process.iterfind("bpmn:startEvent", NS):
        name = start.get(f"{{{CAMUNDA}}}initiator", "").strip()
        if name:
            renames[name] = "initiator_id"
    return renames


def _translate_starters(process: etree._Element) -> None:
    groups = process.attrib.pop(f"{{{CAMUNDA}}}candidateStarterGroups", "").strip()
    if not groups:
        return
    for start in process.iterfind("bpmn:startEvent", NS):
        if start.find("bpmn:eventDefinition", NS) is None:
            _set_property(start, "startRoles", groups)


def _refuse_unsupported(node: etree._Element, problems: list[Problem]) -> None:
    for attribute, what in UNSUPPORTED_ATTRIBUTES.items():
        value = node.get(f"{{{CAMUNDA}}}{attribute}")
        if value is not None:
            problems.append(_problem(node, f"{what}“{value}”在本系统中无法执行，请改用服务操作或删除"))
    qname = etree.QName(node)
    if qname.namespace in (CAMUNDA, ZEEBE) and qname.localname in UNSUPPORTED_ELEMENTS:
        problems.append(_problem(node, f"{UNSUPPORTED_ELEMENTS[qname.localname]}在本系统中无法执行，请删除或改写"))


def _translate_task(node: etree._Element, renames: dict[str, str], problems: list[Problem]) -> None:
    zeebe_form = node.find(f"bpmn:extensionElements/{{{ZEEBE}}}formDefinition", NS)
    assignment = node.find(f"bpmn:extensionElements/{{{ZEEBE}}}assignmentDefinition", NS)
    form = _get(node, "formKey") or _get(node, "formRef")
    if zeebe_form is not None:
        form = form or zeebe_form.get("formId", "") or zeebe_form.get("formKey", "")
    values = {name: _get(node, name) or (assignment.get(name, "") if assignment is not None else "")
              for name in ("assignee", "candidateGroups", "candidateUsers")}
    translated: dict[str, str] = {}
    if form:
        translated["formKey"] = FORM_PREFIXES.sub("", form).removesuffix(".form").removesuffix(".html")
    for name in ("candidateGroups", "candidateUsers"):
        value = values[name].strip()
        if juel.is_juel(value) or value.startswith("="):
            problems.append(_problem(node, f"候选{'组' if name == 'candidateGroups' else '人'}“{value}”是表达式，"
                                           "只支持固定的逗号分隔列表"))
            return  # left as it is, so the problem is found again whenever the diagram is read
        if value:
            translated[name] = value
    assignee = values["assignee"].strip()
    if assignee:
        expression = _expression(node, assignee, "处理人", renames, problems, literal=repr)
        if expression is None:
            return
        translated["assignee"] = expression
    for name in ("formKey", "formRef", "assignee", "candidateGroups", "candidateUsers"):
        node.attrib.pop(f"{{{CAMUNDA}}}{name}", None)
    for zeebe in (zeebe_form, assignment):
        parent = zeebe.getparent() if zeebe is not None else None
        if parent is not None:
            parent.remove(zeebe)
    for name, value in translated.items():
        _set_property(node, name, value)


def _translate_condition(node: etree._Element, renames: dict[str, str], problems: list[Problem]) -> None:
    language = node.get("language", "")
    if language and language.lower() not in ("python", "juel", "feel"):
        problems.append(_problem(node, f"条件使用 {language} 语言，本系统只支持 Python 表达式"))
        return
    text = (node.text or "").strip()
    if not text or not (juel.is_juel(text) or text.startswith("=")):
        return  # already an expression of ours
    expression = _expression(node, text, "条件", renames, problems, literal=None)
    if expression is not None:
        node.text = expression
        node.attrib.pop("language", None)


def _translate_timer(node: etree._Element, kind: str, renames: dict[str, str], problems: list[Problem]) -> None:
    text = (node.text or "").strip()
    if not text or text[0] in "\"'":
        return  # empty (reported by validation) or already a quoted literal
    if juel.is_juel(text) or text.startswith("="):
        expression = _expression(node, text, "定时器", renames, problems, literal=None)
    else:
        expression = _timer_literal(node, kind, text, problems)
    if expression is not None:
        node.text = expression


def _timer_literal(node: etree._Element, kind: str, text: str, problems: list[Problem]) -> str | None:
    """A bare ISO literal, quoted (the engine evaluates timers as expressions); a cron cycle as an interval;
    an expression of ours (a translated ``${wait}`` read again) as it is."""
    if kind == "timeDuration" and ISO_DURATION.match(text):
        return f'"{text}"'
    if kind == "timeDate" and _is_datetime(text):
        return f'"{text}"'
    if kind == "timeCycle" and ISO_CYCLE.match(text):
        return f'"{text}"'
    if kind == "timeCycle" and len(text.split()) in (6, 7):
        try:
            return f'"{juel.cron_to_iso(text)}"'
        except juel.JuelRefused as exc:
            problems.append(_problem(node, f"循环定时器“{text}”是 Quartz cron 表达式，无法转换：{exc}。"
                                           "请改为 ISO 8601 重复间隔，如 \"R/PT1H\"（每小时）、"
                                           "\"R/P1D\"（每天，从定时器开始计时）"))
            return None
    if _is_expression(text):
        return text
    what = {"timeDuration": "ISO 8601 时长（如 PT5M）", "timeDate": "ISO 8601 日期时间（如 2027-01-31T09:00:00）",
            "timeCycle": "ISO 8601 重复间隔（如 R/PT1H）或 cron 表达式"}
    problems.append(_problem(node, f"定时器“{text}”不是 {what[kind]}"))
    return None


def _is_expression(text: str) -> bool:
    try:
        sandbox.parse_expression(text)
    except SyntaxError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- helpers ----------------------------------------------------------------------------------------


def _expression(node: etree._Element, text: str, what: str, renames: dict[str, str], problems: list[Problem],
                literal: Callable[[str], str] | None) -> str | None:
    """A JUEL/FEEL text as a sandbox expression; a plain text as ``literal(text)`` when literals are allowed."""
    if not (juel.is_juel(text) or text.startswith("=")):
        return literal(text) if literal is not None else text
    try:
        return juel.translate(text, renames)
    except juel.JuelRefused as exc:
        problems.append(_problem(node, f"{what}“{text}”是 Camunda 表达式，无法自动转换：{exc}。"
                                       "只支持变量、属性、常量、比较、算术、and/or/not、empty 与 ? :"))
        return None


def _get(node: etree._Element, name: str) -> str:
    return str(node.get(f"{{{CAMUNDA}}}{name}", ""))


def _set_property(node: etree._Element, name: str, value: str) -> None:
    """Set ``spiffworkflow:properties/property[name]`` unless the diagram already gives one."""
    extensions = node.find("bpmn:extensionElements", NS)
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        documentation = node.findall("bpmn:documentation", NS)  # the schema wants documentation first
        node.insert(len(documentation), extensions)
    properties = extensions.find("spiffworkflow:properties", NS)
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties", nsmap={"spiffworkflow": SPIFF})
    for existing in properties.iterfind("spiffworkflow:property", NS):
        if existing.get("name") == name:
            return
    etree.SubElement(properties, f"{{{SPIFF}}}property", name=name, value=value)
