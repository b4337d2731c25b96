"""Call-backs (回访): quick ones recorded from the 客户 360 page, scheduled ones (定时回访) and missed calls.

Completing a call-back records a follow-up through the follow-up service (a call with its connection and
length), so quotas, performance and the recycle counters count it as any other call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select, update

from app import clock
from app.auth.models import User
from app.callcentre import strategy
from app.callcentre.access import CALLBACKS
from app.callcentre.models import Callback, CallbackSource, CallbackStatus
from app.callcentre.screen_pop import clean_caller, clean_extension, seat_at
from app.customers import visibility
from app.customers.models import Customer, CustomerPhone
from app.customers.services import customer_scope, scoped
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.followups import services as followups
from app.followups.models import FollowUp, FollowUpKind
from app.org import scope as data_scope

MAX_SCHEDULE_DAYS = 366
CLOCK_SKEW = timedelta(minutes=5)


def _reason(text: str) -> str:
    text = (text or "").strip()
    if len(text) > 200:
        raise ValidationFailed("回访事由不能超过 200 字")
    return text


def _due(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        raise ValidationFailed("请选择回访时间")
    if at.tzinfo is None:
        raise ValidationFailed("回访时间缺少时区")
    if at <= now:
        raise ValidationFailed("回访时间必须晚于现在")
    if at > now + timedelta(days=MAX_SCHEDULE_DAYS):
        raise ValidationFailed("只能安排一年以内的回访")
    return at


def primary_phone(customer: Customer) -> str:
    phones = sorted(customer.phones, key=lambda p: (not p.is_primary, p.id))
    return phones[0].phone if phones else ""


def schedule(session: DbSession, seat: User, customer: Customer, at: datetime | None, reason: str) -> Callback:
    """定时回访: the seat will call the customer back at ``at``."""
    visibility.check_follow_up(customer)
    now = clock.now()
    callback = Callback(customer_id=customer.id, phone=primary_phone(customer), seat_id=seat.id,
                        org_id=seat.org_id, due_at=_due(at, now), reason=_reason(reason) or "定时回访",
                        source=CallbackSource.PLANNED, created_by_id=seat.id, created_at=now)
    session.add(callback)
    session.flush()
    return callback


@dataclass
class Outcome:
    """What the seat says about a call-back call (回访结果)."""

    note: str
    connected: bool = True
    duration_seconds: int = 0
    phone: str = ""


def record_now(session: DbSession, seat: User, customer: Customer, outcome: Outcome, reason: str = "") -> Callback:
    """快速回访: the seat called the customer back just now; the call-back is recorded done at once."""
    visibility.check_follow_up(customer)
    now = clock.now()
    callback = Callback(customer_id=customer.id, phone=outcome.phone or primary_phone(customer), seat_id=seat.id,
                        org_id=seat.org_id, due_at=now, reason=_reason(reason) or "快速回访",
                        source=CallbackSource.MANUAL, created_by_id=seat.id, created_at=now)
    session.add(callback)
    session.flush()
    complete(session, seat, callback, outcome)
    return callback


def _pending(callback: Callback) -> None:
    if callback.status != CallbackStatus.PENDING:
        raise Conflict(f"该回访{callback.status.label}，不能再处理")


def _attach_customer(session: DbSession, seat: User, callback: Callback) -> None:
    """An unknown number's call-back: if the seat has since created (or can see) exactly one customer with
    the number, the call-back is about that customer."""
    if callback.customer_id is not None or not callback.phone:
        return
    having = select(CustomerPhone.customer_id).where(CustomerPhone.phone == callback.phone)
    found = list(session.scalars(scoped(select(Customer.id).where(Customer.id.in_(having)),
                                        customer_scope(session, seat)).limit(2)))
    if len(found) == 1:
        callback.customer_id = found[0]


def complete(session: DbSession, seat: User, callback: Callback, outcome: Outcome) -> FollowUp | None:
    """已回访: close the call-back with its result and record the call as a follow-up of the customer.

    A call-back for a number no customer has yet closes without a follow-up (there is no one to count it for).
    """
    _pending(callback)
    note = (outcome.note or "").strip()
    if not note:
        raise ValidationFailed("请填写回访结果")
    if len(note) > 2000:
        raise ValidationFailed("回访结果不能超过 2000 字")
    if callback.seat_id is None:
        callback.seat_id = seat.id  # completing a queued one takes it
    elif callback.seat_id != seat.id:
        raise Conflict("这条回访已分给其他坐席")
    _attach_customer(session, seat, callback)
    follow_up = None
    if callback.customer_id is not None:
        customer = session.get_one(Customer, callback.customer_id)
        known = {p.phone for p in customer.phones}
        phone = outcome.phone if outcome.phone in known else (callback.phone if callback.phone in known else "")
        follow_up = followups.log_follow_up(session, customer, seat, followups.FollowUpInput(
            kind=FollowUpKind.CALL.value, phone=phone, connected=outcome.connected,
            duration_seconds=outcome.duration_seconds if outcome.connected else 0,
            content=f"回访：{note}"))
        callback.follow_up_id = follow_up.id
    callback.status, callback.result_note, callback.completed_at = CallbackStatus.DONE, note, clock.now()
    session.flush()
    return follow_up


def cancel(session: DbSession, seat: User, callback: Callback, note: str) -> None:
    """取消回访, with why."""
    _pending(callback)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写取消原因")
    callback.status, callback.result_note, callback.completed_at = CallbackStatus.CANCELLED, note[:2000], clock.now()
    session.flush()


def claim(session: DbSession, seat: User, callback: Callback) -> None:
    """领取: a seat takes a call-back waiting in a queue (only one seat gets it: the UPDATE checks it is free)."""
    _pending(callback)
    taken = session.execute(update(Callback).where(Callback.id == callback.id, Callback.seat_id.is_(None),
                                                   Callback.status == CallbackStatus.PENDING)
                            .values(seat_id=seat.id).execution_options(synchronize_session=False))
    if not taken.rowcount:  # type: ignore[attr-defined]
        raise Conflict("这条回访已被其他坐席领取")
    session.refresh(callback)


def missed_call(session: DbSession, actor: User, *, caller: Any, at: datetime | None,
                extension: Any = None) -> tuple[Callback, bool]:
    """未接来电 from the telephony system: a call-back to whoever the strategy picks. A second missed call
    from a number that still has a pending missed-call call-back is counted on it; returns (call-back, new)."""
    phone = clean_caller(caller)
    ext = ""
    if extension not in (None, ""):
        ext = clean_extension(extension)
        seat_at(session, ext)  # an unknown extension is refused, as for a screen-pop
    now = clock.now()
    when = at or now
    if when > now + CLOCK_SKEW:
        raise ValidationFailed("来电时间（time）不能晚于现在", details={"field": "time"})
    existing = session.scalar(select(Callback).where(Callback.phone == phone, Callback.status == CallbackStatus.PENDING,
                                                     Callback.source == CallbackSource.MISSED_CALL)
                              .order_by(Callback.id).limit(1).with_for_update())
    if existing is not None:
        existing.missed_calls += 1
        session.flush()
        return existing, False
    having = select(CustomerPhone.customer_id).where(CustomerPhone.phone == phone)
    customer = session.scalar(select(Customer).where(Customer.id.in_(having), visibility.alive())
                              .order_by(Customer.service_seat_id.is_(None), Customer.id).limit(1))
    who = strategy.assign(session, customer)
    rule = strategy.current(session)
    callback = Callback(customer_id=customer.id if customer else None, phone=phone, seat_id=who.seat_id,
                        org_id=who.org_id, due_at=when + timedelta(minutes=rule.due_minutes),
                        reason=f"未接来电（{who.why}）", source=CallbackSource.MISSED_CALL, missed_calls=1,
                        extension=ext, created_by_id=actor.id, created_at=now)
    session.add(callback)
    session.flush()
    return callback, True


# --- lists -----------------------------------------------------------------------------------------------------


def get(session: DbSession, user: User, callback_id: int) -> Callback:
    """A call-back the user may work: their own, one queued at their org or above, or one in their scope."""
    callback = session.get(Callback, callback_id)
    if callback is not None and callback.seat_id is None and callback.org_id in user.org.ancestor_ids:
        return callback
    return data_scope.get_or_404(session, Callback, callback_id, data_scope.scope_of(session, user, CALLBACKS),
                                 org_attr="org_id", owner_attr="seat_id")


def mine(user: User, status: CallbackStatus = CallbackStatus.PENDING) -> Select[Any]:
    """我的回访: the user's call-backs of a status; pending ones by due time (overdue first)."""
    stmt = select(Callback).where(Callback.seat_id == user.id, Callback.status == status)
    if status == CallbackStatus.PENDING:
        return stmt.order_by(Callback.due_at, Callback.id)
    return stmt.order_by(Callback.completed_at.desc(), Callback.id.desc())


