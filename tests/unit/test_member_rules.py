"""The shipped membership tables (rules/member_levels.dmn, rules/points_rules.dmn): what they decide through the
DMN engine, that the level table means the same in SQL, and how a member price reads on a trade."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, literal, select

from app.errors import ValidationFailed
from app.members.points import points_from
from app.members.prices import AppliedPrice
from app.workflow import dmn_tables

RULES = Path(__file__).resolve().parents[2] / "rules"
LEVELS = dmn_tables.parse((RULES / "member_levels.dmn").read_text(encoding="utf-8"), "member_levels")
POINTS = dmn_tables.parse((RULES / "points_rules.dmn").read_text(encoding="utf-8"), "points_rules")
ENGINE = create_engine("sqlite://")


def level(points: int, holding: float = 0, subscribed: float = 0) -> str:
    decision = dmn_tables.evaluate(LEVELS, {"points": points, "holding": holding, "subscribed": subscribed})
    return decision.outputs["level"]


def test_the_level_table_is_first_hit_and_runs_in_sql():
    assert LEVELS.hit_policy == "FIRST" and [c.expression for c in LEVELS.inputs] == ["points", "holding", "subscribed"]
    assert dmn_tables.sql_problems(LEVELS) == []
    assert set(dmn_tables.output_literals(LEVELS, "level")) == {"gold", "silver", "normal"}


@pytest.mark.parametrize(("points", "holding", "subscribed", "expected"), [
    (0, 0, 0, "normal"), (499, 999_999, 2_999_999, "normal"), (500, 0, 0, "silver"), (0, 1_000_000, 0, "silver"),
    (0, 0, 3_000_000, "silver"), (2000, 0, 0, "gold"), (0, 5_000_000, 0, "gold"), (1999, 4_999_999, 9e9, "silver"),
])
def test_levels_by_points_holding_or_subscription(points, holding, subscribed, expected):
    assert level(points, holding, subscribed) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=st.integers(0, 5000) | st.sampled_from([499, 500, 1999, 2000]),
       holding=st.integers(0, 6_000_000) | st.sampled_from([999_999, 1_000_000, 4_999_999, 5_000_000]),
       subscribed=st.integers(0, 4_000_000) | st.sampled_from([2_999_999, 3_000_000]))
def test_the_nightly_sql_and_the_event_engine_give_the_same_level(points, holding, subscribed):
    columns = {"points": literal(points), "holding": literal(holding), "subscribed": literal(subscribed)}
    with ENGINE.connect() as connection:
        in_sql = connection.execute(select(dmn_tables.case(LEVELS, columns, "level", default=""))).scalar_one()
    assert in_sql == level(points, holding, subscribed)


@pytest.mark.parametrize(("event", "amount", "expected"), [
    ("subscription", 1_000_000, 100), ("subscription", 99_999, 9), ("subscription", 9_999, 0),
    ("salon", 0, 50), ("birthday", 0, 100), ("referral", 0, 200), ("unknown", 1_000_000, 0),
])
def test_points_per_event(event, amount, expected):
    outputs = dmn_tables.evaluate(POINTS, {"event": event, "amount": amount}).outputs
    assert points_from(outputs, amount) == expected


def test_points_outputs_must_be_whole_numbers():
    with pytest.raises(ValidationFailed, match="整数积分"):
        points_from({"points": "many"}, 0)
    assert points_from({"points": -50}, 0) == 0


def test_a_member_price_reads_as_the_trade_shows_it():
    price = AppliedPrice("gold", "金卡", Decimal("20"), Decimal("700000"), Decimal("300000"), Decimal("0.5"), "项目")
    assert price.summary() == "会员价：金卡 收益率加成 0.5% · 费率折扣 20% · 起购金额减免 300,000 元（起购 700,000 元）"
    none = AppliedPrice("normal", "普通会员", Decimal(0), Decimal("1000000"), Decimal(0), Decimal(0), "项目分类")
    assert none.summary() == "会员价：普通会员 无优惠"
