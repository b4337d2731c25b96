"""Interest on a principal over a date range (付息、清算): pure Decimal arithmetic, no Flask.

Convention (stated in docs/trades.md): **ACT/365 Fixed** — the actual number of days from the start
date (inclusive) to the end date (exclusive), divided by 365 whatever the year; the annual rate is a
percentage (6.5 means 6.5 % a year); each amount is rounded half-up to the fen (0.01) once, at the end.
ACT/360 is available for projects that contract it.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ACT_365 = "ACT/365"
ACT_360 = "ACT/360"
DAY_BASES = {ACT_365: 365, ACT_360: 360}
DEFAULT_DAY_BASIS = ACT_365
CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """Round to the fen, half up (四舍五入到分)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def accrual_days(start: date, end: date) -> int:
    """Days accrued from ``start`` (inclusive) to ``end`` (exclusive); 0 when ``end`` is not after ``start``."""
    return max(0, (end - start).days)


def accrued_interest(principal: Decimal, annual_rate_pct: Decimal, start: date, end: date,
                     basis: str = DEFAULT_DAY_BASIS) -> Decimal:
    """Interest on ``principal`` at ``annual_rate_pct`` % a year from ``start`` to ``end``, rounded to the fen."""
    if basis not in DAY_BASES:
        raise ValueError(f"未知的计息基准 {basis}")
    if principal < 0 or annual_rate_pct < 0:
        raise ValueError("本金和利率不能为负")
    days = accrual_days(start, end)
    exact = principal * annual_rate_pct * days / (Decimal(100) * DAY_BASES[basis])
    return round_money(exact)
