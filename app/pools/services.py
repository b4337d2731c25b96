"""Pool operations: extract (提取), assign (分配), release and red flags (标红).

The leaving-employee hand-over (离职交接) lives in app/pools/handover.py.

Every claim is one conditional UPDATE (``… WHERE service_seat_id IS NULL AND pool = …``): of two
seats claiming the same customer, the database lets exactly one UPDATE match and the other
sees zero rows. Limits per seat (daily extraction limit, owned-customer cap) are checked with
the seat's row locked, so two requests of the same seat cannot both squeeze under the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal, select, update

from app import clock
from app.admin import params
from app.audit import services as audit
from app.auth.models import Role, User, UserStatus, user_roles
from app.customers import visibility
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession, UTCDateTime, is_postgres, table_of
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.pools import claims, history
from app.pools.models import ApplicationStatus, MoveReason, PoolHistory, RedFlagApplication

DAILY_EXTRACT_LIMIT = params.define("pools.daily_extract_limit", "int", 20, "每日提取上限",
                                    "坐席每天最多从公共信息池提取的客户数", "数据池", minimum=0)
OWNED_CAP = params.define("pools.owned_customer_cap", "int", 300, "个人客户数上限",
                          "坐席个人信息池最多持有的客户数，提取和分配都不能超过", "数据池", minimum=1)
RED_FLAG_APPLICATIONS = params.define("pools.red_flag_applications", "int", 2, "标红申请次数（每月）",
                                      "每位坐席每个自然月可申请取回标红客户的次数", "数据池", minimum=0)

UNASSIGNED_POOLS = (Pool.DEPARTMENT, Pool.PUBLIC, Pool.CITY, Pool.HEAD)


@dataclass(frozen=True)
class Room:
    """How many more customers a seat may extract now, and why."""

    extracted_today: int
    daily_limit: int
    owned: int
    cap: int

    @property
    def left(self) -> int:
        return max(0, min(self.daily_limit - self.extracted_today, self.cap - self.owned))


@dataclass(frozen=True)
class MoveResult:
    moved: list[int]
    skipped: int

    def message(self, verb: str) -> str:
        text = f"已{verb} {len(self.moved)} 个客户"
        if self.skipped:
            text += f"；{self.skipped} 个客户已被他人处理或不在可操作范围内，未{verb}"
        return text


def local_day_start(moment: datetime) -> datetime:
    """Midnight (Asia/Shanghai) of the business day ``moment`` falls in, as an aware time."""
    local = clock.local(moment)
    assert local is not None
    return datetime.combine(local.date(), time.min, tzinfo=clock.SHANGHAI)


_LOCK_USER = select(table_of(User).c.id).where(table_of(User).c.id == bindparam("p_user")).with_for_update()


def _lock_user(session: DbSession, user_id: int) -> None:
    """Serialise one seat's extractions, so two at once cannot both pass the room check. PostgreSQL: a row
    lock; SQLite serialises every writer with BEGIN IMMEDIATE already."""
    if is_postgres():
        session.connection().execute(_LOCK_USER, {"p_user": user_id})


def owned_count(session: DbSession, user_id: int) -> int:
    return int(session.scalar(select(func.count()).where(Customer.service_seat_id == user_id)) or 0)


def room_of(session: DbSession, user: User, now: datetime | None = None) -> Room:
    """Return a seat's extraction allowance: today's extractions vs the limit, owned customers vs the cap."""
    now = now or clock.now()
    counted = session.connection().execute(_ROOM, {"p_user": user.id, "p_day": local_day_start(now)}).one()
    return Room(int(counted[0]), params.get_int(DAILY_EXTRACT_LIMIT, session), int(counted[1]),
                params.get_int(OWNED_CAP, session))


_history: Any = table_of(PoolHistory)
# Both counts in one round trip, built once (every extraction checks them).
_ROOM = select(
    select(func.count()).where(_history.c.actor_id == bindparam("p_user"),
                               _history.c.reason == MoveReason.EXTRACT.value,
                               _history.c.at >= bindparam("p_day", type_=UTCDateTime())).scalar_subquery(),
    select(func.count()).where(table_of(Customer).c.service_seat_id == bindparam("p_user")).scalar_subquery())


# --- listing pools -------------------------------------------------------------------------------


def public_pool(session: DbSession, user: User) -> Select[Any]:
    """公共信息池 as a user sees it: customers without a seat in the public pool of the user's branch."""
    return select(Customer).where(Customer.pool == Pool.PUBLIC,
                                  Customer.service_org_id.in_(data_scope.branch_org_ids(session, user)))


