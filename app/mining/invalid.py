"""The invalid-customer pool (无效客户池): marking a customer 无效 and reviving (激活) it.

Marking takes the customer out of the seat's personal pool — and so out of the owned-customer cap,
which counts ``service_seat_id`` — into the invalid pool, keeping its service org and remembering the
seat in ``prev_seat_id``. Heads and city managers search the invalid pool of their data scope and revive
customers to the public pool, a department pool or a seat. A revive is set-based whatever its size:
one conditional UPDATE (``… AND pool = 'invalid'``, so of two heads reviving the same customer exactly
one moves it) marking the rows with a move batch, then one INSERT … SELECT of their history rows.

Type after a revive: to the public pool 意向 (the public pool holds intent customers, as everywhere
else); to a department or a seat 新建 — the customer is re-qualified like fresh data, and the seat
submits it as 意向 after the first call. A 成交 customer keeps its type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, case, func, insert, literal, null, select, update

from app import clock
from app.admin import dictionaries, params
from app.audit import services as audit
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession, UTCDateTime
from app.errors import Conflict, NotFound, ValidationFailed
from app.followups.models import Appointment, AppointmentStatus
from app.mining import conditions
from app.mining.invalid_access import INVALID_REASON
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import history
from app.pools import services as pool_services
from app.pools.models import ApplicationStatus, MoveReason, PoolHistory, RedFlagApplication
from rules.labelled_enum import LabelledStrEnum

NOTE_LIMIT = 200
MAX_IDS = 1000  # per request when customers are ticked one by one; "all matching" has no limit


# --- marking 无效 ----------------------------------------------------------------------------------


def reason_choices(session: DbSession) -> list[tuple[str, str]]:
    return dictionaries.choices(session, INVALID_REASON)


def clean_reason(session: DbSession, reason: str, note: str) -> tuple[str, str, str]:
    """Check a reason code against the active dictionary items; return (code, label, note)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请选择无效原因")
    labels = dict(reason_choices(session))
    if reason not in labels:
        raise ValidationFailed("无效原因不存在，请从基础数据“无效原因”中选择")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed(f"无效备注不能超过 {NOTE_LIMIT} 字")
    return reason, labels[reason], note


def mark_invalid(session: DbSession, actor: User, scope: data_scope.Scope, customer_id: int, reason: str,
                 note: str = "") -> Customer:
    """Mark a customer in scope 无效 with a reason: it leaves the seat's pool for the invalid pool."""
    code, label, note = clean_reason(session, reason, note)
    customer = customer_services.get_customer(session, scope, customer_id)  # out of scope: 404
    before = session.execute(select(Customer.pool, Customer.service_seat_id, Customer.service_org_id, Customer.type)
                             .where(Customer.id == customer.id).with_for_update()).one()
    if before.type == CustomerType.DEALT:
        raise ValidationFailed("成交客户不能标记为无效")
    if before.pool == Pool.INVALID:
        raise Conflict("该客户已在无效客户池中")
    now = clock.now()
    moved = session.scalar(
        update(Customer)
        .where(Customer.id == customer.id, Customer.pool != Pool.INVALID, Customer.type != CustomerType.DEALT)
        .values({**_leave_seat_values(now), Customer.type: CustomerType.INVALID, Customer.invalid_reason: code,
                 Customer.invalid_note: note, Customer.invalid_at: now, Customer.invalid_by_id: actor.id})
        .returning(Customer.id), execution_options={"synchronize_session": False})
    if moved is None:
        raise Conflict("该客户已被他人处理，请刷新后重试")
    text = label + (f"：{note}" if note else "")
    history.record(session, [history.Move(customer.id, before.pool, Pool.INVALID, before.service_seat_id, None,
                                          before.service_org_id)], MoveReason.INVALID, actor.id, now, text)
    # Nobody serves the customer any more: pending red-flag applications and appointments end here.
    session.execute(update(RedFlagApplication)
                    .where(RedFlagApplication.customer_id == customer.id,
                           RedFlagApplication.status == ApplicationStatus.PENDING)
                    .values(status=ApplicationStatus.REJECTED, decided_at=now, decided_by_id=actor.id,
                            decision_note="客户已标记无效"), execution_options={"synchronize_session": False})
    session.execute(update(Appointment)
                    .where(Appointment.customer_id == customer.id, Appointment.status == AppointmentStatus.PENDING)
                    .values(status=AppointmentStatus.CANCELLED, closed_at=now),
                    execution_options={"synchronize_session": False})
    audit.record(session, "mining.invalid_mark", customer,
                 summary=f"标记无效：{customer.name}（{customer.number}），{text}")
    session.expire(customer)
    return customer


