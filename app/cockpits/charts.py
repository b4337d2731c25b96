"""ECharts options of the cockpits, each with the links that open the list behind a bar, slice or point
(drill-down): trades in 交易状态监控 / 客户交易, customers in 客户信息管理, moves and ledgers in the cockpit's
own lists."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask import url_for

from app.cockpits.leadership import Leadership, Month, Slice
from app.cockpits.manager import Desk
from app.customers.models import POOL_LABELS
from app.performance.period import Period
from app.pools.models import MoveReason

WAN = Decimal(10000)


def wan(amount: Decimal) -> float:
    """An amount in 万元 for a chart axis (tables keep the exact figure)."""
    return float((amount / WAN).quantize(Decimal("0.01")))


def _deal_links(period_args: dict[str, str], **filters: Any) -> str:
    return url_for("trade_admin.monitor", deal="1", arrival_from=period_args["from"], arrival_to=period_args["to"],
                   **filters)


def deal_link(period: Period) -> str:
    """Every deal of the period (the headline figures)."""
    return _deal_links({"from": period.start.isoformat(), "to": period.end.isoformat()})


def desk_deals_link(desk: Desk, monitor: bool) -> str:
    """This month's deals of the seats shown: 交易状态监控 for a head, the seat's own 客户交易."""
    bounds: dict[str, Any] = {"deal": "1", "arrival_from": desk.month.start.isoformat(),
                              "arrival_to": desk.month.end.isoformat()}
    if not monitor:
        return url_for("trades.index", **bounds)
    if desk.seat is not None:
        bounds["seat"] = desk.seat.id
    return url_for("trade_admin.monitor", **bounds)


def _bars(names: Sequence[str], series: list[dict[str, Any]], links: Any, *, horizontal: bool = False,
          unit: str = "万元", every_label: bool = True) -> dict[str, Any]:
    """Bars per category; horizontal bars keep long names readable (truncated), upright ones tilt them."""
    label: dict[str, Any] = ({"interval": 0, "width": 90, "overflow": "truncate"} if horizontal
                             else {"interval": 0, "rotate": 30} if every_label else {})
    category = {"type": "category", "data": list(names), "axisLabel": label}
    value: dict[str, Any] = {"type": "value"} if horizontal else {"type": "value", "name": unit}
    if unit != "万元":
        value["minInterval"] = 1  # counts: no half a customer on the axis
    option: dict[str, Any] = {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": value if horizontal else category, "yAxis": category if horizontal else value,
        "series": series, "links": links}
    if horizontal:
        option["yAxis"]["inverse"] = True
    return option


def deal_bars(slices: Sequence[Slice], period: Period, key: str) -> dict[str, Any]:
    """成单金额 bars (and 成单量 on a second axis) per project / branch / seat, each opening its deals."""
    bounds = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    links = [_deal_links(bounds, **{key: s.key}) if s.key else _deal_links(bounds) for s in slices]
    option = _bars([s.label for s in slices], [
        {"name": "成单金额（万元）", "type": "bar", "data": [wan(s.amount) for s in slices]},
        {"name": "成单量（单）", "type": "bar", "xAxisIndex": 1, "data": [s.count for s in slices]}],
        {"成单金额（万元）": links, "成单量（单）": links}, horizontal=True)
    option["xAxis"] = [{"type": "value"}, {"type": "value", "position": "top", "minInterval": 1}]
    return option


def monthly(lead: Leadership) -> dict[str, Any]:
    """募集 over the twelve months: amount bars, count line; each month opens that month's deals."""
    months = lead.months
    links = [_deal_links({"from": m.start.isoformat(), "to": m.end.isoformat()}) for m in months]
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [m.label for m in months]},
        "yAxis": [{"type": "value", "name": "万元"}, {"type": "value", "name": "单"}],
        "series": [{"name": "募集金额（万元）", "type": "bar", "data": [wan(s.amount) for s in lead.by_month]},
                   {"name": "成单量（单）", "type": "line", "yAxisIndex": 1, "data": [s.count for s in lead.by_month]}],
        "links": {"募集金额（万元）": links, "成单量（单）": links}}


def _month_links(endpoint: str, months: Sequence[Month]) -> list[str]:
    return [url_for(endpoint, grain="month", value=m.label) for m in months]


def income(lead: Leadership) -> dict[str, Any]:
    """收益 and 付息 by month, each point opening that month's records."""
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [m.label for m in lead.months]},
        "yAxis": {"type": "value", "name": "万元"},
        "series": [{"name": "交易收益（万元）", "type": "line", "data": [wan(v) for v in lead.income_by_month]},
                   {"name": "已付利息（万元）", "type": "line", "data": [wan(v) for v in lead.interest_by_month]}],
        "links": {"交易收益（万元）": _month_links("cockpits.incomes", lead.months),
                  "已付利息（万元）": _month_links("cockpits.interest", lead.months)}}


def holdings(lead: Leadership) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 人（{d}%）"}, "legend": {"top": 0},
        "series": [{"type": "pie", "radius": ["40%", "70%"], "top": 24,
                    "data": [{"name": "持仓客户", "value": lead.holding}, {"name": "空仓客户", "value": lead.empty}]}],
        "links": [url_for("customers.index", holding="1"), url_for("customers.index", holding="0")]}


def pools(lead: Leadership) -> dict[str, Any]:
    return _bars([POOL_LABELS[pool] for pool, _ in lead.pools],
                 [{"name": "客户数", "type": "bar", "data": [count for _, count in lead.pools]}],
                 [url_for("customers.index", pool=pool.value) for pool, _ in lead.pools], unit="人")


def _moves_link(period: Period, reason: MoveReason) -> str:
    args: dict[str, Any] = {**period.args(), "reason": reason.value}
    return url_for("cockpits.moves", **args)


def flows(lead: Leadership) -> dict[str, Any]:
    """Pool moves of the period per reason; a bar opens those moves."""
    return _bars([reason.label for reason, _ in lead.flows],
                 [{"name": "流转次数", "type": "bar", "data": [count for _, count in lead.flows]}],
                 [_moves_link(lead.period, reason) for reason, _ in lead.flows],
                 horizontal=True, unit="次")


def customer_types(desk: Desk) -> dict[str, Any]:
    seat: dict[str, Any] = {"seat": desk.seat.id} if desk.seat is not None else {}
    rows = [(kind, count) for kind, count in desk.customer_types]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 人（{d}%）"}, "legend": {"top": 0},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "top": 24,
                    "data": [{"name": kind.label, "value": count} for kind, count in rows]}],
        "links": [url_for("customers.index", type=kind.value, pool="personal", **seat) for kind, _ in rows]}


def pipeline(desk: Desk, monitor: bool) -> dict[str, Any]:
    """Trades per status; a bar opens those trades (交易状态监控 for a head, 客户交易 for a seat)."""
    seat: dict[str, Any] = {"seat": desk.seat.id} if desk.seat is not None and monitor else {}
    endpoint = "trade_admin.monitor" if monitor else "trades.index"
    return _bars([stage.status.label for stage in desk.pipeline],
                 [{"name": "交易笔数", "type": "bar", "data": [stage.count for stage in desk.pipeline]}],
                 [url_for(endpoint, status=stage.status.value, **seat) for stage in desk.pipeline],
                 horizontal=True, unit="笔")