def queue(session: DbSession, user: User) -> Select[Any]:
    """部门待领回访: unclaimed call-backs queued at the user's org or one above it (a group's seats take their
    department's queue), and those of the orgs in the user's scope."""
    scope = data_scope.scope_of(session, user, CALLBACKS)
    in_reach = or_(Callback.org_id.in_(user.org.ancestor_ids), data_scope.org_condition(scope, Callback.org_id))
    return (select(Callback).where(Callback.seat_id.is_(None), Callback.status == CallbackStatus.PENDING, in_reach)
            .order_by(Callback.due_at, Callback.id))


def counts(session: DbSession, user: User) -> dict[str, int]:
    """Pending and overdue counts of the user's own call-backs (the page's badges)."""
    now = clock.now()
    row = session.execute(select(func.count(), func.sum(case((Callback.due_at < now, 1), else_=0)))
                          .where(Callback.seat_id == user.id, Callback.status == CallbackStatus.PENDING)).one()
    return {"pending": int(row[0] or 0), "overdue": int(row[1] or 0)}


def of_customer(session: DbSession, customer_id: int, limit: int = 50) -> list[Callback]:
    """客户 360: the customer's call-backs, pending first, newest first."""
    return list(session.scalars(select(Callback).where(Callback.customer_id == customer_id)
                                .order_by((Callback.status != CallbackStatus.PENDING), Callback.due_at.desc())
                                .limit(limit)))
