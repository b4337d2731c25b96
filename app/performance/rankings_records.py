"""新员工纪录 (new-employee records): what seats achieved in their first days with the company.

A seat is a 新员工 for the system parameter ``performance.new_employee_days`` (default 90) days from its
入职日期 — the HR staff profile's ``hire_date``, else the day its account was created. Two records, each over
the active seats of the company or of one branch / department:

- 最快首单: fewest days from hire to the first deal (成单, :mod:`app.performance.deals`), counting only a
  first deal inside the new-employee period (day 0 = the hire day itself);
- 最大单笔: the biggest single deals made inside a seat's new-employee period.

Records are all-time, not per month: a record stands until someone beats it. Both are one query from the
seats to their deals inside each one's new-employee period (``ix_trade_seat_arrival``: one date range per seat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, func, literal, select, true, type_coerce

from app.admin import params
from app.auth.models import User
from app.database import DbSession
from app.hr.staff_models import StaffProfile
from app.org.models import Org
from app.performance import deals, rankings
from app.quotas import facts
from app.trades.models import Trade

NEW_EMPLOYEE_DAYS = params.define("performance.new_employee_days", "int", 90, "新员工期（天）",
                                  "入职后多少天内算新员工：新员工纪录（最快首单、最大单笔）只看这段时间内的成单",
                                  "业绩", minimum=1)
RECORD_ROWS = 10


@dataclass(frozen=True)
class FirstDeal:
    seat: rankings.RankedSeat
    hired_on: date
    first_deal_on: date

    @property
    def days(self) -> int:
        return (self.first_deal_on - self.hired_on).days


@dataclass(frozen=True)
class BigDeal:
    seat: rankings.RankedSeat
    trade_id: int
    trade_no: str
    amount: Decimal
    hired_on: date
    deal_on: date

    @property
    def days(self) -> int:
        return (self.deal_on - self.hired_on).days


def new_employee_days(session: DbSession) -> int:
    return int(params.get(NEW_EMPLOYEE_DAYS, session))


def hired_on(session: DbSession) -> Any:
    """SQL: a user's 入职日期 — the staff profile's, else the Asia/Shanghai day the account was created (needs
    ``staff_profile`` outer-joined)."""
    return type_coerce(func.coalesce(StaffProfile.hire_date, facts.local_day(session, User.created_at)), Date)


def _plus_days(session: DbSession, day: Any, days: int) -> Any:
    """SQL: ``day`` + ``days`` days on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return day + literal(days)
    return type_coerce(func.date(day, f"+{days} days"), Date)


def _new_employee_deals(session: DbSession, seat_ids: Sequence[int]) -> Any:
    """Subquery (seat_id, hired_on, id, trade_no, amount, arrival_date): each seat's deals inside its
    new-employee period, the seats driving the join so ``ix_trade_seat_arrival`` serves one date range per
    seat. SQLite finds that plan from a plain join; PostgreSQL would hash-join a scan of every trade (the
    period's bounds need ``staff_profile`` first), so there each seat's deals are a LATERAL subquery."""
    hired = hired_on(session)
    days = new_employee_days(session)
    seats = (select(User.id.label("seat_id"), hired.label("hired_on")).select_from(User)
             .outerjoin(StaffProfile, StaffProfile.user_id == User.id).where(User.id.in_(sorted(set(seat_ids)))))
    if session.get_bind().dialect.name == "postgresql":
        periods = seats.subquery("seat_period")
        found = (select(Trade.id, Trade.trade_no, Trade.arrival_amount.label("amount"), Trade.arrival_date)
                 .where(Trade.seat_id == periods.c.seat_id, Trade.arrival_date >= periods.c.hired_on,
                        Trade.arrival_date <= _plus_days(session, periods.c.hired_on, days), deals.is_deal())
                 .offset(0).lateral("seat_deal"))  # OFFSET 0: kept a subquery, not flattened into a hash join
        return (select(periods.c.seat_id, periods.c.hired_on, found.c.id, found.c.trade_no, found.c.amount,
                       found.c.arrival_date).select_from(periods).join(found, true()).subquery("new_employee_deal"))
    within = and_(Trade.seat_id == User.id, Trade.arrival_date >= hired,
                  Trade.arrival_date <= _plus_days(session, hired, days), deals.is_deal())
    return (seats.add_columns(Trade.id, Trade.trade_no, Trade.arrival_amount.label("amount"), Trade.arrival_date)
            .join(Trade, within).subquery("new_employee_deal"))


def fastest_first_deals(session: DbSession, org: Org | None = None, limit: int = RECORD_ROWS,
                        population: Sequence[rankings.RankedSeat] | None = None) -> list[FirstDeal]:
    """最快首单: seats whose first deal came inside their new-employee period, fastest first (ties by 工号);
    ``population``: the seats of ``org``, when the caller has already loaded them."""
    seats = {seat.user_id: seat for seat in (population if population is not None
                                             else rankings.ranked_seats(session, org))}
    if not seats:
        return []
    found = _new_employee_deals(session, list(seats))
    stmt = (select(found.c.seat_id, found.c.hired_on, func.min(found.c.arrival_date).label("first_deal_on"))
            .group_by(found.c.seat_id, found.c.hired_on))
    found = [FirstDeal(seats[row.seat_id], row.hired_on, row.first_deal_on) for row in session.execute(stmt)]
    return sorted(found, key=lambda record: (record.days, record.seat.work_no))[:limit]


def biggest_deals(session: DbSession, org: Org | None = None, limit: int = RECORD_ROWS,
                  population: Sequence[rankings.RankedSeat] | None = None) -> list[BigDeal]:
    """最大单笔: the biggest deals made by seats inside their new-employee period, biggest first."""
    seats = {seat.user_id: seat for seat in (population if population is not None
                                             else rankings.ranked_seats(session, org))}
    if not seats:
        return []
    found = _new_employee_deals(session, list(seats))
    stmt = select(found).order_by(found.c.amount.desc(), found.c.arrival_date, found.c.id).limit(limit)
    return [BigDeal(seats[row.seat_id], row.id, row.trade_no, Decimal(row.amount).quantize(deals.ZERO),
                    row.hired_on, row.arrival_date) for row in session.execute(stmt)]