def _leave_seat_values(now: datetime) -> dict[Any, Any]:
    return {
        Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id),
        Customer.service_seat_id: None, Customer.pool: Pool.INVALID, Customer.pool_reason: MoveReason.INVALID.value,
        Customer.pool_changed_at: now, Customer.assigned_at: None, Customer.red_flag_at: None,
        Customer.red_flag_reason: "", Customer.updated_at: now,
    }


# --- the pool and its search -------------------------------------------------------------------------


@dataclass
class InvalidFilter:
    """Search of the invalid pool: name/number/phone, reason, marked-date range, who marked it, org."""

    q: str = ""
    reason: str = ""
    marked_from: date | None = None
    marked_to: date | None = None
    marked_by_id: int | None = None
    org_id: int | None = None
    condition_id: int | None = None  # a saved mining condition (挖掘条件) …
    condition: ColumnElement[bool] | None = None  # … compiled by apply_condition

    @property
    def active(self) -> bool:
        return bool(self.q or self.reason or self.marked_from or self.marked_to or self.marked_by_id or self.org_id
                    or self.condition is not None)


def apply_condition(session: DbSession, f: InvalidFilter, scope: data_scope.Scope) -> InvalidFilter:
    """Compile the saved condition ``f.condition_id`` names (404 when outside ``scope``) into ``f.condition``."""
    if f.condition_id:
        saved = conditions.saved(session, f.condition_id, scope)
        f.condition = conditions.matches(session, saved.spec, clock.now())
    return f


def condition_choices(session: DbSession, scope: data_scope.Scope) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in session.scalars(conditions.saved_query(scope).limit(200))]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def invalid_pool(scope: data_scope.Scope, f: InvalidFilter | None = None) -> Select[Any]:
    """Customers of the invalid pool inside the scope (service org), narrowed by the search."""
    stmt = data_scope.apply(select(Customer).where(Customer.pool == Pool.INVALID), scope, Customer.service_org_id)
    if f is None:
        return stmt
    if f.q:
        stmt = customer_services.filter_customers(stmt, customer_services.CustomerFilter(q=f.q))
    if f.reason:
        stmt = stmt.where(Customer.invalid_reason == f.reason)
    if f.marked_from:
        stmt = stmt.where(Customer.invalid_at >= _day_start(f.marked_from))
    if f.marked_to:
        stmt = stmt.where(Customer.invalid_at < _day_start(f.marked_to + timedelta(days=1)))
    if f.marked_by_id:
        stmt = stmt.where(Customer.invalid_by_id == f.marked_by_id)
    if f.org_id:
        subtree = select(Org.path).where(Org.id == f.org_id).scalar_subquery()
        stmt = stmt.where(Customer.service_org_id.in_(select(Org.id).where(Org.path.startswith(subtree))))
    if f.condition is not None:
        stmt = stmt.where(f.condition)
    return stmt


