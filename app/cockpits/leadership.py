"""The figures of the leadership cockpit (指导驾驶舱), each one grouped aggregate over the viewer's data scope.

Raised money (募集) is deals (成单, :mod:`app.performance.deals`) by project, branch, month and seat; income
is submitted 交易收益 by 收益日期; interest paid is posted 付息 lines by 付息日; 持仓 / 空仓 customers follow
:func:`app.performance.deals.holders`; pool sizes count ``customer.pool``; pool flows count ``pool_history``
moves of the period by reason (回收、分配、提取 …). Months are grouped by a CASE over the month bounds, the same SQL on
SQLite and PostgreSQL, read through the date indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, select

from app import clock
from app.auth.models import User
from app.customers import visibility
from app.customers.models import Customer, Pool
from app.database import DbSession
from app.org import scope as data_scope
from app.org.models import Org, OrgKind
from app.org.scope import Scope
from app.performance import deals
from app.performance.deals import ZERO, DealTotals
from app.performance.period import Period
from app.plans import periods
from app.plans.periods import PeriodKind
from app.pools.models import MoveReason, PoolHistory
from app.products.models import Project
from app.trades.models import IncomeStatus, InterestLine, InterestPayment, PayoutStatus, Trade, TradeIncome

TOP = 10  # bars in the by-project and top-seat charts
MONTHS = 12  # months in the trend charts, ending with the period's last month


@dataclass(frozen=True)
class Month:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.start.month:02d}"


@dataclass(frozen=True)
class Slice:
    """One bar of a grouped figure: what it is (project, branch, seat or month), its deals and amount."""

    key: int
    label: str
    count: int
    amount: Decimal


@dataclass
class Leadership:
    period: Period
    totals: DealTotals
    by_project: list[Slice]
    by_branch: list[Slice]
    top_seats: list[Slice]
    months: list[Month]
    by_month: list[Slice]
    income_by_month: list[Decimal]
    interest_by_month: list[Decimal]
    holding: int
    empty: int
    pools: list[tuple[Pool, int]]
    flows: list[tuple[MoveReason, int]] = field(default_factory=list)  # moves in the period per reason
    computed_at: datetime | None = None


def trend_months(period: Period) -> list[Month]:
    """The twelve months ending with the month of the period's last day, oldest first."""
    result: list[Month] = []
    cursor = periods.bounds(PeriodKind.MONTH, period.end)[0]
    for _ in range(MONTHS):
        start, end = periods.bounds(PeriodKind.MONTH, cursor)
        result.append(Month(start, end))
        cursor = start - timedelta(days=1)
    return result[::-1]


def local_start(day: date) -> datetime:
    """The first instant of ``day`` in Shanghai (for datetime columns stored in UTC)."""
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def _month_index(column: Any, months: Sequence[Month], *, instants: bool = False) -> Any:
    """SQL: the index of the month a row falls in (rows are filtered to the months' span beforehand)."""
    bounds = [local_start(m.start) if instants else m.start for m in months[1:]]
    return case(*((column < bound, index) for index, bound in enumerate(bounds)), else_=len(months) - 1)


def _trades_in(scope: Scope) -> ColumnElement[bool]:
    return data_scope.org_condition(scope, Trade.org_id, Trade.seat_id)


def _deal_columns() -> list[Any]:
    return [func.count(Trade.id).label("deals"), func.coalesce(func.sum(Trade.arrival_amount), 0).label("amount")]


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(ZERO)


def deal_totals(session: DbSession, scope: Scope, start: date, end: date) -> DealTotals:
    stmt = select(*deals.aggregates(session)).where(deals.in_period(start, end), _trades_in(scope))
    row = session.execute(stmt).one()
    return deals.totals_of(row)


def by_project(session: DbSession, scope: Scope, start: date, end: date) -> list[Slice]:
    """The top projects by raised amount in the period."""
    grouped = (select(Trade.project_id, *_deal_columns()).where(deals.in_period(start, end), _trades_in(scope))
               .group_by(Trade.project_id).order_by(func.sum(Trade.arrival_amount).desc(), Trade.project_id)
               .limit(TOP).subquery())
    rows = session.execute(select(grouped, Project.name).join(Project, Project.id == grouped.c.project_id)
                           .order_by(grouped.c.amount.desc(), grouped.c.project_id))
    return [Slice(row.project_id, row.name, int(row.deals), _money(row.amount)) for row in rows]


