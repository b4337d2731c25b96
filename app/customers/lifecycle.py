"""Deleting a customer (删除客户, seed 000 §2.14) and restoring one.

A customer with trades or an unfinished process cannot be deleted: the books and the running work need it.
Any other customer is deleted softly: it moves to the pool 已删除 (Pool.DELETED) with ``deleted_at`` and
``deleted_by_id`` set, its service seat cleared. Being a pool, it drops out of every list, search, export,
pool page, recycle rule, claim and count at once (app.customers.visibility hides the pool from everyone); the
move writes a pool-history row and an audit entry. An administrator sees the deleted customers on 已删除客户
and restores one into the 部门信息池 of its service org, whence the head assigns it again.

Both moves are one conditional UPDATE (``… WHERE pool <> 'deleted'`` / ``= 'deleted'``): of two people
deleting the same customer at once, exactly one succeeds and the other is told it is already deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer, Pool
from app.customers.processes import business_key
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.pools import history
from app.pools.models import MoveReason
from app.trades.models import Trade
from app.workflow.models import InstanceLink, InstanceStatus, ProcessInstance

OPEN_INSTANCE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def deletion_blockers(session: DbSession, customer_id: int) -> list[str]:
    """Why a customer cannot be deleted, in Chinese; empty when it can."""
    reasons = []
    trades = session.scalar(select(func.count()).where(Trade.customer_id == customer_id)) or 0
    if trades:
        reasons.append(f"有 {trades} 笔交易")
    running = session.scalar(
        select(func.count(func.distinct(ProcessInstance.id)))
        .join(InstanceLink, InstanceLink.instance_id == ProcessInstance.id)
        .where(InstanceLink.business_key == business_key(customer_id), ProcessInstance.status.in_(OPEN_INSTANCE))
    ) or 0
    if running:
        reasons.append(f"有 {running} 个未结束的流程")
    return reasons


def delete_customer(session: DbSession, actor: User, customer: Customer, reason: str) -> None:
    """Soft-delete a customer the actor may see, or refuse with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写删除原因")
    blockers = deletion_blockers(session, customer.id)
    if blockers:
        raise Conflict(f"不能删除客户 {customer.name}（{customer.number}）：该客户{'、'.join(blockers)}。"
                       "有交易或未结束流程的客户须保留，可改为标记无效")
    now = clock.now()
    before = (customer.pool, customer.service_seat_id, customer.service_org_id)
    moved = session.execute(
        update(Customer).where(Customer.id == customer.id, Customer.pool != Pool.DELETED)
        .values({Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id),
                 Customer.service_seat_id: None, Customer.pool: Pool.DELETED,
                 Customer.pool_reason: MoveReason.DELETE.value, Customer.pool_changed_at: now,
                 Customer.assigned_at: None, Customer.red_flag_at: None, Customer.red_flag_reason: "",
                 Customer.deleted_at: now, Customer.deleted_by_id: actor.id, Customer.updated_at: now})
        .returning(Customer.id), execution_options={"synchronize_session": False}).first()
    if moved is None:
        raise Conflict(f"客户 {customer.number} 已被他人删除")
    history.record(session, [history.Move(customer.id, before[0], Pool.DELETED, before[1], None, before[2])],
                   MoveReason.DELETE, actor.id, now, reason)
    audit.record(session, "customers.delete", summary=f"删除客户 {customer.name}（{customer.number}）：{reason[:100]}",
                 object_type="customer", object_id=customer.id)
    session.expire(customer)


def restore_customer(session: DbSession, actor: User, customer_id: int) -> Customer:
    """Bring a deleted customer back into the 部门信息池 of its service org."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("客户不存在")
    now = clock.now()
    moved = session.execute(
        update(Customer).where(Customer.id == customer_id, Customer.pool == Pool.DELETED)
        .values({Customer.pool: Pool.DEPARTMENT, Customer.pool_reason: MoveReason.RESTORE.value,
                 Customer.pool_changed_at: now, Customer.deleted_at: None, Customer.deleted_by_id: None,
                 Customer.updated_at: now})
        .returning(Customer.id), execution_options={"synchronize_session": False}).first()
    if moved is None:
        raise Conflict(f"客户 {customer.number} 没有被删除（可能已被他人恢复）")
    history.record(session, [history.Move(customer_id, Pool.DELETED, Pool.DEPARTMENT, None, None,
                                          customer.service_org_id)], MoveReason.RESTORE, actor.id, now)
    audit.record(session, "customers.restore", object_type="customer", object_id=customer_id,
                 summary=f"恢复已删除的客户 {customer.name}（{customer.number}），进入部门信息池")
    session.expire(customer)
    return customer


def deleted_customers() -> Select[Any]:
    """The deleted customers, most recently deleted first (已删除客户)."""
    return select(Customer).where(Customer.pool == Pool.DELETED)
