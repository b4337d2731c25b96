"""When a project may declare 募集成功 (seed 000 §2.1.1): pure rule, no Flask.

Trades whose personal contract is confirmed (确认个人合同通过) must together reach the LP raise amount
(LP募集额度), and there must be at least one and no more than the LP count (LP募集数量) of them.
"""

from __future__ import annotations

from decimal import Decimal


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def raise_quota_shortfalls(lp_amount: Decimal, lp_count: int, confirmed_amount: Decimal,
                           confirmed_count: int) -> list[str]:
    """Say what is missing for 募集成功, in Chinese; an empty list means the quota is met."""
    problems = []
    if confirmed_count == 0:
        problems.append("还没有确认个人合同通过的交易")
    if confirmed_amount < lp_amount:
        problems.append(f"确认个人合同通过的交易金额 {_yuan(confirmed_amount)}，未达到LP募集额度 "
                        f"{_yuan(lp_amount)}，还差 {_yuan(lp_amount - confirmed_amount)}")
    if confirmed_count > lp_count:
        problems.append(f"确认个人合同通过的交易 {confirmed_count} 笔，超过LP募集数量 {lp_count} 笔，"
                        f"请先退款 {confirmed_count - lp_count} 笔")
    return problems
