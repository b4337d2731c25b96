"""The points ledger (积分流水): every change of a member's points is one appended row, and the balance on the
member row moves in the same transaction by a conditional UPDATE that refuses to go below zero.

Expiry is first in, first out: a customer's points that expired are the credits past ``expires_at`` less
everything spent or expired so far — ``max(0, Σ expired credits − Σ debits)`` — written set-based by the
nightly job as one 积分过期 row per customer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, case, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.database import DbSession, table_of
from app.errors import Conflict, ValidationFailed
from app.members.models import Member, PointsEntry, PointsKind

POINTS_VALID_DAYS = 730  # a credit expires two years after it was earned


def ensure_member(session: DbSession, customer_id: int) -> None:
    """Make the customer a member (会员) if not one yet; two callers at once insert one row."""
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(dialect_insert(Member).values(customer_id=customer_id, joined_at=clock.now(), level_code="",
                                                  previous_level="", points_balance=0, cumulative_subscription=0)
                    .on_conflict_do_nothing(index_elements=["customer_id"]))


def balance(session: DbSession, customer_id: int) -> int:
    """The stored points balance (0 for a customer who is not a member)."""
    return int(session.execute(select(Member.points_balance).where(Member.customer_id == customer_id))
               .scalar() or 0)


def post(session: DbSession, customer_id: int, delta: int, kind: PointsKind, reason: str, *,
         actor_id: int | None = None, trade_id: int | None = None, activity_id: int | None = None,
         adjustment_id: int | None = None, now: datetime | None = None) -> PointsEntry:
    """Append one ledger row and move the balance with it; a debit beyond the balance is refused (nothing written)."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed("积分变动必须是非零整数")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写积分变动原因")
    now = now or clock.now()
    ensure_member(session, customer_id)
    after = session.execute(update(Member).where(Member.customer_id == customer_id,
                                                 Member.points_balance + delta >= 0)
                            .values(points_balance=Member.points_balance + delta)
                            .returning(Member.points_balance)
                            .execution_options(synchronize_session=False)).scalar()
    if after is None:
        raise Conflict(f"积分余额不足：当前余额 {balance(session, customer_id)} 分，不能扣减 {-delta} 分")
    entry = PointsEntry(customer_id=customer_id, delta=delta, balance_after=int(after), kind=kind,
                        reason=reason[:500], trade_id=trade_id, activity_id=activity_id, adjustment_id=adjustment_id,
                        expires_at=now + timedelta(days=POINTS_VALID_DAYS) if delta > 0 else None,
                        actor_id=actor_id, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def expire(session: DbSession, now: datetime) -> int:
    """Write the 积分过期 rows of every member whose expired credits were not all spent; return how many."""
    expired = func.sum(case((and_(PointsEntry.delta > 0, PointsEntry.expires_at <= now), PointsEntry.delta),
                            else_=0))
    spent = -func.sum(case((PointsEntry.delta < 0, PointsEntry.delta), else_=0))
    due = (select(PointsEntry.customer_id.label("customer_id"), (expired - spent).label("amount"))
           .where(PointsEntry.customer_id.in_(select(PointsEntry.customer_id)
                                              .where(PointsEntry.delta > 0, PointsEntry.expires_at <= now)))
           .group_by(PointsEntry.customer_id).having(expired - spent > 0).subquery())
    rows = (select(due.c.customer_id, -due.c.amount, Member.points_balance - due.c.amount,
                   literal(PointsKind.EXPIRY.value), literal(f"积分过期（{POINTS_VALID_DAYS} 天有效期，先进先出）"),
                   literal(now, PointsEntry.created_at.type))
            .join(Member, Member.customer_id == due.c.customer_id))
    inserted = session.execute(table_of(PointsEntry).insert().from_select(
        ["customer_id", "delta", "balance_after", "kind", "reason", "created_at"], rows)).rowcount  # type: ignore[attr-defined]
    if inserted:
        _apply_batch(session, PointsKind.EXPIRY, now)
    return int(inserted or 0)


def _apply_batch(session: DbSession, kind: PointsKind, now: datetime) -> None:
    """Move the balances by the rows of ``kind`` a set-based job just appended at ``now`` (its batch stamp)."""
    batch = (select(func.sum(PointsEntry.delta)).where(PointsEntry.customer_id == Member.customer_id,
                                                       PointsEntry.kind == kind, PointsEntry.created_at == now)
             .scalar_subquery())
    session.execute(update(Member).where(Member.customer_id.in_(
        select(PointsEntry.customer_id).where(PointsEntry.kind == kind, PointsEntry.created_at == now)))
        .values(points_balance=Member.points_balance + func.coalesce(batch, 0))
        .execution_options(synchronize_session=False))


def credit_many(session: DbSession, customer_ids: Select[Any], points: int, kind: PointsKind, reason: str,
                now: datetime) -> int:
    """Credit ``points`` to every member the SELECT of customer ids names, set-based; return how many."""
    if points <= 0:
        return 0
    rows = (select(Member.customer_id, literal(points, Integer), Member.points_balance + points, literal(kind.value),
                   literal(reason[:500]), literal(now + timedelta(days=POINTS_VALID_DAYS), PointsEntry.expires_at.type),
                   literal(now, PointsEntry.created_at.type))
            .where(Member.customer_id.in_(customer_ids)))
    inserted = session.execute(table_of(PointsEntry).insert().from_select(
        ["customer_id", "delta", "balance_after", "kind", "reason", "expires_at", "created_at"], rows)).rowcount  # type: ignore[attr-defined]
    if inserted:
        _apply_batch(session, kind, now)
    return int(inserted or 0)


def ledger_query(customer_id: int) -> Select[Any]:
    """The customer's ledger rows, newest first."""
    return select(PointsEntry).where(PointsEntry.customer_id == customer_id).order_by(PointsEntry.id.desc())
