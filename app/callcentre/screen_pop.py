"""CTI screen-pop (来电弹屏): the telephony system announces a call at an extension; the seat there sees the caller.

The API call does all the work once — find the seat, match the number inside the seat's data scope, check
the blacklist — and stores one ``screen_pop`` row. The seat's browser polls :func:`pending` (one index range
read) every half second and shows what it finds, so a pop reaches the screen within a poll interval plus a
request (docs/callcentre.md, bench/screen_pop.py).

A seat who is not logged in still gets the row: it pops when they log in within :data:`POP_TTL`; a call older
than that has ended and only stays in the call log. A seat who has left is refused (409): their extension
should be given to someone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from app import clock
from app.admin import params
from app.auth import services as auth_services
from app.auth.models import LoginSession, User, UserStatus
from app.callcentre.models import CallDirection, ScreenPop
from app.customers import blacklist, visibility
from app.customers.access import CUSTOMERS_VIEW
from app.customers.models import Customer, CustomerPhone, PhoneBlacklistMark
from app.customers.services import customer_scope, scoped
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from rules import phones as phone_rules

POP_TTL = timedelta(minutes=5)
EXTENSION = re.compile(r"^\d{2,10}$")


def clean_extension(raw: Any) -> str:
    """An extension as stored: 2–10 digits; anything else is refused in Chinese."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValidationFailed("请填写分机号", details={"field": "extension"})
    if not EXTENSION.match(text):
        raise ValidationFailed(f"分机号“{text[:20]}”格式不正确，应为 2–10 位数字", details={"field": "extension"})
    return text


def clean_caller(raw: Any) -> str:
    """The caller's number, normalised as customer phones are (rules.phones)."""
    if not isinstance(raw, str):
        raise ValidationFailed("请填写来电号码（caller）", details={"field": "caller"})
    try:
        return phone_rules.normalize(raw)
    except phone_rules.InvalidPhone as exc:
        raise ValidationFailed(f"来电号码无效：{exc.message}", details={"field": "caller"}) from exc


def seat_at(session: DbSession, extension: str) -> User:
    """The user at an extension; unknown is a 404, a seat who left a 409 (nothing is written either way)."""
    seat = session.scalar(select(User).where(User.extension == extension))
    if seat is None:
        raise NotFound(f"分机号 {extension} 没有对应的坐席，请在用户维护中设置分机号", code="unknown_extension")
    if seat.status != UserStatus.ACTIVE:
        raise Conflict(f"分机号 {extension} 的坐席 {seat.name} 已离职，请把分机号改给在岗坐席", code="seat_left")
    return seat


def is_online(session: DbSession, seat: User) -> bool:
    """Whether the seat has a live login session (seen within the idle timeout)."""
    cutoff = clock.now() - timedelta(minutes=params.get_int(auth_services.IDLE_TIMEOUT_MINUTES, session))
    return bool(session.scalar(select(LoginSession.id).where(
        LoginSession.user_id == seat.id, LoginSession.revoked_at.is_(None), LoginSession.last_seen_at >= cutoff)
        .limit(1)))


@dataclass(frozen=True)
class CallerMatch:
    customer_ids: list[int]  # inside the seat's scope, oldest first
    outside_scope: bool  # some customer the seat may not see has the number
    blacklisted: bool
    blacklist_reason: str


def match_caller(session: DbSession, seat: User, phone: str) -> CallerMatch:
    """Match a number to customers as the seat would see them; say only *whether* others have it."""
    scope = customer_scope(session, seat, CUSTOMERS_VIEW)
    having = select(CustomerPhone.customer_id).where(CustomerPhone.phone == phone)
    visible = list(session.scalars(scoped(select(Customer.id).where(Customer.id.in_(having)), scope)
                                  .order_by(Customer.id).limit(20)))
    outside = bool(session.scalar(select(Customer.id).where(Customer.id.in_(having), visibility.alive(),
                                                            Customer.id.not_in(visible)).limit(1)))
    listed = phone in blacklist.blacklisted(session, [phone])
    reason = ""
    if listed:
        reasons = session.scalars(select(PhoneBlacklistMark.reason).where(PhoneBlacklistMark.phone == phone)
                                  .order_by(PhoneBlacklistMark.at.desc()).limit(3))
        reason = "；".join(dict.fromkeys(r for r in reasons if r))[:200]
    return CallerMatch(visible, outside, listed, reason)


def announce(session: DbSession, *, extension: Any, caller: Any, call_id: Any = "",
             direction: Any = CallDirection.INBOUND.value) -> tuple[ScreenPop, bool, list[int]]:
    """Store a screen-pop for the seat at ``extension``; return it, whether the seat is online now and the ids
    of the customers the seat sees with the number."""
    ext = clean_extension(extension)
    phone = clean_caller(caller)
    if not isinstance(call_id, str) or len(call_id) > 64:
        raise ValidationFailed("通话编号（call_id）应为不超过 64 个字符的文本", details={"field": "call_id"})
    if direction not in CallDirection._value2member_map_:
        raise ValidationFailed("呼叫方向（direction）只能是 inbound（呼入）或 outbound（呼出）",
                               details={"field": "direction"})
    seat = seat_at(session, ext)
    found = match_caller(session, seat, phone)
    pop = ScreenPop(seat_id=seat.id, extension=ext, caller=phone, call_id=call_id.strip(),
                    direction=CallDirection(direction),
                    customer_id=found.customer_ids[0] if found.customer_ids else None,
                    match_count=len(found.customer_ids), outside_scope=found.outside_scope,
                    blacklisted=found.blacklisted, blacklist_reason=found.blacklist_reason, created_at=clock.now())
    session.add(pop)
    session.flush()
    return pop, is_online(session, seat), found.customer_ids


# The poll's one statement: the seat's unseen pops of the last few minutes, newest first, with the customer.
_PENDING = (select(ScreenPop.id, ScreenPop.caller, ScreenPop.direction, ScreenPop.customer_id, ScreenPop.match_count,
                   ScreenPop.outside_scope, ScreenPop.blacklisted, ScreenPop.blacklist_reason, ScreenPop.created_at,
                   Customer.name.label("customer_name"), Customer.number.label("customer_number"),
                   Customer.pool.label("customer_pool"))
            .outerjoin(Customer, Customer.id == ScreenPop.customer_id)
            .order_by(ScreenPop.id.desc()).limit(5))


def pending(session: DbSession, seat_id: int, now: datetime | None = None) -> list[Any]:
    """The seat's unseen screen-pops younger than :data:`POP_TTL`, newest first."""
    since = (now or clock.now()) - POP_TTL
    return list(session.execute(_PENDING.where(ScreenPop.seat_id == seat_id, ScreenPop.seen_at.is_(None),
                                               ScreenPop.created_at >= since)))


def mark_seen(session: DbSession, seat_id: int, pop_id: int) -> None:
    """Mark one of the seat's pops seen (the panel's 关闭); another seat's pop is "not found"."""
    done = session.execute(update(ScreenPop).where(ScreenPop.id == pop_id, ScreenPop.seat_id == seat_id)
                           .values(seen_at=func.coalesce(ScreenPop.seen_at, clock.now())))
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound("来电弹屏记录不存在")


def recent(session: DbSession, seat_id: int, limit: int = 50) -> list[ScreenPop]:
    """The seat's latest calls (来电记录), seen or not."""
    return list(session.scalars(select(ScreenPop).where(ScreenPop.seat_id == seat_id)
                                .order_by(ScreenPop.id.desc()).limit(limit)))
