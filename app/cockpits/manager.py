"""The figures of the manager cockpit (客户经理驾驶舱): "my" data — a seat's own, a head's departments' (or one
of their seats he picks).

我的客户 are the customers in the viewer's scope sitting in 个人信息池, by 客户类型; the pipeline (交易进度)
is every trade in the scope by status; 本月成单 are deals (:mod:`app.performance.deals`) of the seats shown;
today's to-dos are the viewer's own (:func:`app.oa.todos.due_soon`), appointments those of the seats shown
and the viewer for today; the rank is the seat's place on this month's company-wide 交易金额 board
(:func:`app.performance.rankings.rank_of`; a head's whole team has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.models import User
from app.cockpits.access import MANAGER
from app.cockpits.leadership import count_customers, local_start
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.errors import NotFound
from app.followups.models import Appointment, AppointmentStatus
from app.oa import todos
from app.oa.models import Todo
from app.org import scope as data_scope
from app.org.scope import Scope
from app.performance import deals, rankings, seats
from app.performance.deals import ZERO, DealTotals
from app.performance.metrics import PerfMetric
from app.performance.period import Period, this_month
from app.trades.models import Trade, TradeStatus

APPOINTMENTS_SHOWN = 20
RANK_METRIC = PerfMetric.AMOUNT  # 金榜: the company-wide board of 交易金额


@dataclass(frozen=True)
class Stage:
    status: TradeStatus
    count: int
    amount: Decimal  # 到账金额 (the intended amount until finance confirms)


@dataclass
class Desk:
    viewer: User
    team: list[User]  # the seats the viewer may pick (a seat: himself)
    seat: User | None  # the seat shown; None: the head's whole team
    month: Period
    customer_types: list[tuple[CustomerType, int]]
    pipeline: list[Stage]
    deals: DealTotals
    overdue: list[Todo]
    due: list[Todo]
    appointments: list[Appointment]
    appointment_count: int
    rank: tuple[int, int] | None  # the seat shown on this month's 交易金额 board: (名次, 共几人)

    @property
    def seat_ids(self) -> list[int]:
        return [self.seat.id] if self.seat is not None else [s.id for s in self.team]


def scope_of(session: DbSession, viewer: User) -> Scope:
    return data_scope.scope_of(session, viewer, MANAGER)


def pick_seat(session: DbSession, viewer: User, seat_id: int | None) -> tuple[list[User], User | None]:
    """The viewer's team and the seat shown: a seat sees himself; a head his team, or one seat of it
    (any other seat is "not found")."""
    team = seats.seats(session, viewer, MANAGER)
    if seat_id is not None:
        chosen = next((s for s in team if s.id == seat_id), None)
        if chosen is None:
            raise NotFound("坐席不存在或不在您的数据范围内")
        return team, chosen
    if [s.id for s in team] == [viewer.id]:
        return team, viewer
    return team, None


def customer_types(session: DbSession, scope: Scope, seat: User | None) -> list[tuple[CustomerType, int]]:
    """我的客户 by type: customers in the scope in 个人信息池 (of the seat shown)."""
    where = [Customer.pool == Pool.PERSONAL]
    if seat is not None:
        where.append(Customer.service_seat_id == seat.id)
    found = count_customers(session, scope, Customer.type, *where)
    return [(kind, int(found.get(kind, 0))) for kind in CustomerType]


def pipeline(session: DbSession, scope: Scope, seat: User | None) -> list[Stage]:
    """Trades in the scope (of the seat shown) per status, in the order of the review chain."""
    stmt = (select(Trade.status, func.count(Trade.id), func.coalesce(func.sum(Trade.arrival_amount), 0))
            .where(data_scope.org_condition(scope, Trade.org_id, Trade.seat_id)).group_by(Trade.status))
    if seat is not None:
        stmt = stmt.where(Trade.seat_id == seat.id)
    found = {TradeStatus(status): (int(count), Decimal(amount).quantize(ZERO))
             for status, count, amount in session.execute(stmt)}
    return [Stage(status, *found.get(status, (0, ZERO))) for status in TradeStatus]


def month_deals(session: DbSession, seat_ids: list[int], month: Period) -> DealTotals:
    per_seat = deals.by_seat(session, seat_ids, month.start, month.end).values()
    return DealTotals(sum(t.count for t in per_seat), sum((t.amount for t in per_seat), ZERO),
                      sum(t.big for t in per_seat))


def appointments_today(session: DbSession, user_ids: list[int], today: date) -> tuple[list[Appointment], int]:
    """Today's appointments (not cancelled) of these users, earliest first: the first few and how many."""
    where = (Appointment.user_id.in_(user_ids), Appointment.at >= local_start(today),
             Appointment.at < local_start(today + timedelta(days=1)),
             Appointment.status != AppointmentStatus.CANCELLED)
    count = session.scalar(select(func.count(Appointment.id)).where(*where)) or 0
    shown = session.scalars(select(Appointment).where(*where).options(selectinload(Appointment.customer),
                                                                      selectinload(Appointment.user))
                            .order_by(Appointment.at, Appointment.id).limit(APPOINTMENTS_SHOWN))
    return list(shown), int(count)


def desk(session: DbSession, viewer: User, seat_id: int | None = None) -> Desk:
    """Every figure of the manager cockpit for the viewer (and the seat he picked)."""
    scope = scope_of(session, viewer)
    team, seat = pick_seat(session, viewer, seat_id)
    today = clock.today()
    month = this_month(today)
    ids = [seat.id] if seat is not None else [s.id for s in team]
    overdue, due = todos.due_soon(session, viewer, today)
    appointments, appointment_count = appointments_today(session, sorted({*ids, viewer.id}), today)
    rank = rankings.rank_of(session, seat, RANK_METRIC, month.start, month.end) if seat is not None else None
    return Desk(viewer=viewer, team=team, seat=seat, month=month, customer_types=customer_types(session, scope, seat),
                pipeline=pipeline(session, scope, seat), deals=month_deals(session, ids, month), overdue=overdue,
                due=due, appointments=appointments, appointment_count=appointment_count, rank=rank)
