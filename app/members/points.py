"""Points rules (积分规则, rules/points_rules.dmn) and the events that earn points: a trade's arrival audit,
attending a salon (沙龙), a birthday (nightly, set-based) and a referral (推荐客户, by hand or API).

The table's inputs are ``event`` ("subscription", "salon", "birthday", "referral") and ``amount`` (yuan);
its outputs are ``points`` (fixed points) and ``per_10k`` (points per full 10,000 yuan of ``amount``).
Both outputs are literals, so the designer edits them as numbers and the engine computes nothing hidden.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func, select

from app import clock
from app.customers.models import Customer
from app.database import DbSession, table_of
from app.errors import ValidationFailed
from app.members import ledger
from app.members.models import Member, PointsEntry, PointsKind
from app.trades.models import Trade, TradeStatus
from app.workflow import dmn_tables

POINTS_TABLE = "points_rules"
EVENTS = {"subscription": "认购", "salon": "沙龙到场", "birthday": "生日", "referral": "推荐客户"}
# What a customer has subscribed (累计认购): confirmed arrivals that were not given back.
NOT_SUBSCRIBED = (TradeStatus.FAILED, TradeStatus.REFUNDED)


def points_for(session: DbSession, event: str, amount: Decimal | int = 0) -> int:
    """The points the table in force gives for one event (0 when no row fires)."""
    table = dmn_tables.load(session, POINTS_TABLE)
    return points_from(dmn_tables.evaluate(table, {"event": event, "amount": float(amount)}).outputs, amount)


def points_from(outputs: dict[str, Any] | None, amount: Decimal | int) -> int:
    """Fixed points plus points per full 10,000 yuan, as the fired row says (never negative)."""
    outputs = outputs or {}
    try:
        fixed = int(outputs.get("points") or 0)
        per_10k = int(outputs.get("per_10k") or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("积分规则表的结果必须是整数积分") from exc
    return max(0, fixed + per_10k * int(Decimal(amount) // 10000))


def refresh_subscription(session: DbSession, customer_id: int) -> None:
    """Recount the member's cumulative subscription (累计认购) from the confirmed trades."""
    total = (select(func.coalesce(func.sum(Trade.arrival_amount), 0))
             .where(Trade.customer_id == customer_id, Trade.arrival_confirmed.is_(True),
                    Trade.status.notin_(NOT_SUBSCRIBED)).scalar_subquery())
    session.execute(table_of(Member).update().where(Member.customer_id == customer_id)
                    .values(cumulative_subscription=total))


def credit_subscription(session: DbSession, trade: Trade, actor_id: int | None) -> PointsEntry | None:
    """Credit the points of a trade's confirmed arrival, once per trade (a resubmitted round earns nothing more)."""
    ledger.ensure_member(session, trade.customer_id)
    refresh_subscription(session, trade.customer_id)
    earned_before = session.scalar(select(PointsEntry.id).where(PointsEntry.trade_id == trade.id,
                                                                PointsEntry.kind == PointsKind.SUBSCRIPTION).limit(1))
    if earned_before is not None:
        return None
    points = points_for(session, "subscription", trade.arrival_amount)
    if points <= 0:
        return None
    return ledger.post(session, trade.customer_id, points, PointsKind.SUBSCRIPTION,
                       f"交易 {trade.trade_no} 到账 {trade.arrival_amount:,.2f} 元", actor_id=actor_id,
                       trade_id=trade.id)


def credit_referral(session: DbSession, customer: Customer, referred: Customer, actor_id: int) -> PointsEntry:
    """Credit a referral (推荐客户): ``customer`` brought ``referred``; once per referred customer."""
    if referred.id == customer.id:
        raise ValidationFailed("客户不能推荐自己")
    reason = f"推荐客户 {referred.name}（{referred.number}）"
    if session.scalar(select(PointsEntry.id).where(PointsEntry.kind == PointsKind.REFERRAL,
                                                   PointsEntry.reason == reason).limit(1)) is not None:
        raise ValidationFailed(f"{referred.name}（{referred.number}）的推荐积分已经登记过")
    points = points_for(session, "referral")
    if points <= 0:
        raise ValidationFailed("积分规则表没有给推荐客户的积分")
    return ledger.post(session, customer.id, points, PointsKind.REFERRAL, reason, actor_id=actor_id)


def credit_birthdays(session: DbSession, now: datetime) -> int:
    """Credit the birthday points of every member whose birthday is today (local), once a year; set-based."""
    points = points_for(session, "birthday")
    today = clock.local(now).date()  # type: ignore[union-attr]
    year_start = datetime(today.year, 1, 1, tzinfo=clock.SHANGHAI)
    already = select(PointsEntry.customer_id).where(PointsEntry.kind == PointsKind.BIRTHDAY,
                                                    PointsEntry.created_at >= year_start)
    born_today = (select(Customer.id).where(extract("month", Customer.birthday) == today.month,
                                            extract("day", Customer.birthday) == today.day,
                                            Customer.id.notin_(already)))
    return ledger.credit_many(session, born_today, points, PointsKind.BIRTHDAY, f"{today.year} 年生日积分", now)
