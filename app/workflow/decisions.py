"""Checks a DMN decision table must pass before it is published: the same parser the engine uses, and
every input expression, input entry and output entry through the sandbox's expression checker (the way
SpiffWorkflow's DMN engine will evaluate them), each reported against the element it concerns.
"""

from __future__ import annotations

import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.workflow import dmn
from app.workflow.errors import DiagramError
from app.workflow.validation import Problem
from app.workflow.validation.expressions import expression_verdict
from app.workflow.xmlsafe import parse_xml

# A "?" outside quotes stands for the input value (e.g. "1 < ? < 5"), as in SpiffWorkflow's DMN engine.
_PLACEHOLDER = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
INPUT_NAME = "dmninputexpr"  # the name the engine gives the input value in an entry


def mark_input(entry: str) -> str:
    """The entry with each "?" outside quotes replaced by :data:`INPUT_NAME`, as the engine evaluates it."""
    return _PLACEHOLDER.sub(INPUT_NAME, entry)


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def cell_text(node: etree._Element) -> str:
    """The stripped text of a DMN cell or expression (its ``<text>`` child)."""
    for child in node:
        if _local(child) == "text":
            return (child.text or "").strip()
    return ""


def _entry_ok(entry: str) -> str:
    """An input entry is a value to compare with ("gold", 5), a comparison ("> 100") or uses "?"."""
    entry = mark_input(entry)
    if INPUT_NAME in entry:
        return expression_verdict(entry)
    alone = expression_verdict(entry)
    if not alone.startswith("不是"):
        return alone  # a value: accepted, or Python the sandbox refuses
    return expression_verdict(f"v {entry}")  # a comparison such as "> 100"


def check_table(dmn_xml: str | bytes) -> list[Problem]:
    """Return every problem of a DMN document (empty when it can be published)."""
    root = parse_xml(dmn_xml, "DMN")
    problems: list[Problem] = []
    parser = SpiffBpmnParser(validator=BpmnValidator(), dmn_schemas=dmn.LIBRARY_SCHEMAS)
    try:
        dmn.add_dmn(parser, root, "table.dmn")
    except DiagramError as exc:
        return [Problem(exc.element_id, exc.element_name, exc.message)]
    if not parser.dmn_parsers:
        return [Problem("", "", "文件中没有决策（decision）")]
    for table in root.iter():
        if _local(table) != "decisionTable":
            continue
        inputs = [child for child in table if _local(child) == "input"]
        for column in inputs:
            for expression in column:
                if _local(expression) == "inputExpression":
                    text = cell_text(expression)
                    if not text:
                        problems.append(Problem(column.get("id", ""), column.get("label", ""), "输入表达式为空"))
                    elif verdict := expression_verdict(text):
                        problems.append(Problem(column.get("id", ""), column.get("label", ""),
                                                f"输入表达式“{text}”{verdict}"))
        for rule in (child for child in table if _local(child) == "rule"):
            for cell in rule:
                kind = _local(cell)
                if kind not in ("inputEntry", "outputEntry"):
                    continue
                text = cell_text(cell)
                if not text or text == "-":
                    continue
                verdict = _entry_ok(text) if kind == "inputEntry" else expression_verdict(text)
                if verdict:
                    what = "条件" if kind == "inputEntry" else "结果"
                    problems.append(Problem(cell.get("id", "") or rule.get("id", ""), "",
                                            f"规则 {rule.get('id', '')} 的{what}“{text}”{verdict}"))
    return problems
