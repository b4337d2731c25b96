"""Leaving-employee hand-over (离职交接).

When an account is disabled (``signals.user_left``) its customers are not released: one UPDATE puts
them in the 离职待交接 pool (seat emptied, ``prev_seat_id`` = the leaver) and a :class:`Handover`
record counts them by type. The leaver's department head then hands them to a successor seat —
成交 customers always, the others within the successor's owned-customer cap; whatever does not fit
stays pending for another seat. What is still pending after ``pools.handover_days`` days goes to
the city-manager pool (scheduler job ``pools.handover_overdue``). 成交 customers never reach the
public pool. Every step is one set-based UPDATE with its history rows, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, update

from app import clock, signals
from app.admin import params
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.followups.models import Appointment, AppointmentStatus
from app.mining import distribution
from app.mining.run_models import DistributionRunTarget, RunKind
from app.org import scope as data_scope
from app.pools import bulk, services
from app.pools.handover_models import Handover, HandoverStatus
from app.pools.models import ApplicationStatus, MoveReason, RedFlagApplication
from rules.distribution import Method

HANDOVER_DAYS = params.define("pools.handover_days", "int", 7, "离职交接期限（天）",
                              "离职员工的客户须在此天数内由部门主管交接给其他坐席，逾期未交接的转入城市经理公共池",
                              "数据池", minimum=1)

# The types a head cares about first, in the order they are handed over within the cap.
TYPE_ORDER = (CustomerType.DEALT, CustomerType.VALID, CustomerType.INTENT, CustomerType.NEW, CustomerType.INVALID)


def pending_condition(leaver_id: int) -> ColumnElement[bool]:
    """The customers of a leaver still waiting in 离职待交接."""
    return (Customer.pool == Pool.HANDOVER) & (Customer.prev_seat_id == leaver_id)


def counts_by_type(session: DbSession, condition: ColumnElement[bool]) -> dict[str, int]:
    rows = session.execute(select(Customer.type, func.count()).where(condition).group_by(Customer.type))
    found = {CustomerType(t).value: int(n) for t, n in rows}
    return {t.value: found.get(t.value, 0) for t in TYPE_ORDER}


def describe_counts(counts: dict[str, int]) -> str:
    return "、".join(f"{CustomerType(t).label} {n}" for t, n in counts.items() if n) or "无"


# --- the account is disabled ---------------------------------------------------------------------


def hand_over_leaver(session: DbSession, user: User) -> int:
    """Put every customer of a leaving employee into 离职待交接 and open a hand-over; return how many moved."""
    now = clock.now()
    actor = audit.current_actor()
    moved = bulk.move(session, Customer.service_seat_id == user.id,
                      bulk.to_pool(Pool.HANDOVER, MoveReason.USER_LEFT, now),
                      from_pool=Pool.PERSONAL, actor_id=actor.id, now=now, note="离职待交接")
    session.execute(
        update(RedFlagApplication)
        .where(RedFlagApplication.seat_id == user.id, RedFlagApplication.status == ApplicationStatus.PENDING)
        .values(status=ApplicationStatus.REJECTED, decided_at=now, decision_note="申请人已离职"),
        execution_options={"synchronize_session": False})
    session.execute(
        update(Appointment)
        .where(Appointment.user_id == user.id, Appointment.status == AppointmentStatus.PENDING)
        .values(status=AppointmentStatus.CANCELLED, closed_at=now),
        execution_options={"synchronize_session": False})
    if not moved.count:
        return 0
    counts = {t: 0 for t in (c.value for c in TYPE_ORDER)}
    counts.update({CustomerType(t).value: n for t, n in moved.by(session, Customer.type).items()})
    days = params.get_int(HANDOVER_DAYS, session)
    record = session.scalar(select(Handover).where(Handover.leaver_id == user.id,
                                                   Handover.status == HandoverStatus.PENDING))
    if record is None:  # a rehired employee leaving again reuses a hand-over still open
        record = Handover(leaver_id=user.id, org_id=user.org_id, created_at=now, total=0, counts={}, handed=0,
                          overdue=0, note="")
        session.add(record)
    record.deadline = now + timedelta(days=days)
    record.total += moved.count
    record.counts = {t: record.counts.get(t, 0) + n for t, n in counts.items()}
    session.flush()
    audit.record(session, "pools.user_left", user,
                 summary=f"{user.name}（{user.work_no}）离职，{moved.count} 个客户转入离职待交接"
                         f"（{describe_counts(counts)}），须在 {days} 天内交接")
    return moved.count


def _on_user_left(session: DbSession, user: User, **_: Any) -> None:
    hand_over_leaver(session, user)


signals.user_left.connect(_on_user_left)


# --- what a head sees ------------------------------------------------------------------------------


def visible(scope: data_scope.Scope, status: HandoverStatus | None = HandoverStatus.PENDING) -> Select[Any]:
    """Hand-overs of leavers whose org lies in the scope, oldest deadline first."""
    stmt = select(Handover)
    if status is not None:
        stmt = stmt.where(Handover.status == status)
    return data_scope.apply(stmt, scope, Handover.org_id).order_by(Handover.deadline, Handover.id)


def get(session: DbSession, scope: data_scope.Scope, handover_id: int, lock: bool = False) -> Handover:
    stmt = select(Handover).where(Handover.id == handover_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    record = session.scalar(stmt)
    if record is None or not data_scope.covers(session, scope, record.org_id):
        raise NotFound("离职交接不存在或不在您的管理范围内")
    return record


def pending_customers(handover: Handover) -> Select[Any]:
    return select(Customer).where(pending_condition(handover.leaver_id)).order_by(_priority(), Customer.id)


def _priority() -> ColumnElement[Any]:
    return case(*[(Customer.type == t.value, literal(i)) for i, t in enumerate(TYPE_ORDER)], else_=literal(99))


# --- handing over to a successor -------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverResult:
    handover: Handover
    seat: User
    moved: int
    dealt: int
    left: int  # still pending: did not fit under the successor's cap
    owned_before: int
    cap: int

    def message(self) -> str:
        text = f"已将 {self.moved} 个客户交接给 {self.seat.name}（{self.seat.work_no}）"
        if self.dealt:
            text += f"，其中成交客户 {self.dealt} 个"
        if self.left:
            text += (f"；{self.left} 个客户未交接：{self.seat.name} 交接前已有 {self.owned_before} 个客户，"
                     f"个人客户数上限 {self.cap}（成交客户不受上限限制）。未交接的客户仍在离职待交接中，"
                     f"请交接给其他坐席，{clock.local(self.handover.deadline):%Y-%m-%d %H:%M} 后转入城市经理公共池")
        return text


def hand_to_seat(session: DbSession, actor: User, scope: data_scope.Scope, handover_id: int, seat_id: int,
                 note: str = "") -> HandoverResult:
    """Give a leaver's pending customers to one successor seat: 成交 always, the rest within the cap."""
    handover = get(session, scope, handover_id, lock=True)
    if handover.status != HandoverStatus.PENDING:
        raise Conflict(f"该离职交接已处理（{handover.status.label}）")
    seat = services.seat_for_assignment(session, scope, seat_id)
    now = clock.now()
    services._lock_user(session, seat.id)
    cap = params.get_int(services.OWNED_CAP, session)
    owned = services.owned_count(session, seat.id)
    pending = pending_condition(handover.leaver_id)
    waiting = counts_by_type(session, pending)
    if not sum(waiting.values()):
        raise Conflict("该离职员工的客户已全部交接")
    dealt = waiting[CustomerType.DEALT.value]
    room = max(0, cap - owned - dealt)
    if not dealt and not room:
        raise ValidationFailed(f"{seat.name} 已有 {owned} 个客户，达到个人客户数上限 {cap}，不能再交接客户；"
                               "请选择其他坐席")
    others = (select(Customer.id).where(pending, Customer.type != CustomerType.DEALT)
              .order_by(_priority(), Customer.id).limit(room))
    condition = pending & ((Customer.type == CustomerType.DEALT) | Customer.id.in_(others.scalar_subquery()))
    note = (note or "").strip()
    text = f"离职交接：{handover.leaver.name} → {seat.name}（{seat.work_no}）" + (f"；{note}" if note else "")
    moved = bulk.move(session, condition, bulk.to_seat(seat, MoveReason.HANDOVER, now), from_pool=Pool.HANDOVER,
                      actor_id=actor.id, now=now, note=text)
    moved_dealt = moved.by(session, Customer.type).get(CustomerType.DEALT, 0) if moved.count else 0
    left = int(session.scalar(select(func.count()).where(pending)) or 0)
    handover.handed += moved.count
    handover.successor_id = seat.id
    handover.done_by_id = actor.id
    if note:
        handover.note = note[:500]
    if left == 0:
        handover.status = HandoverStatus.DONE
        handover.done_at = now
    session.flush()
    result = HandoverResult(handover, seat, moved.count, moved_dealt, left, owned, cap)
    audit.record(session, "pools.handover", summary=f"{handover.leaver.name}（{handover.leaver.work_no}）离职交接："
                 + result.message(), object_type="handover", object_id=handover.id)
    return result


