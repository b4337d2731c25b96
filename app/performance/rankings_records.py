"""新员工纪录 (new-employee records): what seats achieved in their first days with the company.

A seat is a 新员工 for the system parameter ``performance.new_employee_days`` (default 90) days from its
入职日期 — the HR staff profile's ``hire_date``, else the day its account was created. Two records, each over
the active seats of the company or of one branch / department:

- 最快首单: fewest days from hire to the first deal (成单, :mod:`app.performance.deals`), counting only a
  first deal inside the new-employee period (day 0 = the hire day itself);
- 最大单笔: the biggest single deals made inside a seat's new-employee period.

Records are all-time, not per month: a record stands until someone beats it. Both are one grouped query
over ``trade`` joined to the seats (``ix_trade_seat_arrival`` serves the per-seat date ranges).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, func, literal, select, type_coerce

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


def _hire_dates(session: DbSession) -> Any:
    """Subquery: per user, the 入职日期 (staff profile, else the local day the account was created)."""
    hired = type_coerce(func.coalesce(StaffProfile.hire_date, facts.local_day(session, User.created_at)), Date)
    return (select(User.id.label("user_id"), hired.label("hired_on"))
            .outerjoin(StaffProfile, StaffProfile.user_id == User.id).subquery())


def _plus_days(session: DbSession, day: Any, days: int) -> Any:
    """SQL: ``day`` + ``days`` days on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return day + literal(days)
    return type_coerce(func.date(day, f"+{days} days"), Date)


def _new_employee_deals(session: DbSession, seat_ids: list[int]) -> tuple[Any, Any]:
    """The hire subquery and the condition: a deal of one of ``seat_ids`` inside its seat's new-employee period."""
    hires = _hire_dates(session)
    within = (deals.is_deal() & Trade.seat_id.in_(seat_ids) & (Trade.arrival_date >= hires.c.hired_on)
              & (Trade.arrival_date <= _plus_days(session, hires.c.hired_on, new_employee_days(session))))
    return hires, within


def fastest_first_deals(session: DbSession, org: Org | None = None, limit: int = RECORD_ROWS) -> list[FirstDeal]:
    """最快首单: seats whose first deal came inside their new-employee period, fastest first (ties by 工号)."""
    seats = {seat.user_id: seat for seat in rankings.ranked_seats(session, org)}
    if not seats:
        return []
    hires, within = _new_employee_deals(session, sorted(seats))
    stmt = (select(Trade.seat_id, hires.c.hired_on, func.min(Trade.arrival_date).label("first_deal_on"))
            .join(hires, hires.c.user_id == Trade.seat_id).where(within)
            .group_by(Trade.seat_id, hires.c.hired_on))
    found = [FirstDeal(seats[row.seat_id], row.hired_on, row.first_deal_on) for row in session.execute(stmt)]
    return sorted(found, key=lambda record: (record.days, record.seat.work_no))[:limit]


def biggest_deals(session: DbSession, org: Org | None = None, limit: int = RECORD_ROWS) -> list[BigDeal]:
    """最大单笔: the biggest deals made by seats inside their new-employee period, biggest first."""
    seats = {seat.user_id: seat for seat in rankings.ranked_seats(session, org)}
    if not seats:
        return []
    hires, within = _new_employee_deals(session, sorted(seats))
    stmt = (select(Trade.id, Trade.trade_no, Trade.seat_id, Trade.arrival_amount, Trade.arrival_date,
                   hires.c.hired_on)
            .join(hires, hires.c.user_id == Trade.seat_id).where(within)
            .order_by(Trade.arrival_amount.desc(), Trade.arrival_date, Trade.id).limit(limit))
    return [BigDeal(seats[row.seat_id], row.id, row.trade_no, Decimal(row.arrival_amount).quantize(deals.ZERO),
                    row.hired_on, row.arrival_date) for row in session.execute(stmt)]