def branch_of(orgs: dict[int, Org]) -> dict[int, Org | None]:
    """Each org's 分公司 (its nearest branch ancestor, itself included), None above every branch."""
    result: dict[int, Org | None] = {}
    for org in orgs.values():
        branches = [orgs[i] for i in org.ancestor_ids if i in orgs and orgs[i].kind == OrgKind.BRANCH]
        result[org.id] = branches[-1] if branches else None
    return result


def by_branch(session: DbSession, scope: Scope, start: date, end: date) -> list[Slice]:
    """Raised money per 分公司 (trades grouped by org in SQL, the few orgs folded into their branch);
    trades of orgs above every branch show as 公司直属 (key 0)."""
    rows = session.execute(select(Trade.org_id, *_deal_columns()).where(deals.in_period(start, end), _trades_in(scope))
                           .group_by(Trade.org_id)).all()
    if not rows:
        return []
    orgs = {org.id: org for org in session.scalars(select(Org))}
    branches = branch_of(orgs)
    totals: dict[int, list[Any]] = {}
    for row in rows:
        branch = branches.get(row.org_id)
        key, label = (branch.id, branch.name) if branch is not None else (0, "公司直属")
        entry = totals.setdefault(key, [label, 0, ZERO])
        entry[1] += int(row.deals)
        entry[2] += _money(row.amount)
    return sorted((Slice(key, label, count, amount) for key, (label, count, amount) in totals.items()),
                  key=lambda s: (-s.amount, s.key))


def top_seats(session: DbSession, scope: Scope, start: date, end: date) -> list[Slice]:
    """The seats who raised most in the period."""
    grouped = (select(Trade.seat_id, *_deal_columns()).where(deals.in_period(start, end), _trades_in(scope))
               .group_by(Trade.seat_id).order_by(func.sum(Trade.arrival_amount).desc(), Trade.seat_id)
               .limit(TOP).subquery())
    rows = session.execute(select(grouped, User.name).join(User, User.id == grouped.c.seat_id)
                           .order_by(grouped.c.amount.desc(), grouped.c.seat_id))
    return [Slice(row.seat_id, row.name, int(row.deals), _money(row.amount)) for row in rows]


def by_month(session: DbSession, scope: Scope, months: Sequence[Month]) -> list[Slice]:
    index = _month_index(Trade.arrival_date, months).label("month")
    rows = session.execute(select(index, *_deal_columns())
                           .where(deals.in_period(months[0].start, months[-1].end), _trades_in(scope)).group_by(index))
    found = {int(row.month): row for row in rows}
    return [Slice(i, m.label, int(found[i].deals) if i in found else 0, _money(found[i].amount) if i in found else ZERO)
            for i, m in enumerate(months)]


def _sums(session: DbSession, stmt: Any, months: Sequence[Month]) -> list[Decimal]:
    found = {int(month): _money(total) for month, total in session.execute(stmt)}
    return [found.get(i, ZERO) for i in range(len(months))]


def income_by_month(session: DbSession, scope: Scope, months: Sequence[Month]) -> list[Decimal]:
    """Submitted income records (交易收益, every source) by 收益日期."""
    index = _month_index(TradeIncome.income_date, months).label("month")
    stmt = (select(index, func.sum(TradeIncome.amount)).join(Trade, Trade.id == TradeIncome.trade_id)
            .where(TradeIncome.status == IncomeStatus.SUBMITTED, TradeIncome.income_date >= months[0].start,
                   TradeIncome.income_date <= months[-1].end, _trades_in(scope)).group_by(index))
    return _sums(session, stmt, months)


def interest_by_month(session: DbSession, scope: Scope, months: Sequence[Month]) -> list[Decimal]:
    """Interest paid (付息, posted payments' lines) by 付息日."""
    index = _month_index(InterestPayment.payment_date, months).label("month")
    stmt = (select(index, func.sum(InterestLine.amount))
            .join(InterestPayment, InterestPayment.id == InterestLine.payment_id)
            .join(Trade, Trade.id == InterestLine.trade_id)
            .where(InterestPayment.status == PayoutStatus.POSTED, InterestPayment.payment_date >= months[0].start,
                   InterestPayment.payment_date <= months[-1].end, _trades_in(scope)).group_by(index))
    return _sums(session, stmt, months)


