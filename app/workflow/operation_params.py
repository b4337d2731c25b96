"""Kinds of service-operation parameters: what the properties panel shows for each, and the deployment check.

Every parameter value in a diagram is an expression the engine evaluates. A kind with choices (角色, 客户字段,
通知级别, 数据挖掘任务, 选项) is edited with a select that writes the chosen value as a *literal* — a quoted
string ``"dept_head"`` or a number ``12`` — and deployment refuses a literal outside the choices. A text kind
(文字, 消息名称) is edited as plain text and stored quoted, so the designer never writes quotes; ``{变量名}`` in
a text is replaced by the process variable when the operation runs. An expression kind (表达式, 用户, 客户) is
stored as typed, e.g. ``owner_id``.

Domains register the choices of their kinds (``register_choices("role", …)``), so this module needs none of them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from lxml import etree

from app.database import DbSession
from app.workflow import operations
from app.workflow.operations import OperationSpec, Param
from app.workflow.validation.common import NS, Problem, executable_processes

# kind → (Chinese name, how the panel edits it: "select", "text" (stored quoted) or "expression")
KINDS: dict[str, tuple[str, str]] = {
    "expression": ("表达式", "expression"),
    "user": ("用户（得到用户 id 的表达式）", "expression"),
    "customer": ("客户（得到客户 id 的表达式）", "expression"),
    "text": ("文字", "text"),
    "message": ("消息名称", "text"),
    "role": ("角色", "select"),
    "customer_field": ("客户字段", "select"),
    "notice_level": ("通知级别", "select"),
    "mining_task": ("数据挖掘任务", "select"),
    "choice": ("选项", "select"),
}

ChoiceSource = Callable[[DbSession], list[tuple[Any, str]]]
_CHOICES: dict[str, ChoiceSource] = {}


def register_choices(kind: str, source: ChoiceSource) -> None:
    """Say which values (value, Chinese label) a select kind offers; the values are stored as literals."""
    _CHOICES[kind] = source


def choices(session: DbSession, param: Param) -> list[tuple[Any, str]]:
    if param.kind == "choice":
        return list(param.options)
    source = _CHOICES.get(param.kind)
    return source(session) if source else []


def literal(value: Any) -> str:
    """How a chosen value is written in the diagram: a number as is, anything else as a quoted string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def literal_value(expression: str) -> tuple[bool, Any]:
    """(True, value) when the expression is a plain literal (a string or a number), else (False, None)."""
    try:
        value = ast.literal_eval(expression.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    return isinstance(value, str | int | float) and not isinstance(value, bool), value


def catalog(session: DbSession) -> list[dict[str, Any]]:
    """The operations with their typed parameters, as the properties panel reads them."""
    result = []
    for spec in sorted(operations.REGISTRY.values(), key=lambda s: s.name):
        params = []
        for name, param in spec.params.items():
            kind_label, editor = KINDS.get(param.kind, KINDS["expression"])
            entry: dict[str, Any] = {"name": name, "label": param.label, "kind": param.kind, "kind_label": kind_label,
                                     "editor": editor, "required": param.required, "description": param.description}
            if editor == "select":
                offered = choices(session, param)
                entry["options"] = [{"value": literal(value), "label": label} for value, label in offered]
            params.append(entry)
        result.append({"name": spec.name, "label": spec.label, "params": params})
    return result


def _values(service: etree._Element) -> dict[str, str]:
    operator = service.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is None:
        return {}
    return {str(p.get("id", "")): str(p.get("value", "")) for p in operator.iterfind(".//spiffworkflow:parameter", NS)}


def _problems_of(session: DbSession, service: etree._Element, spec: OperationSpec) -> list[Problem]:
    where = (str(service.get("id", "")), str(service.get("name") or ""))
    values = _values(service)
    problems = []
    for name, param in spec.params.items():
        value = values.get(name, "").strip()
        if not value:
            if param.required:
                problems.append(Problem(*where, f"服务操作“{spec.label}”缺少必填参数“{param.label}”"))
            continue
        if KINDS.get(param.kind, KINDS["expression"])[1] != "select":
            continue
        is_literal, chosen = literal_value(value)
        if not is_literal:
            continue  # an expression: its value is checked when the operation runs
        offered = choices(session, param)
        if not any(chosen == option or str(chosen) == str(option) for option, _label in offered):
            shown = "、".join(label for _value, label in offered[:12]) or "无"
            problems.append(Problem(*where, f"服务操作“{spec.label}”的参数“{param.label}”的值 {value} 不在可选范围内"
                                            f"（可选：{shown}）"))
    for name in values:
        if name not in spec.params:
            problems.append(Problem(*where, f"服务操作“{spec.label}”没有参数“{name}”"))
    return problems


def check(session: DbSession, root: etree._Element) -> list[Problem]:
    """Required parameters are given and literal choices are among the allowed values, per service task."""
    problems: list[Problem] = []
    for process in executable_processes(root):
        for service in process.iterfind(".//bpmn:serviceTask", NS):
            operator = service.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            spec = operations.REGISTRY.get(str(operator.get("id", ""))) if operator is not None else None
            if spec is not None:
                problems += _problems_of(session, service, spec)
    return problems