def scoped_pool(pool: Pool, scope: data_scope.Scope) -> Select[Any]:
    """A pool restricted to the orgs the scope covers (部门信息池, 城市经理公共池, 主管标红池) and empty for a user
    who may not see its customers (app.customers.visibility)."""
    return data_scope.apply(select(Customer).where(Customer.pool == pool), scope, Customer.service_org_id) \
        .where(visibility.condition(scope))


def personal_pool(user_id: int) -> Select[Any]:
    """个人信息池: every customer whose service seat is the user."""
    return select(Customer).where(Customer.service_seat_id == user_id)


# --- moving to a seat ----------------------------------------------------------------------------


def _claim(session: DbSession, ids: Iterable[int], seat: User, reason: MoveReason, actor_id: int,
           allowed: ColumnElement[bool], now: datetime, note: str = "", returning_to_applicant: bool = False
           ) -> list[int]:
    """Move unassigned customers to a seat (``claims.move_to_seat``); return the ids it won."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    moved = claims.move_to_seat(session, Customer.id.in_(wanted), seat, reason, actor_id, allowed, now, note)
    _settle_head_applications(session, moved, actor_id, note, returning_to_applicant)
    return [cid for cid, _pool in moved]


def _settle_head_applications(session: DbSession, moved: list[tuple[int, Pool]], actor_id: int, note: str,
                              returning_to_applicant: bool) -> None:
    from_head = [cid for cid, pool in moved if pool == Pool.HEAD]  # only they can have applications
    if returning_to_applicant:
        _settle_applications(session, from_head, approved=True, note=note or "主管已返还", decided_by=actor_id)
    else:
        _settle_applications(session, from_head, approved=False, note="主管已另行分配", decided_by=actor_id)


def extract(session: DbSession, user: User, customer_ids: list[int]) -> MoveResult:
    """A seat extracts (提取) chosen customers from the public pool within its limits."""
    if not customer_ids:
        raise ValidationFailed("请先勾选要提取的客户")
    now = clock.now()
    wanted = sorted(set(customer_ids))
    _lock_user(session, user.id)
    _check_room(room_of(session, user, now), len(wanted))
    won = claims.claim_public(session, user, wanted, MoveReason.EXTRACT, now)
    return MoveResult(won, len(wanted) - len(won))


def _check_room(room: Room, wanted: int) -> None:
    if room.extracted_today >= room.daily_limit:
        raise ValidationFailed(f"今日已提取 {room.extracted_today} 个客户，达到每日提取上限 {room.daily_limit}")
    if room.owned >= room.cap:
        raise ValidationFailed(f"您的个人信息池已有 {room.owned} 个客户，达到个人客户数上限 {room.cap}")
    if wanted > room.left:
        raise ValidationFailed(f"本次最多还能提取 {room.left} 个客户（每日上限 {room.daily_limit}，"
                               f"今日已提取 {room.extracted_today}；个人客户上限 {room.cap}，已有 {room.owned}）")


def take_next(session: DbSession, user: User) -> int | None:
    """Extract the longest-waiting customer of the public pool ("提取下一个"); None when the pool is empty.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent seats each get a
    different customer instead of queueing on the same one (None then means nothing is left unlocked).
    """
    now = clock.now()
    _lock_user(session, user.id)
    _check_room(room_of(session, user, now), 1)
    won = claims.claim_public(session, user, None, MoveReason.EXTRACT, now)
    return won[0] if won else None


def seat_for_assignment(session: DbSession, scope: data_scope.Scope, seat_id: int) -> User:
    """Return an active seat inside the scope, or refuse."""
    seat = session.get(User, seat_id)
    is_seat = seat is not None and session.scalar(
        select(func.count()).select_from(user_roles).join(Role, Role.id == user_roles.c.role_id)
        .where(user_roles.c.user_id == seat.id, Role.code == "seat"))
    if seat is None or not is_seat or not data_scope.covers(session, scope, seat.org_id):
        raise NotFound("坐席不存在或不在您的管理范围内")
    if seat.status != UserStatus.ACTIVE:
        raise ValidationFailed(f"{seat.name} 已离职，不能分配客户")
    return seat


def assign(session: DbSession, actor: User, scope: data_scope.Scope, customer_ids: list[int], seat_id: int,
           from_pools: Iterable[Pool]) -> MoveResult:
    """A head or city manager assigns (分配) unassigned customers in scope to a seat of theirs."""
    if not customer_ids:
        raise ValidationFailed("请先勾选要分配的客户")
    pools = [p for p in from_pools if p in UNASSIGNED_POOLS]
    if not pools:
        raise ValidationFailed("没有可分配的数据池")
    seat = seat_for_assignment(session, scope, seat_id)
    now = clock.now()
    _lock_user(session, seat.id)
    cap = params.get_int(OWNED_CAP, session)
    owned = owned_count(session, seat.id)
    wanted = len(set(customer_ids))
    if owned + wanted > cap:
        raise ValidationFailed(f"{seat.name} 已有 {owned} 个客户，再分配 {wanted} 个将超过个人客户数上限 {cap}")
    allowed = Customer.pool.in_(pools) & data_scope.org_condition(scope, Customer.service_org_id)
    won = _claim(session, customer_ids, seat, MoveReason.ASSIGN, actor.id, allowed, now, note=f"分配给 {seat.name}")
    if won:
        audit.record(session, "pools.assign", summary=f"分配 {len(won)} 个客户给 {seat.name}（{seat.work_no}）",
                     object_type="users", object_id=seat.id)
    return MoveResult(won, wanted - len(won))


# --- moving away from a seat or between unassigned pools ------------------------------------------


def _to_pool_values(to_pool: Pool, reason: MoveReason, now: datetime) -> dict[Any, Any]:
    values: dict[Any, Any] = {
        Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id),
        Customer.service_seat_id: None, Customer.pool: to_pool, Customer.pool_reason: reason.value,
        Customer.pool_changed_at: now, Customer.assigned_at: None, Customer.red_flag_at: None,
        Customer.red_flag_reason: "", Customer.updated_at: now,
    }
    if to_pool == Pool.PUBLIC:
        # The public pool holds intent customers (意向客户): a new record becomes an intent one.
        values[Customer.type] = case((Customer.type == CustomerType.NEW, literal(CustomerType.INTENT.value)),
                                     else_=Customer.type)
    return values


def _move_unseated(session: DbSession, ids: Iterable[int], to_pool: Pool, reason: MoveReason, actor_id: int,
                   allowed: ColumnElement[bool], note: str = "") -> list[int]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    now = clock.now()
    before = {row.id: row for row in session.execute(
        select(Customer.id, Customer.pool, Customer.service_seat_id, Customer.service_org_id)
        .where(Customer.id.in_(wanted)).with_for_update())}
    stmt = (update(Customer).where(Customer.id.in_(wanted), allowed)
            .values(_to_pool_values(to_pool, reason, now)).returning(Customer.id))
    moved = sorted(session.scalars(stmt, execution_options={"synchronize_session": False}))
    history.record(session, [history.Move(cid, before[cid].pool, to_pool, before[cid].service_seat_id, None,
                                          before[cid].service_org_id) for cid in moved], reason, actor_id, now, note)
    _settle_applications(session, [cid for cid in moved if before[cid].pool == Pool.HEAD], approved=False,
                         note="主管已另行处理")
    return moved


def give_up(session: DbSession, user: User, customer_ids: list[int]) -> MoveResult:
    """A seat puts own customers back into the public pool (放弃客户)."""
    if not customer_ids:
        raise ValidationFailed("请先勾选客户")
    allowed = (Customer.service_seat_id == user.id) & (Customer.type != CustomerType.DEALT)
    moved = _move_unseated(session, customer_ids, Pool.PUBLIC, MoveReason.RELEASE, user.id, allowed, "坐席放弃")
    return MoveResult(moved, len(set(customer_ids)) - len(moved))


def release(session: DbSession, actor: User, scope: data_scope.Scope, customer_ids: list[int], to_pool: Pool,
            from_pools: Iterable[Pool]) -> MoveResult:
    """A head or city manager moves unassigned customers to the public or the department pool."""
    if not customer_ids:
        raise ValidationFailed("请先勾选客户")
    if to_pool not in (Pool.PUBLIC, Pool.DEPARTMENT):
        raise ValidationFailed("只能放入公共信息池或部门信息池")
    pools = [p for p in from_pools if p in UNASSIGNED_POOLS and p != to_pool]
    if not pools:
        raise ValidationFailed("没有可操作的数据池")
    allowed = (Customer.service_seat_id.is_(None) & Customer.pool.in_(pools)
               & data_scope.org_condition(scope, Customer.service_org_id))
    reason = MoveReason.RELEASE if to_pool == Pool.PUBLIC else MoveReason.TO_DEPARTMENT
    moved = _move_unseated(session, customer_ids, to_pool, reason, actor.id, allowed)
    if moved:
        audit.record(session, f"pools.{reason.value}", summary=f"{len(moved)} 个客户移入{to_pool.label}")
    return MoveResult(moved, len(set(customer_ids)) - len(moved))


# --- red flags (标红) ----------------------------------------------------------------------------


def flag_red(session: DbSession, actor: User, customer: Customer, reason: str) -> None:
    """Red-flag (标红) a seat's customer: without a valid call within the parameter's days it goes to the head."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写标红原因")
    if customer.pool != Pool.PERSONAL:
        raise ValidationFailed("只能标红个人信息池中的客户")
    if customer.red_flag_at is not None:
        raise Conflict("该客户已被标红")
    customer.red_flag_at = clock.now()
    customer.red_flag_reason = reason[:200]
    customer.red_flag_by_id = actor.id
    session.flush()


