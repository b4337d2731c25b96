"""Interest (ACT/365 and ACT/360, half-up to the fen) and the 募集成功 quota rule, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.interest import ACT_360, ACT_365, accrual_days, accrued_interest, round_money
from rules.raise_quota import raise_quota_shortfalls


def test_act_365_counts_actual_days_start_inclusive_end_exclusive():
    assert accrual_days(date(2026, 1, 1), date(2026, 4, 1)) == 90
    # 1,000,000 × 6.5 % × 90 / 365 = 16,027.3972… → 16,027.40
    assert accrued_interest(Decimal("1000000"), Decimal("6.5"), date(2026, 1, 1), date(2026, 4, 1)) == \
        Decimal("16027.40")


def test_a_leap_year_still_divides_by_365():
    # 2028 is a leap year: 366 actual days earn slightly more than the nominal rate.
    assert accrual_days(date(2028, 1, 1), date(2029, 1, 1)) == 366
    assert accrued_interest(Decimal("100000"), Decimal("5"), date(2028, 1, 1), date(2029, 1, 1)) == Decimal("5013.70")


def test_act_360_and_rounding_half_up_to_the_fen():
    assert accrued_interest(Decimal("100000"), Decimal("3.6"), date(2026, 3, 1), date(2026, 3, 31), ACT_360) == \
        Decimal("300.00")
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("2.675")) == Decimal("2.68")  # Decimal, not float: no binary surprise


def test_no_interest_for_an_empty_or_reversed_period_and_bad_input_is_refused():
    assert accrued_interest(Decimal("500000"), Decimal("7"), date(2026, 5, 1), date(2026, 5, 1)) == Decimal("0.00")
    assert accrued_interest(Decimal("500000"), Decimal("7"), date(2026, 5, 2), date(2026, 5, 1)) == Decimal("0.00")
    with pytest.raises(ValueError, match="计息基准"):
        accrued_interest(Decimal("1"), Decimal("1"), date(2026, 1, 1), date(2026, 2, 1), "30/360")
    with pytest.raises(ValueError, match="不能为负"):
        accrued_interest(Decimal("-1"), Decimal("1"), date(2026, 1, 1), date(2026, 2, 1), ACT_365)


def test_quota_met_when_the_amount_is_reached_within_the_count():
    assert raise_quota_shortfalls(Decimal("3000000"), 3, Decimal("3000000"), 3) == []
    assert raise_quota_shortfalls(Decimal("3000000"), 3, Decimal("3500000"), 2) == []


def test_quota_shortfalls_say_what_is_missing():
    [message] = raise_quota_shortfalls(Decimal("3000000"), 3, Decimal("1000000"), 1)
    assert message == ("确认个人合同通过的交易金额 1,000,000.00 元，未达到LP募集额度 3,000,000.00 元，"
                       "还差 2,000,000.00 元")
    [message] = raise_quota_shortfalls(Decimal("3000000"), 2, Decimal("3000000"), 4)
    assert message == "确认个人合同通过的交易 4 笔，超过LP募集数量 2 笔，请先退款 2 笔"
    assert raise_quota_shortfalls(Decimal("1"), 1, Decimal("0"), 0)[0] == "还没有确认个人合同通过的交易"
