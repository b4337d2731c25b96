"""Phone blacklist (黑名单, seed 002): seats mark harassing numbers; enough marks flag the phone everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select

from app import clock
from app.admin import params
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import CustomerPhone, PhoneBlacklistMark
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from rules import phones as phone_rules

THRESHOLD = params.define("blacklist.threshold", "int", 3, "黑名单标记次数",
                          "同一电话被不同坐席标记达到此次数后，在所有出现的地方标为黑名单", "客户", minimum=1)


@dataclass(frozen=True)
class BlacklistEntry:
    phone: str
    marks: int
    first_at: datetime
    last_at: datetime
    blacklisted: bool
    customers: int


def threshold(session: DbSession) -> int:
    return params.get_int(THRESHOLD, session)


def mark(session: DbSession, user: User, raw_phone: str, reason: str) -> int:
    """Record one seat's mark of a phone; return the phone's mark count afterwards."""
    try:
        phone = phone_rules.normalize(raw_phone)
    except phone_rules.InvalidPhone as exc:
        raise ValidationFailed(exc.message) from exc
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写标记原因，例如：恶意骚扰")
    already = session.scalar(select(PhoneBlacklistMark.id).where(PhoneBlacklistMark.phone == phone,
                                                                 PhoneBlacklistMark.user_id == user.id))
    if already:
        raise Conflict("您已经标记过这个电话")
    session.add(PhoneBlacklistMark(phone=phone, user_id=user.id, reason=reason[:200], at=clock.now()))
    session.flush()
    count = int(session.scalar(select(func.count()).where(PhoneBlacklistMark.phone == phone)) or 0)
    if count == threshold(session):
        audit.record(session, "blacklist.flagged", object_type="phone", object_id=phone,
                     summary=f"电话 {phone_rules.mask(phone)} 被 {count} 名坐席标记，列入黑名单")
    return count


def blacklisted(session: DbSession, phones: Iterable[str]) -> set[str]:
    """Return which of these phones are blacklisted now (marks ≥ the parameter)."""
    wanted = sorted({p for p in phones if p})
    if not wanted:
        return set()
    stmt = (select(PhoneBlacklistMark.phone).where(PhoneBlacklistMark.phone.in_(wanted))
            .group_by(PhoneBlacklistMark.phone).having(func.count() >= threshold(session)))
    return set(session.scalars(stmt))


def entries_query(session: DbSession, only_blacklisted: bool = False, q: str = "") -> Select:
    """Marked phones with their mark counts, newest first (电话黑名单 screen)."""
    stmt = (select(PhoneBlacklistMark.phone, func.count().label("marks"),
                   func.min(PhoneBlacklistMark.at).label("first_at"), func.max(PhoneBlacklistMark.at).label("last_at"))
            .group_by(PhoneBlacklistMark.phone))
    if q:
        stmt = stmt.where(PhoneBlacklistMark.phone.contains(phone_rules.clean(q), autoescape=True))
    if only_blacklisted:
        stmt = stmt.having(func.count() >= threshold(session))
    return stmt.order_by(func.max(PhoneBlacklistMark.at).desc())


def entries(session: DbSession, stmt: Select) -> list[BlacklistEntry]:
    limit = threshold(session)
    rows = list(session.execute(stmt))
    counts = dict(session.execute(
        select(CustomerPhone.phone, func.count(func.distinct(CustomerPhone.customer_id)))
        .where(CustomerPhone.phone.in_([r.phone for r in rows])).group_by(CustomerPhone.phone)).all())
    return [BlacklistEntry(r.phone, r.marks, r.first_at, r.last_at, r.marks >= limit, counts.get(r.phone, 0))
            for r in rows]


def clear(session: DbSession, phone: str) -> int:
    """Remove every mark of a phone (解除黑名单); audited."""
    removed = session.execute(delete(PhoneBlacklistMark).where(PhoneBlacklistMark.phone == phone)).rowcount  # type: ignore[attr-defined]
    if not removed:
        raise NotFound("该电话没有黑名单标记")
    audit.record(session, "blacklist.cleared", object_type="phone", object_id=phone,
                 summary=f"解除电话 {phone_rules.mask(phone)} 的黑名单标记（{removed} 条）")
    return int(removed)