# --- spreading over several seats with the distribution engine --------------------------------------


@dataclass(frozen=True)
class SpreadResult:
    handover: Handover
    run_id: int
    moved: int
    left: int
    per_seat: list[tuple[str, int]]

    def message(self) -> str:
        shares = "、".join(f"{label} {n} 个" for label, n in self.per_seat)
        text = f"已将 {self.moved} 个客户平均交接给 {len(self.per_seat)} 个坐席：{shares}（分配记录 #{self.run_id}）"
        if self.left:
            text += (f"；{self.left} 个客户未交接（继任坐席已达个人客户数上限，或为无效、黑名单客户），"
                     f"仍在离职待交接中，{clock.local(self.handover.deadline):%Y-%m-%d %H:%M} 后转入城市经理公共池")
        return text


def spread(session: DbSession, actor: User, scope: data_scope.Scope, handover_id: int, seat_ids: list[int],
           note: str = "") -> SpreadResult:
    """Spread a leaver's pending customers evenly over several seats with the one distribution engine.

    The engine plans the run (平均, 成交 customers included, each seat's owned-customer cap respected) and
    moves exactly that plan set-based, with history rows naming the run. What does not fit stays pending.
    """
    handover = get(session, scope, handover_id, lock=True)
    if handover.status != HandoverStatus.PENDING:
        raise Conflict(f"该离职交接已处理（{handover.status.label}）")
    wanted = list(dict.fromkeys(seat_ids))
    if not wanted:
        raise ValidationFailed("请至少选择一个继任坐席")
    targets = distribution.seat_targets(session, scope, wanted)
    pending = pending_condition(handover.leaver_id)
    if not session.scalar(select(func.count()).where(pending)):
        raise Conflict("该离职员工的客户已全部交接")
    leaver = handover.leaver
    note = (note or "").strip()
    title = f"离职交接：{leaver.name}（{leaver.work_no}）平均分给 {len(targets)} 个坐席" + (f"；{note}" if note else "")
    run = distribution.plan(session, kind=RunKind.HANDOVER, method=Method.AVERAGE, targets=targets,
                            source=select(Customer.id).where(pending), actor_id=actor.id, title=title,
                            include_dealt=True)
    run = distribution.execute(session, run, actor.id, reason=MoveReason.HANDOVER)
    per_seat = [(label, int(moved)) for label, moved in session.execute(
        select(DistributionRunTarget.label, DistributionRunTarget.moved)
        .where(DistributionRunTarget.run_id == run.id).order_by(DistributionRunTarget.position))]
    handover = get(session, scope, handover_id)
    left = int(session.scalar(select(func.count()).where(pending)) or 0)
    now = clock.now()
    handover.handed += run.moved
    handover.successor_id = targets[-1].seat_id
    handover.done_by_id = actor.id
    if note:
        handover.note = note[:500]
    if left == 0:
        handover.status = HandoverStatus.DONE
        handover.done_at = now
    session.flush()
    result = SpreadResult(handover, run.id, run.moved, left, per_seat)
    audit.record(session, "pools.handover", summary=f"{leaver.name}（{leaver.work_no}）离职交接：" + result.message(),
                 object_type="handover", object_id=handover.id)
    return result


