"""Checks of what the engine evaluates: conditions, timers, parameters, scripts (and how a script is given)."""

from __future__ import annotations

import ast
import re

from lxml import etree

from app.workflow import sandbox
from app.workflow.validation.common import NS, Problem, problem

PYTHON_SCRIPT_FORMATS = frozenset({"", "python", "python3", "text/x-python", "application/x-python"})
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
# An ISO-8601 duration, date-time or repeating interval written bare: the expression would read it as a
# variable name (PT2M) or fail to parse (2026-01-01T09:00), and every instance would fail at the timer.
_DURATION = r"P(?=\d|T\d)(?:\d+(?:[.,]\d+)?[YMWD])*(?:T(?:\d+(?:[.,]\d+)?[HMS])+)?"
_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_BARE_ISO = re.compile(rf"(?:R\d*/)?(?:{_DURATION}|{_DATE})(?:/(?:{_DURATION}|{_DATE}))?")


def _syntax_detail(exc: SyntaxError) -> str:
    return f"第 {exc.offset} 个字符附近有语法错误" if exc.offset else "语法错误"


def expression_verdict(expression: str) -> str:
    """Return "" for an expression the sandbox accepts, else why not: not Python at all, or Python it refuses."""
    try:
        ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return f"不是 Python 表达式（{_syntax_detail(exc)}）"
    try:
        sandbox.parse_expression(expression)
    except SyntaxError as exc:
        return f"不能通过安全检查：{exc.msg or exc}"
    return ""


def check_expression(problems: list[Problem], node: etree._Element, expression: str, what: str) -> None:
    """Report an expression that is not Python, or is Python the sandbox refuses (forbidden constructs)."""
    verdict = expression_verdict(expression)
    if verdict.startswith("不是"):
        verdict += "；请用 Python 写，例如 amount > 1000、outcome == \"pass\""
    if verdict:
        problems.append(problem(node, f"{what}“{expression}”{verdict}"))


def check_script(problems: list[Problem], node: etree._Element, script: str, what: str) -> None:
    """Report a script RestrictedPython will not compile."""
    try:
        sandbox.compile_script(script)
    except SyntaxError as exc:
        problems.append(problem(node, f"{what}不能通过安全检查：{exc.msg}"))


def check_timer(problems: list[Problem], event: etree._Element, expression: str) -> None:
    """A timer is an expression giving an ISO-8601 string: a bare ``PT2M`` must be quoted."""
    text = expression.strip()
    if _BARE_ISO.fullmatch(text):
        problems.append(problem(event, f"定时器表达式 {text} 缺少引号：定时器的值是表达式，ISO-8601 时间要写成"
                                       f"带引号的字符串，例如 \"{text}\""))
        return
    check_expression(problems, event, text, "定时器表达式")


def check_script_task(problems: list[Problem], task: etree._Element) -> None:
    """Only inline Python runs here: another language or a script read from an external resource is refused."""
    script_format = (task.get("scriptFormat") or "").strip()
    if script_format.lower() not in PYTHON_SCRIPT_FORMATS:
        problems.append(problem(task, f"脚本格式“{script_format}”不受支持：只能运行写在任务中的 Python 脚本"
                                      "（scriptFormat 留空或为 python）"))
        return
    script = task.find("bpmn:script", NS)
    body = (script.text or "") if script is not None else ""
    if not body.strip():
        resource = task.get(f"{{{CAMUNDA_NS}}}resource")
        source = f"引用外部资源“{resource}”的脚本不受支持；" if resource else ""
        problems.append(problem(task, f"脚本任务没有脚本内容：{source}请把 Python 脚本写在任务中"))
        return
    check_script(problems, task, body, "脚本")


def check_process_expressions(problems: list[Problem], process: etree._Element) -> None:
    """Conditions, timers, scripts, pre/post scripts, service parameters and message payloads of one process."""
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        condition = flow.find("bpmn:conditionExpression", NS)
        if condition is not None and (condition.text or "").strip():
            check_expression(problems, flow, (condition.text or "").strip(), "条件")
    for timer in process.iterfind(".//bpmn:timerEventDefinition", NS):
        event = timer.getparent()
        for tag in ("timeDuration", "timeDate", "timeCycle"):
            expr = timer.find(f"bpmn:{tag}", NS)
            if expr is not None and (expr.text or "").strip() and event is not None:
                check_timer(problems, event, expr.text or "")
    for script_task in process.iterfind(".//bpmn:scriptTask", NS):
        check_script_task(problems, script_task)
    for node in process.iter():
        for tag in ("preScript", "postScript"):
            extra = node.find(f"bpmn:extensionElements/spiffworkflow:{tag}", NS)
            if extra is not None and (extra.text or "").strip():
                check_script(problems, node, extra.text or "", "前置脚本" if tag == "preScript" else "后置脚本")
    for service in process.iterfind(".//bpmn:serviceTask", NS):
        for param in service.iterfind(".//spiffworkflow:parameter", NS):
            if param.get("value"):
                check_expression(problems, service, param.get("value", ""), f"参数 {param.get('id')}")
    for payload in process.iterfind(".//spiffworkflow:messagePayload", NS):
        if (payload.text or "").strip():
            holder = payload.getparent()
            event = holder.getparent() if holder is not None and holder.getparent() is not None else payload
            check_expression(problems, event, (payload.text or "").strip(), "消息内容表达式")
