"""Merging customers (合并客户信息, seed 000 §2.16): several numbers of one person become one.

Everything pointing at a merged customer — follow-ups, appointments, pool history, and what
later domains register in ``app.customers.links`` (trades, process instances) — moves to the
survivor; phones and addresses are added to the survivor's without repeats; the merged numbers
stay behind as aliases (``customer_alias``) so searching or opening them finds the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, update

from app import clock, signals
from app.audit import services as audit
from app.customers import links
from app.customers.models import Customer, CustomerAddress, CustomerAlias, CustomerPhone, CustomerType
from app.customers.services import get_customer, scoped
from app.database import DbSession
from app.errors import ValidationFailed
from app.followups.models import FollowUp, FollowUpKind
from app.org import scope as data_scope
from app.pools import history
from app.pools.models import MoveReason

# Which type a merged customer keeps: the furthest one along the funnel.
TYPE_RANK = {CustomerType.INVALID: 0, CustomerType.NEW: 1, CustomerType.INTENT: 2, CustomerType.VALID: 3,
             CustomerType.DEALT: 4}
MAX_GROUP = 20


@dataclass
class MergePlan:
    """What a merge will do, for the preview (合并预览) and for carrying it out."""

    survivor: Customer
    merged: list[Customer]
    moves: list[tuple[str, int]] = field(default_factory=list)  # (label, rows) per linked table
    new_phones: list[str] = field(default_factory=list)
    new_addresses: int = 0
    filled: dict[str, str] = field(default_factory=dict)  # survivor field → value taken from a merged one
    new_type: CustomerType | None = None

    @property
    def merged_ids(self) -> list[int]:
        return [c.id for c in self.merged]


def plan_merge(session: DbSession, scope: data_scope.Scope, survivor_id: int, merged_ids: list[int]) -> MergePlan:
    """Check that the customers can be merged and work out what will move (nothing changes yet)."""
    merged_ids = sorted(set(merged_ids) - {survivor_id})
    if not merged_ids:
        raise ValidationFailed("请至少选择一个要并入的客户（不能与保留客户相同）")
    if len(merged_ids) >= MAX_GROUP:
        raise ValidationFailed(f"一次最多合并 {MAX_GROUP} 个客户")
    survivor = get_customer(session, scope, survivor_id)
    merged = [get_customer(session, scope, cid) for cid in merged_ids]
    ids = [c.id for c in merged]
    id_numbers = {c.id_number for c in [survivor, *merged] if c.id_number}
    if len(id_numbers) > 1:
        raise ValidationFailed("这些客户的证件号码不同，不是同一个人，不能合并")
    plan = MergePlan(survivor, merged, moves=links.count(session, ids))
    have = {p.phone for p in survivor.phones}
    for customer in merged:
        for phone in customer.phones:
            if phone.phone not in have:
                have.add(phone.phone)
                plan.new_phones.append(phone.phone)
    known = {a.address for a in survivor.addresses}
    plan.new_addresses = len({a.address for c in merged for a in c.addresses} - known)
    for attr, label in (("id_number", "证件号码"), ("birthday", "出生日期"), ("grade", "客户等级"),
                        ("source", "客户来源"), ("category_id", "客户分类")):
        if not getattr(survivor, attr):
            donor = next((c for c in merged if getattr(c, attr)), None)
            if donor is not None:
                plan.filled[attr] = f"{label}取自 {donor.number}"
    best = max([survivor, *merged], key=lambda c: TYPE_RANK[c.type])
    if best.type != survivor.type:
        plan.new_type = best.type
    return plan


def merge(session: DbSession, actor_id: int | None, plan: MergePlan) -> Customer:
    """Carry out a merge plan; the merged customers are deleted and live on as aliases."""
    survivor, merged, ids = plan.survivor, plan.merged, plan.merged_ids
    now = clock.now()
    moved = links.repoint(session, ids, survivor.id)
    _merge_contacts(session, survivor, merged)
    for attr in plan.filled:
        donor = next(c for c in merged if getattr(c, attr))
        setattr(survivor, attr, getattr(donor, attr))
        if attr == "id_number":
            survivor.id_type = donor.id_type
            setattr(donor, attr, None)
    if plan.new_type is not None:
        survivor.type = plan.new_type
    survivor.tags = ",".join(dict.fromkeys(t for c in [survivor, *merged] for t in c.tag_list))[:255]
    notes = [c.remark for c in merged if c.remark]
    if notes:
        survivor.remark = "\n".join([survivor.remark, *notes]).strip()
    session.execute(update(CustomerAlias).where(CustomerAlias.customer_id.in_(ids))
                    .values(customer_id=survivor.id))
    session.add_all(CustomerAlias(number=c.number, customer_id=survivor.id, former_name=c.name,
                                  merged_by_id=actor_id, merged_at=now) for c in merged)
    signals.customers_merged.send(session, survivor_id=survivor.id, merged_ids=ids)
    session.flush()
    for customer in merged:
        session.delete(customer)
    session.flush()
    _recount(session, survivor)
    numbers = "、".join(c.number for c in merged)
    history.record(session, [history.Move(survivor.id, survivor.pool, survivor.pool, survivor.service_seat_id,
                                          survivor.service_seat_id, survivor.service_org_id)],
                   MoveReason.MERGE, actor_id, now, note=f"并入 {numbers}"[:200])
    audit.record(session, "customers.merge", survivor,
                 summary=f"合并客户：{numbers} 并入 {survivor.number}（{survivor.name}）",
                 before={"merged": [c.number for c in merged]},
                 after={"survivor": survivor.number, "moved": moved, "phones_added": plan.new_phones})
    session.refresh(survivor)
    return survivor


def _merge_contacts(session: DbSession, survivor: Customer, merged: list[Customer]) -> None:
    ids = [c.id for c in merged]
    have = {p.phone for p in survivor.phones}
    for phone in session.scalars(select(CustomerPhone).where(CustomerPhone.customer_id.in_(ids))
                                 .order_by(CustomerPhone.id)):
        if phone.phone in have:
            continue
        have.add(phone.phone)
        survivor.phones.append(CustomerPhone(phone=phone.phone, remark=phone.remark, is_primary=False))
    known = {a.address for a in survivor.addresses}
    for address in session.scalars(select(CustomerAddress).where(CustomerAddress.customer_id.in_(ids))
                                   .order_by(CustomerAddress.id)):
        if address.address in known:
            continue
        known.add(address.address)
        survivor.addresses.append(CustomerAddress(kind=address.kind, address=address.address,
                                                  postcode=address.postcode, is_primary=not survivor.addresses))
    # The merged customers' own rows go with them; the unique (customer, phone) pair never clashes.
    session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id.in_(ids)))
    session.execute(delete(CustomerAddress).where(CustomerAddress.customer_id.in_(ids)))
    for customer in merged:
        session.expire(customer, ["phones", "addresses"])
    session.flush()


def _recount(session: DbSession, survivor: Customer) -> None:
    """Recompute the survivor's recycle counters from its (now combined) follow-ups since assignment."""
    if survivor.assigned_at is None:
        return
    calls = and_(FollowUp.customer_id == survivor.id, FollowUp.at >= survivor.assigned_at)
    valid = and_(calls, FollowUp.kind == FollowUpKind.CALL, FollowUp.valid.is_(True))
    survivor.followup_count = int(session.scalar(select(func.count()).where(calls)) or 0)
    survivor.valid_call_count = int(session.scalar(select(func.count()).where(valid)) or 0)
    survivor.last_followup_at = session.scalar(select(func.max(FollowUp.at)).where(
        FollowUp.customer_id == survivor.id))
    survivor.last_valid_call_at = session.scalar(select(func.max(FollowUp.at)).where(
        FollowUp.customer_id == survivor.id, FollowUp.kind == FollowUpKind.CALL, FollowUp.valid.is_(True)))
    session.flush()


