"""A project's raise figures from its trades: 虚拟LP募集额度/数量 and what 确认个人合同 has confirmed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from app.database import DbSession
from app.trades.models import CONTRACTED_STATUSES, Trade, TradeStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RaiseFigures:
    virtual_amount: Decimal = ZERO  # 虚拟LP募集额度: arrival audited, neither refunded nor failed
    virtual_count: int = 0  # 虚拟LP募集数量
    contracted_amount: Decimal = ZERO  # personal contract confirmed and still standing
    contracted_count: int = 0


def raise_figures(session: DbSession, project_ids: Iterable[int]) -> dict[int, RaiseFigures]:
    """Figures per project id (projects without trades get zeros), in one query."""
    ids = list(project_ids)
    if not ids:
        return {}
    audited = Trade.arrival_confirmed.is_(True) & Trade.status.not_in((TradeStatus.REFUNDED, TradeStatus.FAILED))
    contracted = Trade.status.in_(CONTRACTED_STATUSES)
    rows = session.execute(
        select(Trade.project_id,
               func.coalesce(func.sum(case((audited, Trade.arrival_amount), else_=0)), 0),
               func.sum(case((audited, 1), else_=0)),
               func.coalesce(func.sum(case((contracted, Trade.arrival_amount), else_=0)), 0),
               func.sum(case((contracted, 1), else_=0)))
        .where(Trade.project_id.in_(ids)).group_by(Trade.project_id))
    figures = {project_id: RaiseFigures() for project_id in ids}
    for project_id, v_amount, v_count, c_amount, c_count in rows:
        figures[project_id] = RaiseFigures(Decimal(v_amount).quantize(ZERO), int(v_count or 0),
                                           Decimal(c_amount).quantize(ZERO), int(c_count or 0))
    return figures


def figures_of(session: DbSession, project_id: int) -> RaiseFigures:
    return raise_figures(session, [project_id])[project_id]
