"""Running a DMN decision table (规则表) outside a process: one event through SpiffWorkflow's DMN engine, or a
whole set of rows compiled to SQL.

Member levels, points rules and customer grading are decision tables a designer edits in the browser. A single
event (a trade's arrival, a salon attended) is decided by :func:`evaluate`, which hands the table to the
library's ``DMNEngine`` with the sandboxed script engine, exactly as a business-rule task would. A nightly
run over a million customers cannot call the engine per row, so :func:`case`, :func:`collect_sum` and
:func:`fired` compile the same table into SQL expressions. Only the part of the entry language whose meaning
is the same in Python and in SQL compiles: literals, comparisons (``> 100``), ``?`` ranges
(``100 <= ? < 500``) and ``and``/``or``/``not`` of them; anything else is reported by :func:`sql_problems`
in Chinese, and a test holds both evaluations to the same answers.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import ColumnElement, String, and_, cast, func, literal, not_, or_, select, true
from sqlalchemy import case as sql_case

from app.database import DbSession
from app.errors import ValidationFailed
from app.workflow import dmn
from app.workflow.decisions import INPUT_NAME, cell_text, mark_input
from app.workflow.errors import DiagramError
from app.workflow.models import DecisionTable
from app.workflow.scripting import SandboxScriptEngine
from app.workflow.validation import KEY_PATTERN
from app.workflow.validation.common import local_name
from app.workflow.xmlsafe import XmlRejected, parse_xml

AGGREGATIONS = ("SUM", "COUNT", "MIN", "MAX")


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    expression: str  # inputs: the input expression (a variable name); outputs: the output variable name


@dataclass(frozen=True)
class Rule:
    number: int  # 1-based row number, as the designer shows it
    id: str
    description: str  # the row's annotation (说明)
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    key: str
    decision_id: str
    name: str
    hit_policy: str
    aggregation: str | None
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[Rule, ...]
    engine_table: Any  # the library's parsed DecisionTable, for :func:`evaluate`

    def output(self, name: str) -> int:
        for index, column in enumerate(self.outputs):
            if column.expression == name:
                return index
        raise ValidationFailed(f"规则表“{self.name}”没有名为 {name} 的结果列")


@dataclass(frozen=True)
class Decision:
    rules: list[Rule]
    outputs: dict[str, Any]


def parse(xml: str | bytes, key: str = "") -> Table:
    """Read a DMN document with one decision table; ValidationFailed (Chinese) when it cannot be run."""
    try:
        root = parse_xml(xml, "DMN")
    except XmlRejected as exc:
        raise ValidationFailed(exc.message) from exc
    parser = SpiffBpmnParser(validator=BpmnValidator(), dmn_schemas=dmn.LIBRARY_SCHEMAS)
    try:
        dmn.add_dmn(parser, root, f"{key or 'table'}.dmn")
    except DiagramError as exc:
        raise ValidationFailed(exc.message) from exc
    decision_node = next(node for node in root.iter() if local_name(node) == "decision")
    table_node = next((node for node in decision_node if local_name(node) == "decisionTable"), None)
    if table_node is None:
        raise ValidationFailed(f"规则表“{decision_node.get('name') or key}”没有决策表")
    engine_decision = parser.dmn_parsers[decision_node.get("id")].decision
    inputs = tuple(Column(node.get("id", ""), node.get("label", ""),
                          next((cell_text(child) for child in node if local_name(child) == "inputExpression"), ""))
                   for node in table_node if local_name(node) == "input")
    outputs = tuple(Column(node.get("id", ""), node.get("label", ""), node.get("name", "") or node.get("label", ""))
                    for node in table_node if local_name(node) == "output")
    rules = []
    for number, node in enumerate((node for node in table_node if local_name(node) == "rule"), start=1):
        description = next(((child.text or "").strip() for child in node if local_name(child) == "description"), "")
        rules.append(Rule(number, node.get("id", ""), description,
                          tuple(cell_text(child) for child in node if local_name(child) == "inputEntry"),
                          tuple(cell_text(child) for child in node if local_name(child) == "outputEntry")))
    aggregation = (table_node.get("aggregation") or "").upper() or None
    return Table(key, decision_node.get("id", ""), decision_node.get("name", "") or key,
                 (table_node.get("hitPolicy") or "UNIQUE").upper(), aggregation, inputs, outputs, tuple(rules),
                 engine_decision.decisionTables[0])


def rules_dir() -> Path:
    return Path(current_app.config["RULES_DIR"])


def shipped_file(key: str) -> Path | None:
    """rules/<key>.dmn when it exists."""
    path = rules_dir() / f"{key}.dmn"
    return path if KEY_PATTERN.match(key) and path.is_file() else None


def latest(session: DbSession, key: str) -> DecisionTable | None:
    """The latest version published from the designer."""
    return session.scalar(select(DecisionTable).where(DecisionTable.key == key)
                          .order_by(DecisionTable.version.desc()).limit(1))


def published_xml(session: DbSession, key: str) -> str | None:
    """The table in force: the latest published version, else the shipped file."""
    row = latest(session, key)
    if row is not None:
        return row.xml
    path = shipped_file(key)
    return path.read_text(encoding="utf-8") if path is not None else None


def load(session: DbSession, key: str) -> Table:
    """The table in force under ``key``, parsed; ValidationFailed (Chinese) when missing or broken."""
    xml = published_xml(session, key)
    if xml is None:
        raise ValidationFailed(f"规则表 {key} 不存在，请在 设计器 → 规则表 中建立")
    return parse(xml, key)


# --- checks a domain adds to publishing -------------------------------------------------------------------------

DomainCheck = Callable[[DbSession, Table], list[str]]
_CHECKS: dict[str, list[DomainCheck]] = {}


def register_check(key: str, check: DomainCheck) -> None:
    """Have the designer refuse to publish table ``key`` while ``check`` reports problems (Chinese sentences),
    e.g. the member-levels table naming a level nobody defined."""
    _CHECKS.setdefault(key, []).append(check)


def domain_problems(session: DbSession, key: str, xml: str) -> list[str]:
    """What the domains that run table ``key`` object to (after the generic checks passed)."""
    if key not in _CHECKS:
        return []
    try:
        table = parse(xml, key)
    except ValidationFailed as exc:
        return [exc.message]
    return [problem for check in _CHECKS[key] for problem in check(session, table)]


# --- one event, through the engine ---------------------------------------------------------------------------

def _aggregate(values: list[Any], aggregation: str) -> Any:
    if aggregation == "COUNT":
        return len(values)
    if not values:
        return 0 if aggregation == "SUM" else None
    if aggregation == "SUM":
        return sum(values)
    return min(values) if aggregation == "MIN" else max(values)


def evaluate(table: Table, context: Mapping[str, Any]) -> Decision:
    """Decide one case with SpiffWorkflow's DMN engine (sandboxed expressions); which rows fired and the result."""
    task = SimpleNamespace(data=dict(context), workflow=SimpleNamespace(script_engine=SandboxScriptEngine()),
                           task_spec=None)
    engine = DMNEngine(table.engine_table)
    try:
        matched = engine.decide(task)
        if table.hit_policy != "COLLECT":
            matched = matched[:1]
        result = engine.result(task) if matched else {}
    except Exception as exc:  # the library wraps every expression failure; none may reach a 500
        raise ValidationFailed(f"规则表“{table.name}”无法计算：{exc}") from exc
    numbers = {rule.row_number for rule in matched}
    fired = [rule for rule in table.rules if rule.number in numbers]
    if table.hit_policy == "COLLECT" and table.aggregation in AGGREGATIONS:
        result = {name: _aggregate(list(values), table.aggregation) for name, values in result.items()}
        for column in table.outputs:
            result.setdefault(column.expression, _aggregate([], table.aggregation))
    return Decision(fired, dict(result))