# --- duplicate suggestions (疑似重复客户) -----------------------------------------------------------


@dataclass
class DuplicateGroup:
    key: str  # what they share, e.g. "证件号码 110105…" or "电话 138…"
    customers: list[Customer]

    @property
    def suggested_survivor(self) -> Customer:
        """Keep the one a seat is serving, then the furthest in the funnel, then the oldest."""
        return sorted(self.customers, key=lambda c: (c.service_seat_id is None, -TYPE_RANK[c.type],
                                                     c.created_at, c.id))[0]


def duplicate_groups(session: DbSession, scope: data_scope.Scope, limit: int = 50) -> list[DuplicateGroup]:
    """Suggest groups of customers in scope sharing an ID number or a phone."""
    visible = scoped(select(Customer.id), scope).subquery()
    by_id: Select[Any] = (select(Customer.id_number).join(visible, visible.c.id == Customer.id)
                          .where(Customer.id_number.is_not(None)).group_by(Customer.id_number)
                          .having(func.count() > 1).limit(limit))
    by_phone: Select[Any] = (select(CustomerPhone.phone).join(visible, visible.c.id == CustomerPhone.customer_id)
                             .group_by(CustomerPhone.phone).having(func.count(func.distinct(
                                 CustomerPhone.customer_id)) > 1).limit(limit))
    raw: list[tuple[str, list[int]]] = []
    for id_number in session.scalars(by_id):
        ids = list(session.scalars(scoped(select(Customer.id).where(Customer.id_number == id_number), scope)))
        raw.append((f"证件号码 {id_number}", ids))
    for phone in session.scalars(by_phone):
        ids = list(session.scalars(scoped(select(Customer.id).join(CustomerPhone).where(
            CustomerPhone.phone == phone), scope)))
        raw.append((f"电话 {phone}", ids))
    # Customers linked through several shared keys form one group (union of overlapping sets).
    groups: list[tuple[list[str], set[int]]] = []
    for key, ids in raw:
        members = set(ids)
        joined = [g for g in groups if g[1] & members]
        keys = [key]
        for g in joined:
            groups.remove(g)
            members |= g[1]
            keys = g[0] + keys
        groups.append((keys, members))
    customers = {c.id: c for c in session.scalars(select(Customer).where(
        Customer.id.in_({cid for _keys, members in groups for cid in members})))}
    result = [DuplicateGroup("；".join(dict.fromkeys(keys)), sorted((customers[i] for i in members),
                                                                    key=lambda c: c.id))
              for keys, members in groups if len(members) > 1]
    return result[:limit]


def batch_merge(session: DbSession, actor_id: int | None, scope: data_scope.Scope,
                groups: list[tuple[int, list[int]]]) -> list[Customer]:
    """Merge several groups (批量合并), each into its survivor; all or nothing."""
    if not groups:
        raise ValidationFailed("请先勾选要合并的客户组")
    seen: set[int] = set()
    for survivor_id, merged_ids in groups:
        members = {survivor_id, *merged_ids}
        if members & seen:
            raise ValidationFailed("同一个客户不能出现在两个合并组中")
        seen |= members
    return [merge(session, actor_id, plan_merge(session, scope, survivor_id, merged_ids))
            for survivor_id, merged_ids in groups]
