"""A decision table means the same in SQL as in SpiffWorkflow's DMN engine: the nightly set-based runs (grading,
member levels) and the single-event runs (points on a trade) cannot disagree."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, literal, select

from app.errors import ValidationFailed
from app.workflow import dmn_tables
from tests.conftest import DATA

SCORE = (DATA / "score.dmn").read_text(encoding="utf-8")
GRADE = (DATA / "grade.dmn").read_text(encoding="utf-8").replace("{high}", "gold")
ENGINE = create_engine("sqlite://")


def _in_sql(expression):
    with ENGINE.connect() as connection:
        return connection.execute(select(expression)).scalar_one()


def test_the_table_is_read_with_its_rows_and_reasons():
    table = dmn_tables.parse(SCORE, "score")
    assert (table.hit_policy, table.aggregation) == ("COLLECT", "SUM")
    assert [c.expression for c in table.inputs] == ["amount", "years", "kind"]
    assert [r.description for r in table.rules][:2] == ["持有百万以上", "持有十万至百万"]
    assert dmn_tables.sql_problems(table) == []


def test_one_event_through_the_engine():
    decision = dmn_tables.evaluate(dmn_tables.parse(SCORE), {"amount": 2_000_000, "years": 5, "kind": "vip"})
    assert [rule.number for rule in decision.rules] == [1, 3, 5]
    assert decision.outputs == {"score": 60}
    first = dmn_tables.evaluate(dmn_tables.parse(GRADE), {"amount": 5})
    assert first.outputs == {"grade": "normal"} and [r.number for r in first.rules] == [2]


amounts = st.sampled_from([0, 1, 99_999, 100_000, 100_001, 999_999, 1_000_000, 5_000_000]) | st.integers(0, 10**7)
years = st.integers(-1, 8)
kinds = st.sampled_from(["new", "vip", "dealt", ""])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, year=years, kind=kinds)
def test_sql_and_engine_agree(amount, year, kind):
    table = dmn_tables.parse(SCORE)
    columns = {"amount": literal(amount), "years": literal(year), "kind": literal(kind)}
    decision = dmn_tables.evaluate(table, {"amount": amount, "years": year, "kind": kind})
    assert _in_sql(dmn_tables.collect_sum(table, columns, "score")) == decision.outputs["score"]
    assert dmn_tables.fired_numbers(_in_sql(dmn_tables.fired(table, columns))) == [r.number for r in decision.rules]
    grade = dmn_tables.parse(GRADE)
    assert _in_sql(dmn_tables.case(grade, {"amount": literal(amount)}, "grade", default="")) == \
        dmn_tables.evaluate(grade, {"amount": amount}).outputs["grade"]


def test_entries_sql_cannot_mean_the_same_are_named():
    text = SCORE.replace("&gt; 3", "abs(?) &gt; 3").replace("<text>40</text>", "<text>amount / 100</text>")
    table = dmn_tables.parse(text)
    problems = dmn_tables.sql_problems(table)
    assert any("第 3 行“客户年限”的条件“abs(?) > 3”无法批量计算" in p for p in problems)
    assert any("第 1 行结果“得分”的值“amount / 100”须是数字或带引号的文字" in p for p in problems)
    with pytest.raises(ValidationFailed, match="无法批量计算"):
        dmn_tables.collect_sum(table, {"amount": literal(1), "years": literal(1), "kind": literal("")}, "score")


def test_an_input_the_domain_does_not_offer_is_refused():
    with pytest.raises(ValidationFailed, match="输入 years 不是可用的变量"):
        dmn_tables.conditions(dmn_tables.parse(SCORE), {"amount": literal(1), "kind": literal("")})


def test_a_broken_document_is_a_chinese_error():
    with pytest.raises(ValidationFailed):
        dmn_tables.parse("<definitions/>")
