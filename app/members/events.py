"""What membership does when other domains report: a trade's arrival audit (``signals.trade_arrived``) and a
salon attendance (``signals.activity_attended``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import signals
from app.database import DbSession
from app.members import ledger, levels, points
from app.members.models import Member, PointsEntry, PointsKind
from app.trades.models import Trade


def _on_trade_arrived(session: DbSession, trade: Trade, actor: Any = None, **_: Any) -> None:
    """A trade passed its arrival audit: the customer is a member, earns its points and is levelled again."""
    points.credit_subscription(session, trade, getattr(actor, "id", None))
    levels.evaluate_member(session, trade.customer_id)


def _on_activity_attended(session: DbSession, activity: Any, invitee: Any, actor: Any = None, **_: Any) -> None:
    """An invitee who is a member attended a salon: credit its points once per activity."""
    customer_id = getattr(invitee, "customer_id", None)
    if not customer_id or session.scalar(select(Member.id).where(Member.customer_id == customer_id)) is None:
        return
    if session.scalar(select(PointsEntry.id).where(PointsEntry.activity_id == activity.id,
                                                   PointsEntry.customer_id == customer_id).limit(1)) is not None:
        return
    earned = points.points_for(session, "salon")
    if earned > 0:
        ledger.post(session, customer_id, earned, PointsKind.SALON, f"参加活动“{activity.title}”",
                    actor_id=getattr(actor, "id", None), activity_id=activity.id)


signals.trade_arrived.connect(_on_trade_arrived)
signals.activity_attended.connect(_on_activity_attended)