def clear_red_flag(session: DbSession, customer: Customer) -> None:
    if customer.red_flag_at is None:
        raise Conflict("该客户没有标红")
    customer.red_flag_at = None
    customer.red_flag_reason = ""
    session.flush()


def application_limit(session: DbSession) -> int:
    return params.get_int(RED_FLAG_APPLICATIONS, session)


def applications_this_month(session: DbSession, seat_id: int, now: datetime | None = None) -> int:
    now = now or clock.now()
    local = clock.local(now)
    assert local is not None
    month_start = datetime(local.year, local.month, 1, tzinfo=clock.SHANGHAI)
    return int(session.scalar(select(func.count()).where(RedFlagApplication.seat_id == seat_id,
                                                         RedFlagApplication.created_at >= month_start)) or 0)


def lost_red_flags(seat_id: int) -> Select[Any]:
    """Customers red-flagged away from this seat into the head's pool (可申请取回)."""
    return select(Customer).where(Customer.pool == Pool.HEAD, Customer.prev_seat_id == seat_id)


def apply_for_return(session: DbSession, seat: User, customer_id: int, reason: str) -> RedFlagApplication:
    """A seat applies (申请) to get a red-flagged customer back; each seat has a few chances a month."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写申请理由")
    customer = session.get(Customer, customer_id)
    if customer is None or customer.pool != Pool.HEAD or customer.prev_seat_id != seat.id:
        raise NotFound("客户不存在或不是您被转走的标红客户")
    _lock_user(session, seat.id)
    pending = session.scalar(select(RedFlagApplication.id).where(
        RedFlagApplication.customer_id == customer.id, RedFlagApplication.status == ApplicationStatus.PENDING))
    if pending:
        raise Conflict("已提交过申请，请等待主管处理")
    limit = application_limit(session)
    used = applications_this_month(session, seat.id)
    if used >= limit:
        raise ValidationFailed(f"本月 {limit} 次标红申请机会已用完")
    application = RedFlagApplication(customer_id=customer.id, seat_id=seat.id, reason=reason[:500],
                                     created_at=clock.now())
    session.add(application)
    session.flush()
    return application


def _settle_applications(session: DbSession, customer_ids: list[int], approved: bool, note: str,
                         decided_by: int | None = None) -> None:
    if not customer_ids:
        return
    session.execute(
        update(RedFlagApplication)
        .where(RedFlagApplication.customer_id.in_(customer_ids), RedFlagApplication.status == ApplicationStatus.PENDING)
        .values(status=ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED,
                decided_at=clock.now(), decided_by_id=decided_by, decision_note=note),
        execution_options={"synchronize_session": False})


def return_to_seat(session: DbSession, actor: User, scope: data_scope.Scope, customer_id: int,
                   note: str = "") -> Customer:
    """A head returns (返回) a red-flagged customer to the seat it came from."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.pool != Pool.HEAD or not data_scope.covers(session, scope,
                                                                                customer.service_org_id):
        raise NotFound("客户不存在或不在主管标红池中")
    seat = session.get(User, customer.prev_seat_id) if customer.prev_seat_id else None
    if seat is None or seat.status != UserStatus.ACTIVE:
        raise ValidationFailed("原服务坐席已离职，请改为分配给其他坐席")
    won = _claim(session, [customer.id], seat, MoveReason.RED_FLAG_RETURN, actor.id, Customer.pool == Pool.HEAD,
                 clock.now(), note, returning_to_applicant=True)
    if not won:
        raise Conflict("该客户已被处理")
    session.expire(customer)
    return customer


