"""Upcoming birthdays and 成交纪念日 (the first arrival-confirmed trade) as set-based queries.

The window (app.care.windows) is a handful of month-day keys; each customer's key is computed in SQL from the
stored date (``extract`` is strftime on SQLite, EXTRACT on PostgreSQL), filtered with IN and turned back into
"days ahead" and "year kept" by a CASE, so one statement lists every customer of the scope whose day comes.
Birthdays are ``customer.birthday`` — filled from the mainland ID number when the customer is created or edited
(app.customers.services.clean_identity), so there is no second source to fall back to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, select
from sqlalchemy.orm import aliased

from app.auth.models import User, UserStatus
from app.care import windows
from app.care.models import CareKind, CareRecord
from app.customers import services as customers
from app.customers.models import Customer, Gender, Pool
from app.database import DbSession
from app.errors import ValidationFailed
from app.org import scope as data_scope
from app.trades.models import Trade, TradeStatus

LIST_LIMIT = 500
DAY_CHOICES = (1, 3, 7, 15, 30)


def clean_days(raw: Any, default: int = 7) -> int:
    """The window length a screen or the API asked for (1 = today only)."""
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= windows.MAX_DAYS:
        raise ValidationFailed(f"天数应为 1 到 {windows.MAX_DAYS} 之间的整数")
    return int(text)


def clean_kind(raw: Any) -> CareKind:
    try:
        kind = CareKind(str(raw or ""))
    except ValueError as exc:
        raise ValidationFailed("关怀类型只能是生日（birthday）或纪念日（anniversary）") from exc
    if kind not in (CareKind.BIRTHDAY, CareKind.ANNIVERSARY):
        raise ValidationFailed("关怀类型只能是生日（birthday）或纪念日（anniversary）")
    return kind


def first_deals() -> Any:
    """Customer id → date of the first arrival-confirmed trade that still stands (成交纪念日的起点)."""
    return (select(Trade.customer_id.label("customer_id"), func.min(Trade.arrival_date).label("origin"))
            .where(Trade.arrival_confirmed.is_(True), Trade.arrival_date.is_not(None),
                   Trade.status.not_in((TradeStatus.REFUNDED, TradeStatus.FAILED)))
            .group_by(Trade.customer_id).subquery("first_deal"))


def _key(column: Any) -> ColumnElement[int]:
    return extract("month", column) * 100 + extract("day", column)


@dataclass(frozen=True)
class Upcoming:
    """The statement (customer id, origin date, key, …) and the window it was built for."""

    stmt: Select[Any]
    window: dict[int, windows.Occurrence]


def upcoming(kind: CareKind, today: date, days: int) -> Upcoming:
    """Customers (any scope) whose birthday or 成交纪念日 is kept within the window; not yet narrowed to a scope."""
    window = windows.window(today, days)
    keys = list(window)
    if kind == CareKind.BIRTHDAY:
        origin: Any = Customer.birthday
        stmt = select(Customer.id.label("customer_id"), origin.label("origin"), _key(origin).label("md"))
        where: list[ColumnElement[bool]] = [origin.is_not(None)]
    else:
        deal = first_deals()
        origin = deal.c.origin
        stmt = (select(Customer.id.label("customer_id"), origin.label("origin"), _key(origin).label("md"))
                .join(deal, deal.c.customer_id == Customer.id))
        # The first deal's own day is no anniversary: at least one full year must have passed.
        year_kept = case({k: o.on.year for k, o in window.items()}, value=_key(origin))
        where = [year_kept > extract("year", origin)]
    where.append(_key(origin).in_(keys))
    if kind == CareKind.BIRTHDAY:
        where.append(Customer.birthday <= today)
    return Upcoming(stmt.where(*where, Customer.pool != Pool.DELETED), window)


@dataclass(frozen=True)
class Row:
    customer_id: int
    number: str
    name: str
    gender: Gender
    origin: date
    on: date
    ahead: int
    years: int
    seat_id: int | None
    seat_name: str
    pool: Pool
    last_cared_at: datetime | None
    cared: bool  # a care of this kind was recorded for this very occasion

    @property
    def when(self) -> str:
        return "今天" if self.ahead == 0 else ("明天" if self.ahead == 1 else f"{self.ahead} 天后")


def scoped_ids(up: Upcoming, scope: data_scope.Scope) -> Select[Any]:
    """The upcoming statement narrowed to the customers the scope sees (pools included)."""
    return customers.scoped(up.stmt, scope)


def listing(session: DbSession, scope: data_scope.Scope, kind: CareKind, today: date, days: int,
            seat_id: int | None = None) -> tuple[list[Row], int]:
    """The care list (生日关怀 / 纪念日关怀) of the scope, soonest first, and how many there are in all."""
    up = upcoming(kind, today, days)
    base = scoped_ids(up, scope)
    if seat_id is not None:
        base = base.where(Customer.service_seat_id == seat_id)
    found = base.subquery("found")
    total = int(session.scalar(select(func.count()).select_from(found)) or 0)
    seat = aliased(User)
    last_at = (select(func.max(CareRecord.cared_at))
               .where(CareRecord.customer_id == found.c.customer_id, CareRecord.kind == kind).scalar_subquery())
    last_occasion = (select(func.max(CareRecord.occasion))
                     .where(CareRecord.customer_id == found.c.customer_id, CareRecord.kind == kind).scalar_subquery())
    ahead = case({k: o.ahead for k, o in up.window.items()}, value=found.c.md)
    rows = session.execute(
        select(found.c.customer_id, Customer.number, Customer.name, Customer.gender, found.c.origin, found.c.md,
               Customer.service_seat_id, seat.name, Customer.pool, last_at, last_occasion)
        .join(Customer, Customer.id == found.c.customer_id).outerjoin(seat, seat.id == Customer.service_seat_id)
        .order_by(ahead, Customer.name, Customer.id).limit(LIST_LIMIT)).all()
    result = []
    for cid, number, name, gender, origin, md, sid, seat_name, pool, cared_at, occasion in rows:
        occurrence = up.window[int(md)]
        result.append(Row(cid, number, name, gender, origin, occurrence.on, occurrence.ahead,
                          windows.years_at(origin, occurrence.on), sid, seat_name or "", pool, cared_at,
                          occasion == occurrence.on))
    return result, total


def due_for_seats(session: DbSession, today: date, days: int) -> list[tuple[int, CareKind, Row]]:
    """Every active serving seat's customers with a birthday or 成交纪念日 in the window (the reminder job)."""
    found: list[tuple[int, CareKind, Row]] = []
    for kind in (CareKind.BIRTHDAY, CareKind.ANNIVERSARY):
        up = upcoming(kind, today, days)
        sub = up.stmt.subquery("due")
        rows = session.execute(
            select(sub.c.customer_id, Customer.number, Customer.name, Customer.gender, sub.c.origin, sub.c.md,
                   Customer.service_seat_id, User.name, Customer.pool)
            .join(Customer, Customer.id == sub.c.customer_id).join(User, User.id == Customer.service_seat_id)
            .where(and_(User.status == UserStatus.ACTIVE, Customer.pool == Pool.PERSONAL))).all()
        for cid, number, name, gender, origin, md, sid, seat_name, pool in rows:
            occurrence = up.window[int(md)]
            found.append((int(sid), kind, Row(cid, number, name, gender, origin, occurrence.on, occurrence.ahead,
                                              windows.years_at(origin, occurrence.on), sid, seat_name, pool,
                                              None, False)))
    return found


def occasion_of(session: DbSession, customer: Customer, kind: CareKind, today: date) -> tuple[date | None, int | None]:
    """The next date the customer's birthday / 成交纪念日 is kept (today or later) and the age or years then."""
    if kind == CareKind.BIRTHDAY:
        origin = customer.birthday
    elif kind == CareKind.ANNIVERSARY:
        deal = first_deals()
        origin = session.scalar(select(deal.c.origin).where(deal.c.customer_id == customer.id))
    else:
        return None, None
    if origin is None:
        return None, None
    on = windows.next_occurrence(origin, today)
    if kind == CareKind.ANNIVERSARY and on.year == origin.year:
        on = windows.kept_on(origin, origin.year + 1)
    return on, windows.years_at(origin, on)
