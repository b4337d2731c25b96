"""The grading rules in force and what they must satisfy: the scoring table (价值评分, COLLECT + SUM) and the
band table (客户等级分档, FIRST: score → grade).

Both are DMN tables (rules/customer_grading.dmn, rules/customer_grade_bands.dmn) editable in 设计器 → 规则表.
The same checks refuse a bad table when it is published and, should one reach the database another way,
when grading runs — before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.admin import dictionaries
from app.customers.access import CUSTOMER_GRADE
from app.database import DbSession
from app.errors import ValidationFailed
from app.grading.models import BAND_TABLE, SCORE_TABLE
from app.workflow import dmn_tables

# The inputs a scoring table may test, with what they mean (docs/grading.md has the exact definitions).
INPUTS: dict[str, str] = {
    "holding": "持有金额（元）：到账确认且未失败、未退款的交易到账金额合计",
    "collection_rate": "近一年回款率（%）：近 365 天认购中已到账金额 ÷ 认购意向金额（不含失败交易）",
    "years": "客户年限（年）：自建档起满整年数",
    "products": "持有产品数：上述交易涉及的不同产品（项目）数",
    "activity": "近 90 天有效联系次数：有效通话与见客、来访、沙龙、邀约",
}
SCORE_OUTPUT = "score"
GRADE_OUTPUT = "grade"
TABLE_NAMES = {SCORE_TABLE: "客户价值评分表", BAND_TABLE: "客户等级分档表"}


@dataclass(frozen=True)
class RuleSet:
    """The two tables in force and their versions (0: the file shipped in rules/)."""

    score: dmn_tables.Table
    bands: dmn_tables.Table
    score_version: int
    band_version: int


def version_in_force(session: DbSession, key: str) -> int:
    row = dmn_tables.latest(session, key)
    return row.version if row is not None else 0


def _output_names(table: dmn_tables.Table) -> list[str]:
    return [column.expression for column in table.outputs]


def _unknown_inputs(table: dmn_tables.Table, allowed: dict[str, str]) -> list[str]:
    known = "、".join(allowed)
    return [f"输入“{column.label or column.expression}”的表达式“{column.expression}”不是可用的指标（可用：{known}）"
            for column in table.inputs if column.expression.strip() not in allowed]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def score_table_problems(session: DbSession, table: dmn_tables.Table) -> list[str]:
    """What keeps a table from scoring customers (Chinese, one line each; empty: usable)."""
    problems = []
    if table.hit_policy != "COLLECT" or (table.aggregation or "") != "SUM":
        problems.append("命中策略须为“收集（COLLECT）”并按“求和（SUM）”汇总")
    problems += _unknown_inputs(table, INPUTS)
    in_sql = dmn_tables.sql_problems(table)
    if _output_names(table) != [SCORE_OUTPUT]:
        problems.append(f"须有且只有一个输出“{SCORE_OUTPUT}”（得分）")
    elif not in_sql:
        for rule, value in zip(table.rules, dmn_tables.output_literals(table, SCORE_OUTPUT), strict=False):
            if not _is_number(value) or value != int(value):
                problems.append(f"第 {rule.number} 行的得分“{value}”不是整数")
    return problems + in_sql


def band_table_problems(session: DbSession, table: dmn_tables.Table) -> list[str]:
    """What keeps a table from turning scores into grades: outputs must be codes of the customer_grade dictionary."""
    problems = []
    if table.hit_policy not in ("FIRST", "UNIQUE"):
        problems.append("命中策略须为“首个命中（FIRST）”或“唯一（UNIQUE）”")
    problems += _unknown_inputs(table, {SCORE_OUTPUT: "价值评分"})
    in_sql = dmn_tables.sql_problems(table)
    if _output_names(table) != [GRADE_OUTPUT]:
        problems.append(f"须有且只有一个输出“{GRADE_OUTPUT}”（客户等级）")
    elif not in_sql:
        codes = [code for code, _label in dictionaries.choices(session, CUSTOMER_GRADE)]
        for rule, value in zip(table.rules, dmn_tables.output_literals(table, GRADE_OUTPUT), strict=False):
            if value not in codes:
                problems.append(f"第 {rule.number} 行的结果“{value}”不是基础数据“客户等级”中的等级"
                                f"（可用：{'、'.join(codes)}）")
    return problems + in_sql


CHECKS = {SCORE_TABLE: score_table_problems, BAND_TABLE: band_table_problems}


def load_rules(session: DbSession) -> RuleSet:
    """The two tables in force, checked; ValidationFailed (Chinese) naming every problem otherwise."""
    tables = {key: dmn_tables.load(session, key) for key in CHECKS}
    problems = [f"{TABLE_NAMES[key]}：{problem}" for key, check in CHECKS.items()
                for problem in check(session, tables[key])]
    if problems:
        raise ValidationFailed("评级规则有误，未做任何评级：" + "；".join(problems))
    return RuleSet(tables[SCORE_TABLE], tables[BAND_TABLE], version_in_force(session, SCORE_TABLE),
                   version_in_force(session, BAND_TABLE))


for _key, _check in CHECKS.items():
    dmn_tables.register_check(_key, _check)
