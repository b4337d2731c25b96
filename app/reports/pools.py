"""客户流转报表: pool movements (pool_history) in the period, by reason / rule, from pool → to pool,
distribution run, who moved (a person or a rule), department and month.

A move belongs to the org recorded with it (the customer's service org at the time); a head sees the moves
of his departments and those to or from himself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select

from app.auth.models import User
from app.customers.models import POOL_LABELS, Customer
from app.mining.run_models import DistributionRun
from app.org import scope as data_scope
from app.org.models import Org
from app.pools.models import MOVE_REASON_LABELS, PoolHistory
from app.reports import filters
from app.reports.access import POOLS_REPORT
from app.reports.framework import (
    Column,
    Context,
    Dimension,
    Filter,
    Measure,
    Report,
    arg_drill,
    label_names,
    lookup_names,
    moment_bounds,
    month_drill,
    month_of_moment,
    plain_names,
)

POOL_NAMES = {pool.value: label for pool, label in POOL_LABELS.items()}
REASON_NAMES = {reason.value: label for reason, label in MOVE_REASON_LABELS.items()}
RULE = "rule"
PERSON = "person"
MOVER_NAMES = {RULE: "回收规则/系统", PERSON: "人工操作"}


def _base(ctx: Context) -> Select[Any]:
    start, end = moment_bounds(ctx.period)
    stmt = select(literal(1)).select_from(PoolHistory).where(PoolHistory.at >= start, PoolHistory.at < end)
    if ctx.scope.is_all:
        return stmt
    return stmt.where(or_(data_scope.org_condition(ctx.scope, PoolHistory.org_id, PoolHistory.to_seat_id),
                          PoolHistory.from_seat_id == ctx.scope.user_id))


def _user_name(column: Any) -> Any:
    return select(User.name).where(User.id == column).scalar_subquery()


def _pool(value: Any) -> str:
    return POOL_NAMES.get(str(value), "（新建）") if value else "（新建）"


def _mover() -> Any:
    return case((PoolHistory.actor_id.is_(None), RULE), else_=PERSON)


def _move_names(_ctx: Context, keys: list[tuple[Any, ...]]) -> list[str]:
    return [f"{_pool(key[0])} → {_pool(key[1])}" for key in keys]


def _move_drill(key: tuple[Any, ...], _ctx: Context) -> dict[str, str] | None:
    return {"from_pool": str(key[0]), "to_pool": str(key[1])} if key[0] else {"to_pool": str(key[1])}


def _run_names(ctx: Context, keys: list[tuple[Any, ...]]) -> list[str]:
    ids = {key[0] for key in keys if key[0] is not None}
    titles = {row.id: row.title for row in ctx.session.execute(
        select(DistributionRun.id, DistributionRun.title).where(DistributionRun.id.in_(ids)))} if ids else {}
    return [f"#{key[0]} {titles.get(key[0], '')}".strip() if key[0] is not None else "（非分配批次）"
            for key in keys]


def _mover_filter() -> Filter:
    def apply(stmt: Select[Any], value: str, _ctx: Context) -> Select[Any]:
        return stmt.where(PoolHistory.actor_id.is_(None) if value == RULE else PoolHistory.actor_id.is_not(None))

    return Filter("mover", "操作方", lambda _ctx: list(MOVER_NAMES.items()), apply)


REPORT = Report(
    key="pools", title="客户流转报表", permission=POOLS_REPORT, period_label="流转时间",
    intro="统计期间内客户在信息池之间的每一次流转：原因（含回收规则）、流出池 → 流入池、分配批次、操作方。",
    base=_base,
    columns=[Column("流转时间", PoolHistory.at, "datetime"),
             Column("客户编号", select(Customer.number).where(Customer.id == PoolHistory.customer_id)
                    .scalar_subquery()),
             Column("客户", select(Customer.name).where(Customer.id == PoolHistory.customer_id).scalar_subquery()),
             Column("流出池", PoolHistory.from_pool, display=_pool),
             Column("流入池", PoolHistory.to_pool, display=_pool),
             Column("原坐席", _user_name(PoolHistory.from_seat_id)),
             Column("新坐席", _user_name(PoolHistory.to_seat_id)),
             Column("原因", PoolHistory.reason, display=lambda value: REASON_NAMES.get(str(value), str(value))),
             Column("操作人", _user_name(PoolHistory.actor_id), display=lambda value: value or "系统（规则）"),
             Column("分配批次", PoolHistory.run_id, "int"), Column("备注", PoolHistory.note)],
    row_id=PoolHistory.id,
    order=lambda: [PoolHistory.at.desc(), PoolHistory.id.desc()],
    measures=[Measure("流转次数", func.count(PoolHistory.id)),
              Measure("涉及客户数", func.count(func.distinct(PoolHistory.customer_id)), additive=False),
              Measure("规则/系统流转", func.coalesce(func.sum(case((PoolHistory.actor_id.is_(None), 1), else_=0)), 0))],
    dimensions=[
        Dimension("reason", "原因/规则", lambda _ctx: [PoolHistory.reason], label_names(REASON_NAMES),
                  arg_drill("reason")),
        Dimension("move", "流出池 → 流入池", lambda _ctx: [PoolHistory.from_pool, PoolHistory.to_pool], _move_names,
                  _move_drill),
        Dimension("run", "分配批次", lambda _ctx: [PoolHistory.run_id], _run_names),
        Dimension("mover", "操作方", lambda _ctx: [_mover()], label_names(MOVER_NAMES), arg_drill("mover")),
        Dimension("org", "部门", lambda _ctx: [PoolHistory.org_id], lookup_names(Org, lambda o: o.name),
                  arg_drill("org")),
        Dimension("month", "月份", lambda _ctx: [month_of_moment(PoolHistory.at)],
                  plain_names(), month_drill, chronological=True),
    ],
    filters=[filters.code_filter("reason", "原因", REASON_NAMES, PoolHistory.reason),
             filters.code_filter("from_pool", "流出池", POOL_NAMES, PoolHistory.from_pool),
             filters.code_filter("to_pool", "流入池", POOL_NAMES, PoolHistory.to_pool), _mover_filter(),
             filters.org_filter(PoolHistory.org_id)],
)