# --- overdue: to the city-manager pool -------------------------------------------------------------


def expire_overdue(session: DbSession, now: datetime) -> str:
    """Move what is still pending past each deadline to the city-manager pool; return a Chinese summary."""
    due = list(session.scalars(select(Handover).where(Handover.status == HandoverStatus.PENDING,
                                                      Handover.deadline <= now)
                               .order_by(Handover.id).with_for_update()))
    if not due:
        return "没有逾期未交接的离职客户"
    leavers = [h.leaver_id for h in due]
    condition = (Customer.pool == Pool.HANDOVER) & Customer.prev_seat_id.in_(leavers)
    values = bulk.to_pool(Pool.CITY, MoveReason.HANDOVER_OVERDUE, now)
    days = params.get_int(HANDOVER_DAYS, session)
    moved = bulk.move(session, condition, values, from_pool=Pool.HANDOVER, actor_id=None, now=now,
                      note=f"离职 {days} 天内未交接")
    per_leaver = moved.by(session, Customer.prev_seat_id) if moved.count else {}
    for record in due:
        record.overdue = per_leaver.get(record.leaver_id, 0)
        record.status = HandoverStatus.EXPIRED if record.overdue else HandoverStatus.DONE
        record.done_at = now
        if record.overdue:
            audit.record(session, "pools.handover_overdue", object_type="handover", object_id=record.id,
                         summary=f"{record.leaver.name}（{record.leaver.work_no}）离职逾期未交接，"
                                 f"{record.overdue} 个客户转入城市经理公共池")
    session.flush()
    return f"{len(due)} 个离职交接逾期，{moved.count} 个客户转入城市经理公共池"