def decide_application(session: DbSession, actor: User, scope: data_scope.Scope, application_id: int,
                       approve: bool, note: str = "") -> RedFlagApplication:
    """A head approves (返还给坐席) or rejects a seat's red-flag application."""
    application = session.get(RedFlagApplication, application_id)
    if application is None or not data_scope.covers(session, scope, application.customer.service_org_id):
        raise NotFound("申请不存在或不在您的管理范围内")
    if application.status != ApplicationStatus.PENDING:
        raise Conflict("该申请已处理")
    if approve:
        return_to_seat(session, actor, scope, application.customer_id, note or "同意申请，返还坐席")
        session.refresh(application)
        application.status = ApplicationStatus.APPROVED
    else:
        application.status = ApplicationStatus.REJECTED
    application.decided_by_id = actor.id
    application.decided_at = clock.now()
    application.decision_note = (note or "").strip()[:500]
    session.flush()
    return application


def history_of(session: DbSession, customer_id: int, limit: int = 200) -> list[Any]:
    return list(session.scalars(select(PoolHistory).where(PoolHistory.customer_id == customer_id)
                                .order_by(PoolHistory.at.desc(), PoolHistory.id.desc()).limit(limit)))


def pending_applications(scope: data_scope.Scope) -> Select[Any]:
    stmt = (select(RedFlagApplication).join(Customer, Customer.id == RedFlagApplication.customer_id)
            .where(RedFlagApplication.status == ApplicationStatus.PENDING))
    return data_scope.apply(stmt, scope, Customer.service_org_id).order_by(RedFlagApplication.created_at)


def recent_applications(session: DbSession, seat_id: int, since: timedelta = timedelta(days=62)) -> list[Any]:
    return list(session.scalars(select(RedFlagApplication).where(
        RedFlagApplication.seat_id == seat_id, RedFlagApplication.created_at >= clock.now() - since)
        .order_by(RedFlagApplication.created_at.desc())))
