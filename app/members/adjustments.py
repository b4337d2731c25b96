"""Manual points adjustments (积分调整): one user requests (customer, points, reason), another user holding the
approval permission approves or rejects. Approval is one conditional UPDATE from 待审批, so two approvers at
once credit the points once; the requester can never approve their own request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.members import ledger
from app.members.models import AdjustmentStatus, PointsAdjustment, PointsKind

MAX_ADJUSTMENT = 10_000_000


def request_adjustment(session: DbSession, customer: Customer, delta: int, reason: str,
                       actor: User) -> PointsAdjustment:
    """File an adjustment request for a customer the actor may see; a debit must fit the balance now."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写积分调整原因")
    if len(reason) > 500:
        raise ValidationFailed("调整原因不能超过 500 字")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed("调整积分必须是非零整数（正数增加，负数扣减）")
    if abs(delta) > MAX_ADJUSTMENT:
        raise ValidationFailed(f"单次调整不能超过 {MAX_ADJUSTMENT:,} 分")
    current = ledger.balance(session, customer.id)
    if current + delta < 0:
        raise Conflict(f"积分余额不足：当前余额 {current} 分，不能扣减 {-delta} 分")
    adjustment = PointsAdjustment(customer_id=customer.id, delta=delta, reason=reason, requested_by_id=actor.id,
                                  requested_at=clock.now(), status=AdjustmentStatus.PENDING)
    session.add(adjustment)
    session.flush()
    audit.record(session, "members.adjust_request", adjustment,
                 summary=f"{customer.name}（{customer.number}）积分 {delta:+d}：{reason}")
    return adjustment


def get_adjustment(session: DbSession, adjustment_id: int) -> PointsAdjustment:
    adjustment = session.get(PointsAdjustment, adjustment_id)
    if adjustment is None:
        raise NotFound("记录不存在或您无权查看")
    return adjustment


def _claim(session: DbSession, adjustment: PointsAdjustment, actor: User, status: AdjustmentStatus,
           note: str) -> None:
    """Move the request out of 待审批 with one conditional UPDATE; whoever comes second is told so."""
    if adjustment.requested_by_id == actor.id:
        raise Forbidden("不能审批本人提出的积分调整，请由另一位有审批权限的同事处理")
    done = session.execute(update(PointsAdjustment).where(PointsAdjustment.id == adjustment.id,
                                                          PointsAdjustment.status == AdjustmentStatus.PENDING)
                           .values(status=status, decided_by_id=actor.id, decided_at=clock.now(),
                                   decision_note=note.strip()[:500])
                           .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if done != 1:
        raise Conflict("这条积分调整已经审批过了")
    session.refresh(adjustment)


def approve(session: DbSession, adjustment: PointsAdjustment, actor: User, note: str = "") -> None:
    """Approve and post the adjustment to the ledger; a debit beyond the balance is refused, nothing written."""
    _claim(session, adjustment, actor, AdjustmentStatus.APPROVED, note)
    ledger.post(session, adjustment.customer_id, adjustment.delta, PointsKind.ADJUSTMENT,
                f"人工调整：{adjustment.reason}", actor_id=actor.id, adjustment_id=adjustment.id)
    audit.record(session, "members.adjust_approve", adjustment, summary=f"积分 {adjustment.delta:+d}")


def reject(session: DbSession, adjustment: PointsAdjustment, actor: User, note: str = "") -> None:
    if not note.strip():
        raise ValidationFailed("请填写驳回原因")
    _claim(session, adjustment, actor, AdjustmentStatus.REJECTED, note)
    audit.record(session, "members.adjust_reject", adjustment, summary=note.strip()[:200])


def pending_query(customer_ids: Select[Any] | None = None) -> Select[Any]:
    """Adjustment requests, waiting ones first, newest first; ``customer_ids`` limits them to a scope."""
    stmt = select(PointsAdjustment).options(selectinload(PointsAdjustment.customer),
                                            selectinload(PointsAdjustment.requested_by),
                                            selectinload(PointsAdjustment.decided_by))
    if customer_ids is not None:
        stmt = stmt.where(PointsAdjustment.customer_id.in_(customer_ids))
    return stmt.order_by((PointsAdjustment.status == AdjustmentStatus.PENDING).desc(), PointsAdjustment.id.desc())