def _customer_parts(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope of customers (as :func:`app.customers.services.scoped`, the customer list, has it) as disjoint
    conditions: the orgs covered, then the viewer's own customers outside them. Counting each apart lets the org
    part use the (pool, org) and (org, type) indexes — an OR of both makes SQLite scan the whole table."""
    by_org = data_scope.org_condition(scope, Customer.service_org_id)
    return [by_org, and_(Customer.service_seat_id == scope.user_id, not_(by_org))]


def count_customers(session: DbSession, scope: Scope, key: Any, *where: ColumnElement[bool]) -> dict[Any, int]:
    """Customers in the scope (and ``where``) per ``key``, summed over the parts of the scope."""
    result: dict[Any, int] = {}
    for part in _customer_parts(scope):
        for value, count in session.execute(select(key, func.count()).where(part, *where).group_by(key)):
            result[value] = result.get(value, 0) + int(count)
    return result


def _count_in_scope(session: DbSession, scope: Scope, *where: ColumnElement[bool]) -> int:
    return sum(int(session.scalar(select(func.count()).select_from(Customer).where(part, *where)) or 0)
               for part in _customer_parts(scope))


def customer_counts(session: DbSession, scope: Scope) -> tuple[list[tuple[Pool, int]], int, int]:
    """Customers in the scope per information pool (信息池, every pool listed), and how many of them hold a
    product (持仓) or not (空仓)."""
    sizes = count_customers(session, scope, Customer.pool, visibility.alive())
    if scope.is_all:  # every customer: count the holders from the (fewer) trades
        held = deals.holders().subquery()
        holding = int(session.scalar(select(func.count(func.distinct(held.c.customer_id)))) or 0)
    else:  # from the customers in scope, each probing its trades (ix_trade_customer_id)
        holds = deals.holders().where(Trade.customer_id == Customer.id).exists()
        holding = _count_in_scope(session, scope, holds)
    total = sum(sizes.values())
    return [(pool, sizes.get(pool, 0)) for pool in Pool if pool != Pool.DELETED], holding, total - holding


def flows(session: DbSession, scope: Scope, start: date, end: date) -> list[tuple[MoveReason, int]]:
    """Pool moves (流转) in the period per reason, most frequent first; reasons without a move left out."""
    stmt = (select(PoolHistory.reason, func.count())
            .where(PoolHistory.at >= local_start(start), PoolHistory.at < local_start(end + timedelta(days=1)),
                   data_scope.org_condition(scope, PoolHistory.org_id))
            .group_by(PoolHistory.reason))
    found = [(MoveReason(reason), int(count)) for reason, count in session.execute(stmt)]
    return sorted(found, key=lambda item: (-item[1], list(MoveReason).index(item[0])))


def leadership(session: DbSession, scope: Scope, period: Period) -> Leadership:
    """Every figure of the leadership cockpit for the period (trends: the twelve months up to its end; customers
    and pools: as they stand now)."""
    months = trend_months(period)
    pools, holding, empty = customer_counts(session, scope)
    return Leadership(
        period=period, totals=deal_totals(session, scope, period.start, period.end),
        by_project=by_project(session, scope, period.start, period.end),
        by_branch=by_branch(session, scope, period.start, period.end),
        top_seats=top_seats(session, scope, period.start, period.end), months=months,
        by_month=by_month(session, scope, months), income_by_month=income_by_month(session, scope, months),
        interest_by_month=interest_by_month(session, scope, months), holding=holding, empty=empty,
        pools=pools, flows=flows(session, scope, period.start, period.end), computed_at=clock.now())


CACHE_SECONDS = 300  # the cockpit's figures may be this old; 刷新 recomputes them


def cached(session: DbSession, scope: Scope, period: Period, store: dict[Any, Leadership],
           fresh: bool = False) -> Leadership:
    """:func:`leadership`, kept in ``store`` (the app's) for :data:`CACHE_SECONDS` per scope and period: the
    figures aggregate up to a million rows, and a cockpit is read far more often than five minutes change it."""
    key = (scope, period)
    found = store.get(key)
    now = clock.now()
    if fresh or found is None or found.computed_at is None or (now - found.computed_at).total_seconds() > CACHE_SECONDS:
        if len(store) > 500:  # many scopes and periods: forget them all rather than grow
            store.clear()
        found = store[key] = leadership(session, scope, period)
    return found
