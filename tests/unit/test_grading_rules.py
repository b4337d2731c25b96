"""The shipped grading tables (rules/customer_grading.dmn, rules/customer_grade_bands.dmn) compiled to SQL give
every customer the score, the fired rows and the grade SpiffWorkflow's DMN engine gives — the nightly run and the
reasons on the 客户 360 page cannot disagree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Numeric, Table, create_engine, insert, select

from app.workflow import dmn_tables

RULES = Path(__file__).resolve().parents[2] / "rules"
SCORE = dmn_tables.parse((RULES / "customer_grading.dmn").read_text(encoding="utf-8"), "customer_grading")
BANDS = dmn_tables.parse((RULES / "customer_grade_bands.dmn").read_text(encoding="utf-8"), "customer_grade_bands")
ENGINE = create_engine("sqlite://")
INPUTS = Table("inputs", MetaData(), Column("id", Integer, primary_key=True), Column("holding", Numeric(18, 2)),
               Column("collection_rate", Integer), Column("years", Integer), Column("products", Integer),
               Column("activity", Integer))
INPUTS.create(ENGINE)


def _edges(*bounds: int) -> st.SearchStrategy[int]:
    """Values at and around every bound the table tests, and anything in between."""
    near = sorted({b + d for b in bounds for d in (-1, 0, 1) if b + d >= 0})
    return st.one_of(st.sampled_from(near), st.integers(0, max(bounds) * 2))


CUSTOMER = st.fixed_dictionaries({
    "holding": st.one_of(_edges(300_000, 1_000_000, 5_000_000),
                         st.decimals(0, 9_999_999, places=2, allow_nan=False, allow_infinity=False)),
    "collection_rate": _edges(50, 80, 100), "years": _edges(1, 3, 5), "products": _edges(1, 2, 3),
    "activity": _edges(1, 3, 6)})


def test_the_shipped_tables_run_in_sql_and_have_chinese_reasons():
    assert (SCORE.hit_policy, SCORE.aggregation, BANDS.hit_policy) == ("COLLECT", "SUM", "FIRST")
    assert dmn_tables.sql_problems(SCORE) == [] and dmn_tables.sql_problems(BANDS) == []
    assert all(rule.description for rule in SCORE.rules)
    assert sum(max(p for r, p in zip(SCORE.rules, dmn_tables.output_literals(SCORE, "score"), strict=True)
                   if r.inputs[i] != "-") for i in range(len(SCORE.inputs))) == 100  # 满分 100
    assert dmn_tables.output_literals(BANDS, "grade") == ["A", "B", "C"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CUSTOMER, min_size=1, max_size=12))
def test_sql_agrees_with_the_engine_for_every_customer(customers):
    rows = [{"id": n, **customer} for n, customer in enumerate(customers, 1)]
    columns = {name: INPUTS.c[name] for name in ("holding", "collection_rate", "years", "products", "activity")}
    score = dmn_tables.collect_sum(SCORE, columns, "score")
    grade = dmn_tables.case(BANDS, {"score": score}, "grade", default="")
    query = select(INPUTS.c.id, score, dmn_tables.fired(SCORE, columns), grade).order_by(INPUTS.c.id)
    with ENGINE.begin() as connection:
        connection.execute(INPUTS.delete())
        connection.execute(insert(INPUTS), rows)
        in_sql = connection.execute(query).all()
    for row, (_id, sql_score, sql_fired, sql_grade) in zip(rows, in_sql, strict=True):
        context = {k: (Decimal(str(v)) if k == "holding" else v) for k, v in row.items() if k != "id"}
        decision = dmn_tables.evaluate(SCORE, context)
        assert sql_score == decision.outputs["score"], row
        assert dmn_tables.fired_numbers(sql_fired) == [rule.number for rule in decision.rules], row
        assert sql_grade == dmn_tables.evaluate(BANDS, {"score": sql_score}).outputs["grade"], row


def test_a_customer_with_nothing_scores_zero_and_is_c():
    empty = {"holding": 0, "collection_rate": 0, "years": 0, "products": 0, "activity": 0}
    decision = dmn_tables.evaluate(SCORE, empty)
    assert decision.outputs == {"score": 0} and decision.rules == []
    assert dmn_tables.evaluate(BANDS, {"score": 0}).outputs == {"grade": "C"}
    top = dmn_tables.evaluate(SCORE, {"holding": 6_000_000, "collection_rate": 100, "years": 8, "products": 4,
                                      "activity": 9})
    assert top.outputs == {"score": 100} and [r.description for r in top.rules] == [
        "持有金额 500 万元及以上", "近一年回款率 100%", "成为客户 5 年及以上", "持有 3 个及以上产品",
        "近 90 天有效联系 6 次及以上"]