def count(session: DbSession, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def markers(session: DbSession, scope: data_scope.Scope) -> list[User]:
    """The people who marked customers now in the scope's invalid pool (for the "标记人" filter)."""
    ids = invalid_pool(scope).with_only_columns(Customer.invalid_by_id).where(Customer.invalid_by_id.is_not(None))
    return list(session.scalars(select(User).where(User.id.in_(ids.distinct())).order_by(User.work_no)))


# --- reviving (激活) ----------------------------------------------------------------------------------


class TargetKind(LabelledStrEnum):
    PUBLIC = "public", "公共信息池"
    DEPARTMENT = "department", "部门信息池"
    SEAT = "seat", "坐席个人信息池"


@dataclass(frozen=True)
class ReviveTarget:
    kind: TargetKind
    org_id: int | None = None
    seat_id: int | None = None


@dataclass(frozen=True)
class ReviveResult:
    moved: int
    skipped: int
    target: str  # "公共信息池", "理财一部 部门信息池", "张坐席（S0001）"

    @property
    def message(self) -> str:
        text = f"已激活 {self.moved} 个无效客户到{self.target}"
        if self.skipped:
            text += f"；{self.skipped} 个客户已被他人处理或不在您的管理范围内，未激活"
        return text


def parse_target(kind: str, org_id: Any = None, seat_id: Any = None) -> ReviveTarget:
    try:
        target = TargetKind(kind)
    except ValueError as exc:
        raise ValidationFailed("请选择激活到公共信息池、部门信息池或坐席") from exc
    if target == TargetKind.DEPARTMENT and not org_id:
        raise ValidationFailed("请选择要激活到的部门")
    if target == TargetKind.SEAT and not seat_id:
        raise ValidationFailed("请选择要激活到的坐席")
    return ReviveTarget(target, int(org_id) if org_id else None, int(seat_id) if seat_id else None)


def _type_after(new: CustomerType) -> Any:
    return case((Customer.type == CustomerType.INVALID, literal(new.value)), else_=Customer.type)


def _cleared(now: datetime, batch: int) -> dict[Any, Any]:
    return {Customer.pool_reason: MoveReason.REVIVE.value, Customer.pool_changed_at: now,
            Customer.pool_move_batch: batch, Customer.red_flag_at: None, Customer.red_flag_reason: "",
            Customer.invalid_reason: "", Customer.invalid_note: "", Customer.invalid_at: None,
            Customer.invalid_by_id: None, Customer.updated_at: now}


def _department(session: DbSession, scope: data_scope.Scope, org_id: int | None) -> Org:
    org = session.get(Org, org_id) if org_id else None
    if org is None or not org.active or not data_scope.covers(session, scope, org.id):
        raise NotFound("部门不存在或不在您的管理范围内")
    return org


def revive(session: DbSession, actor: User, scope: data_scope.Scope, target: ReviveTarget, *,
           ids: Sequence[int] | None = None, search: InvalidFilter | None = None) -> ReviveResult:
    """Revive invalid-pool customers in scope — the ticked ``ids`` or everything ``search`` matches."""
    source = invalid_pool(scope, search)
    if ids is not None:
        wanted_ids = sorted(set(ids))
        if not wanted_ids:
            raise ValidationFailed("请先勾选要激活的客户")
        if len(wanted_ids) > MAX_IDS:
            raise ValidationFailed(f"一次最多勾选 {MAX_IDS} 个客户；更多请用“全选符合条件的客户”")
        source = source.where(Customer.id.in_(wanted_ids))
    now = clock.now()
    values: dict[Any, Any]
    if target.kind == TargetKind.SEAT:
        seat = pool_services.seat_for_assignment(session, scope, target.seat_id or 0)
        session.execute(select(User.id).where(User.id == seat.id).with_for_update())  # one revive per seat at once
    wanted = count(session, source)
    if ids is not None and wanted == 0 and len(wanted_ids) == 1:
        raise NotFound("客户不存在、不在无效客户池中或不在您的管理范围内")
    batch = history.new_batch(session)
    if target.kind == TargetKind.SEAT:
        cap = params.get_int(pool_services.OWNED_CAP, session)
        owned = pool_services.owned_count(session, seat.id)
        if owned + wanted > cap:
            raise ValidationFailed(f"{seat.name} 已有 {owned} 个客户，再激活 {wanted} 个将超过个人客户数上限 {cap}"
                                   f"（最多还能激活 {max(0, cap - owned)} 个），未激活任何客户")
        label = f"{seat.name}（{seat.work_no}）"
        values = {Customer.service_seat_id: seat.id, Customer.service_org_id: seat.org_id,
                  Customer.pool: Pool.PERSONAL, Customer.assigned_at: now, Customer.followup_count: 0,
                  Customer.valid_call_count: 0, Customer.type: _type_after(CustomerType.NEW)}
    elif target.kind == TargetKind.DEPARTMENT:
        org = _department(session, scope, target.org_id)
        label = f"{org.name} 部门信息池"
        values = {Customer.service_org_id: org.id, Customer.pool: Pool.DEPARTMENT,
                  Customer.type: _type_after(CustomerType.NEW)}
    else:
        label = "公共信息池"
        values = {Customer.pool: Pool.PUBLIC, Customer.type: _type_after(CustomerType.INTENT)}
    chosen = source.with_only_columns(Customer.id).order_by(None).subquery()
    result = session.execute(
        update(Customer).where(Customer.id.in_(select(chosen.c.id)), Customer.pool == Pool.INVALID)
        .values({**_cleared(now, batch), **values}), execution_options={"synchronize_session": False})
    moved = int(result.rowcount)  # type: ignore[attr-defined]
    _record_history(session, batch, now, actor.id, f"激活到{label}")
    if moved:
        audit.record(session, "mining.invalid_revive", summary=f"激活 {moved} 个无效客户到{label}",
                     object_type="users" if target.kind == TargetKind.SEAT else "org",
                     object_id=(target.seat_id if target.kind == TargetKind.SEAT else target.org_id) or "")
    expected = len(wanted_ids) if ids is not None else wanted
    return ReviveResult(moved, max(0, expected - moved), label)


def _record_history(session: DbSession, batch: int, at: datetime, actor_id: int, note: str) -> int:
    """One history row per customer the revive UPDATE marked with ``batch`` (see history.record_batch)."""
    source = select(
        Customer.id, literal(at, UTCDateTime()), literal(Pool.INVALID.value), Customer.pool, null(),
        Customer.service_seat_id, Customer.service_org_id, literal(MoveReason.REVIVE.value),
        literal(actor_id, Integer()), literal(note[:200]),
    ).where(Customer.pool_move_batch == batch)
    columns = ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason",
               "actor_id", "note"]
    result = session.execute(insert(PoolHistory).from_select(columns, source))
    return int(result.rowcount)  # type: ignore[attr-defined]