# --- a whole set, in SQL ----------------------------------------------------------------------------------------

class NotSql(Exception):
    """An entry whose meaning in SQL would differ from the engine's."""


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}


def _constant(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
        return -node.operand.value
    raise NotSql


def _operand(node: ast.AST, value: Any) -> Any:
    if isinstance(node, ast.Name) and node.id == INPUT_NAME:
        return value
    return literal(_constant(node))


def _condition(node: ast.AST, value: Any) -> ColumnElement[bool]:
    if isinstance(node, ast.BoolOp):
        parts = [_condition(part, value) for part in node.values]
        return and_(*parts) if isinstance(node.op, ast.And) else or_(*parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not_(_condition(node.operand, value))
    if isinstance(node, ast.Compare):
        terms = [node.left, *node.comparators]
        checks = []
        for op, left, right in zip(node.ops, terms, terms[1:], strict=False):
            compare = _COMPARE.get(type(op))
            if compare is None:
                raise NotSql
            checks.append(compare(_operand(left, value), _operand(right, value)))
        return and_(*checks)
    raise NotSql


def _entry(text: str, value: Any) -> ColumnElement[bool]:
    """One input entry as a condition on ``value``, with the engine's reading of it."""
    if text in ("", "-"):
        return true()
    marked = mark_input(text)
    try:
        if INPUT_NAME in marked:
            return _condition(ast.parse(marked, mode="eval").body, value)
        try:
            alone = ast.parse(text, mode="eval").body
        except SyntaxError:  # "> 100": the engine puts the input in front
            return _condition(ast.parse(f"{INPUT_NAME} {text}", mode="eval").body, value)
        return value == literal(_constant(alone))  # a value: the engine compares with ==
    except SyntaxError as exc:
        raise NotSql from exc


def _output_literal(text: str) -> Any:
    if not text:
        return None
    try:
        return _constant(ast.parse(text, mode="eval").body)
    except SyntaxError as exc:
        raise NotSql from exc


def sql_problems(table: Table) -> list[str]:
    """Why the table cannot run in SQL, one Chinese sentence per cell (empty when it can)."""
    problems = []
    for column in table.inputs:
        if not column.expression.isidentifier():
            problems.append(f"输入“{column.label or column.id}”的表达式“{column.expression}”须是一个变量名")
    for rule in table.rules:
        for column, text in zip(table.inputs, rule.inputs, strict=False):
            try:
                _entry(text, literal(0))
            except NotSql:
                problems.append(f"第 {rule.number} 行“{column.label or column.expression}”的条件“{text}”"
                                "无法批量计算（可用：值、比较如 >= 100、区间如 100 <= ? < 500，及 and/or）")
        for column, text in zip(table.outputs, rule.outputs, strict=False):
            try:
                _output_literal(text)
            except NotSql:
                problems.append(f"第 {rule.number} 行结果“{column.label or column.expression}”的值“{text}”"
                                "须是数字或带引号的文字")
    if table.hit_policy == "COLLECT" and table.aggregation not in (None, *AGGREGATIONS):
        problems.append(f"不支持的汇总方式 {table.aggregation}")
    return problems


def _require_sql(table: Table) -> None:
    problems = sql_problems(table)
    if problems:
        raise ValidationFailed(f"规则表“{table.name}”无法批量计算：" + "；".join(problems))


def _rule_condition(table: Table, rule: Rule, columns: Mapping[str, Any]) -> ColumnElement[bool]:
    parts = []
    for column, text in zip(table.inputs, rule.inputs, strict=False):
        if text in ("", "-"):
            continue
        if column.expression not in columns:
            raise ValidationFailed(f"规则表“{table.name}”的输入 {column.expression} 不是可用的变量"
                                   f"（可用：{'、'.join(columns)}）")
        parts.append(_entry(text, columns[column.expression]))
    return and_(true(), *parts)


def conditions(table: Table, columns: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """One SQL condition per rule row, in table order."""
    _require_sql(table)
    return [_rule_condition(table, rule, columns) for rule in table.rules]


def _literals(table: Table, output: str) -> list[Any]:
    index = table.output(output)
    return [_output_literal(rule.outputs[index]) if index < len(rule.outputs) else None for rule in table.rules]


def output_literals(table: Table, output: str) -> list[Any]:
    """The literal value of each row's ``output`` cell (None where empty)."""
    _require_sql(table)
    return _literals(table, output)


def _rows(table: Table, columns: Mapping[str, Any], output: str) -> list[tuple[ColumnElement[bool], Any]]:
    """Each row's condition with its ``output`` literal (the table checked once)."""
    return list(zip(conditions(table, columns), _literals(table, output), strict=True))


def case(table: Table, columns: Mapping[str, Any], output: str, default: Any = None) -> ColumnElement[Any]:
    """The first matching row's ``output`` (FIRST / UNIQUE hit policy) as one SQL CASE."""
    whens = _rows(table, columns, output)
    if not whens:
        return literal(default)
    return sql_case(*[(condition, literal(value)) for condition, value in whens], else_=literal(default))


def collect_sum(table: Table, columns: Mapping[str, Any], output: str) -> ColumnElement[Any]:
    """The sum of ``output`` over every matching row (COLLECT with SUM)."""
    terms = [sql_case((condition, literal(value or 0)), else_=literal(0))
             for condition, value in _rows(table, columns, output)]
    if not terms:
        return literal(0)
    total: ColumnElement[Any] = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def fired(table: Table, columns: Mapping[str, Any]) -> ColumnElement[str]:
    """Which rows match, as text such as ",1,4," ('' when none): the reasons behind a result."""
    parts = [sql_case((condition, literal(f",{rule.number}")), else_=literal(""))
             for condition, rule in zip(conditions(table, columns), table.rules, strict=True)]
    if not parts:
        return cast(literal(""), String)
    text: ColumnElement[str] = cast(parts[0], String)
    for part in parts[1:]:
        text = text.concat(part)
    # The closing comma only when a row fired; NULLIF keeps the long concatenation in the SQL once.
    return func.coalesce(func.nullif(text, "").concat(","), "")


def fired_numbers(text: str | None) -> list[int]:
    """The row numbers :func:`fired` stored."""
    return [int(part) for part in (text or "").split(",") if part.isdigit()]
