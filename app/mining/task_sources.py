"""A mining task's source (任务来源): filling ``mining_task_item`` set-based, and who executes each item.

- 固定选择: the head's selection (``mining_task_pick``) is copied once, at publish.
- 动态条件: the saved condition (app.mining.conditions) is evaluated at publish and again by the
  scheduler job "数据挖掘任务来源生成" until the task closes or its period ends; each run inserts
  only customers not yet in the task (unique (task_id, customer_id)).
- 再次服务: only customers that have a service seat; each item's seat is that customer's seat.
- 系统分配: customers already owned by a seat are given to that seat; customers without a seat are
  planned and moved by the one distribution engine (app.mining.distribution, run kind "task"),
  landing in the target seat's personal pool, and the item gets that seat.
- 工作任务: items are given to the target seats by 平均 / 随机 / 配额 with the engine's share arithmetic
  (rules.distribution.shares) in one UPDATE of the items; no customer changes pool, seat or owner.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from app import clock, signals
from app.auth.models import Role, User, UserStatus, user_roles
from app.customers.models import Customer, CustomerType
from app.database import DbSession, UTCDateTime
from app.errors import NotFound, ValidationFailed
from app.mining import conditions, distribution
from app.mining.models import MiningCondition
from app.mining.run_models import RunKind
from app.mining.task_models import (
    ItemStatus,
    MiningTask,
    MiningTaskItem,
    MiningTaskPick,
    MiningTaskTarget,
    SourceKind,
    TaskStatus,
    TaskType,
)
from app.org import scope as data_scope
from app.org.models import Org
from app.pools.models import MoveReason
from rules.distribution import Method, Slot, shares

# --- who executes ---------------------------------------------------------------------------------


def active_seat() -> ColumnElement[bool]:
    """An active user holding the seat (坐席) role."""
    seats = select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id).where(Role.code == "seat")
    return and_(User.status == UserStatus.ACTIVE, User.id.in_(seats))


def target_seat_ids(task_id: int) -> Select[Any]:
    """The active seats executing a task: named seats, and every active seat in a target org's subtree."""
    target_org = aliased(Org)
    under_target_org = (select(Org.id).join(MiningTaskTarget, MiningTaskTarget.task_id == task_id)
                        .join(target_org, target_org.id == MiningTaskTarget.org_id)
                        .where(Org.path.startswith(target_org.path)))
    named = select(MiningTaskTarget.seat_id).where(MiningTaskTarget.task_id == task_id,
                                                   MiningTaskTarget.seat_id.is_not(None))
    return select(User.id).where(active_seat(), or_(User.id.in_(named), User.org_id.in_(under_target_org)))


def is_target(session: DbSession, task_id: int, seat_id: int) -> bool:
    return bool(session.scalar(select(exists().where(User.id == seat_id, User.id.in_(target_seat_ids(task_id))))))


# --- the condition engine (app.mining.conditions) ----------------------------------------------------


def saved_condition(session: DbSession, condition_id: int, scope: data_scope.Scope) -> MiningCondition:
    """The saved mining condition (挖掘条件), 404 when out of scope."""
    return conditions.saved(session, condition_id, scope)


def condition_source(session: DbSession, task: MiningTask, scope: data_scope.Scope, now: datetime) -> Select[Any]:
    """SELECT of the customer ids the task's condition matches now, inside the scope."""
    assert task.condition_id is not None
    condition = saved_condition(session, task.condition_id, scope)
    return conditions.customer_ids(session, condition.spec, scope, now)


# --- filling the source -------------------------------------------------------------------------------


def _candidates(session: DbSession, task: MiningTask, scope: data_scope.Scope, now: datetime) -> Select[Any]:
    if task.source_kind == SourceKind.FIXED:
        return select(MiningTaskPick.customer_id).where(MiningTaskPick.task_id == task.id)
    return condition_source(session, task, scope, now)


def _insert_new(session: DbSession, task: MiningTask, scope: data_scope.Scope, now: datetime,
                only: list[int] | None = None) -> int:
    """One INSERT … SELECT of the matching customers not yet in the task (or of ``only`` these customers, by the
    same rules); return how many were added."""
    already = exists().where(MiningTaskItem.task_id == task.id, MiningTaskItem.customer_id == Customer.id)
    chosen = Customer.id.in_(only) if only is not None else Customer.id.in_(_candidates(session, task, scope, now))
    where: list[ColumnElement[bool]] = [chosen, ~already,
                                        data_scope.org_condition(scope, Customer.service_org_id)]
    has_targets = bool(task.targets)
    if task.type == TaskType.RESERVICE:
        where.append(Customer.service_seat_id.is_not(None))
        if has_targets:
            where.append(Customer.service_seat_id.in_(target_seat_ids(task.id)))
        seat: Any = Customer.service_seat_id
        status: Any = literal(ItemStatus.DRAWN.value)
        drawn_at: Any = literal(now, UTCDateTime())
    else:
        if task.type.is_draw:
            # A seat can only draw what it may then hold: an unassigned customer, or one of its own.
            where.append(or_(Customer.service_seat_id.is_(None),
                             Customer.service_seat_id.in_(target_seat_ids(task.id))))
        seat, status, drawn_at = null(), literal(ItemStatus.OPEN.value), null()
    source = select(literal(task.id, Integer()), Customer.id, seat, status, literal(now, UTCDateTime()), drawn_at,
                    literal(""), literal("")).where(*where)
    columns = ["task_id", "customer_id", "seat_id", "status", "created_at", "drawn_at", "outcome", "note"]
    result = session.execute(insert(MiningTaskItem).from_select(columns, source))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _give_to_owners(session: DbSession, task: MiningTask, now: datetime) -> int:
    """系统分配: open items whose customer already has a seat go to that seat (one UPDATE)."""
    owner = select(Customer.service_seat_id).where(Customer.id == MiningTaskItem.customer_id).scalar_subquery()
    owned = exists().where(Customer.id == MiningTaskItem.customer_id, Customer.service_seat_id.is_not(None))
    result = session.execute(
        update(MiningTaskItem)
        .where(MiningTaskItem.task_id == task.id, MiningTaskItem.seat_id.is_(None),
               MiningTaskItem.status == ItemStatus.OPEN, owned)
        .values(seat_id=owner, status=ItemStatus.DRAWN, drawn_at=now),
        execution_options={"synchronize_session": False})
    return int(result.rowcount)  # type: ignore[attr-defined]


def _distribute(session: DbSession, task: MiningTask, actor: User) -> int:
    """Plan and move the unseated source customers to the target seats with the one distribution engine.

    The run (kind 挖掘任务分配) places them in the seats' personal pools with history naming the task and
    the run; the owned-customer cap and the blacklist are the engine's. Returns how many moved.
    """
    seats = list(session.scalars(select(User).where(User.id.in_(target_seat_ids(task.id))).order_by(User.id)))
    unseated = select(MiningTaskItem.customer_id).where(
        MiningTaskItem.task_id == task.id, MiningTaskItem.seat_id.is_(None), MiningTaskItem.status == ItemStatus.OPEN)
    movable = exists().where(Customer.id.in_(unseated), Customer.service_seat_id.is_(None), distribution.eligible())
    if not seats or not session.scalar(select(movable)):
        return 0  # nothing the engine could move (e.g. only blacklisted or invalid customers left): no empty run
    targets = [distribution.Target(s.id, s.org_id, max(0, s.weight or 0), f"{s.name}（{s.work_no}）") for s in seats]
    run = distribution.plan(session, kind=RunKind.TASK, method=Method(task.method), targets=targets,
                            source=unseated, actor_id=actor.id, title=f"数据挖掘任务“{task.name}”")
    if not run.planned:
        distribution.discard(session, run)
        return 0
    return distribution.execute(session, run, actor.id, reason=MoveReason.MINING_TASK).moved


def held_counts(session: DbSession, task_id: int) -> dict[int, int]:
    """How many items of the task each seat holds (assigned or drawn, executed or not)."""
    return {int(seat): int(n) for seat, n in session.execute(
        select(MiningTaskItem.seat_id, func.count()).where(MiningTaskItem.task_id == task_id,
                                                           MiningTaskItem.seat_id.is_not(None))
        .group_by(MiningTaskItem.seat_id)) if seat is not None}


def _assignable(task_id: int) -> ColumnElement[bool]:
    """Unassigned items whose customer may be worked: never 无效 or blacklisted customers (they stay 待分配)."""
    workable = exists().where(Customer.id == MiningTaskItem.customer_id, Customer.type != CustomerType.INVALID,
                              not_(distribution.blacklisted()))
    return and_(MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id.is_(None),
                MiningTaskItem.status == ItemStatus.OPEN, workable)


def assign_work_items(session: DbSession, task: MiningTask, now: datetime, rng: random.Random | None = None) -> int:
    """任务分配 of a published work task: its unassigned items go to the target seats; return how many did.

    The shares are the engine's (``rules.distribution.shares``): 平均 even (random seats when fewer items
    than seats), 随机 one draw per item, 配额 even with each seat's room = 每人配额 − what it already holds.
    One UPDATE … FROM numbers the items in random order and gives number n to the seat whose range holds
    it. Only items touch the database: customers keep their pool, seat and owner (a care call on a 成交
    customer does not take the customer away from its seat).
    """
    if not task.is_work or task.status != TaskStatus.PUBLISHED or task.method not in ("average", "random", "quota"):
        return 0
    session.execute(select(MiningTask.id).where(MiningTask.id == task.id).with_for_update())  # one at a time
    seat_ids = [int(s) for s in session.scalars(target_seat_ids(task.id).order_by(User.id))]
    waiting = int(session.scalar(select(func.count()).where(_assignable(task.id))) or 0)
    if not seat_ids or not waiting:
        return 0
    if task.method == "quota":
        held = held_counts(session, task.id)
        slots = [Slot(1, max(0, (task.quota or 0) - held.get(s, 0))) for s in seat_ids]
    else:
        slots = [Slot() for _ in seat_ids]
    method = Method.RANDOM if task.method == "random" else Method.AVERAGE
    counts = shares(waiting, slots, method, rng or random.Random())  # noqa: S311  (fairness, not secrecy)
    bounds, total = [], 0
    for seat_id, count in zip(seat_ids, counts, strict=True):
        if count:
            total += count
            bounds.append((total, seat_id))
    if not total:
        return 0
    numbered = (select(MiningTaskItem.id.label("item_id"),
                       func.row_number().over(order_by=func.random()).label("seq"))
                .where(_assignable(task.id)).subquery("numbered"))
    seat = case(*[(numbered.c.seq <= hi, literal(seat_id, Integer())) for hi, seat_id in bounds])
    result = session.execute(
        update(MiningTaskItem)
        .where(MiningTaskItem.id == numbered.c.item_id, numbered.c.seq <= total, MiningTaskItem.seat_id.is_(None),
               MiningTaskItem.status == ItemStatus.OPEN)
        .values(seat_id=seat, status=ItemStatus.DRAWN, drawn_at=now),
        execution_options={"synchronize_session": False})
    return int(result.rowcount)  # type: ignore[attr-defined]


def generate(session: DbSession, task: MiningTask, now: datetime, *, actor: User,
             scope: data_scope.Scope | None = None) -> int:
    """Add the source customers not yet in the task and give system/re-service/work items their seats."""
    scope = scope or creator_scope(session, task)
    added = _insert_new(session, task, scope, now)
    _give_seats(session, task, now, actor)
    # Core UPDATE: a regeneration every half hour is no edit of the task (no audit row, updated_at kept).
    session.execute(update(MiningTask).where(MiningTask.id == task.id)
                    .values(source_generated_at=now, updated_at=MiningTask.updated_at),
                    execution_options={"synchronize_session": False})
    session.expire(task, ["source_generated_at"])
    return added


def creator_scope(session: DbSession, task: MiningTask) -> data_scope.Scope:
    """The scope a task's source is drawn from: its creator's, for managing mining tasks."""
    return data_scope.scope_of(session, task.created_by, "mining.tasks")


def _give_seats(session: DbSession, task: MiningTask, now: datetime, actor: User) -> None:
    """System and work tasks give their new items seats (re-service items have them from the start)."""
    if task.type == TaskType.SYSTEM:
        _give_to_owners(session, task, now)
        _distribute(session, task, actor)
        _give_to_owners(session, task, now)  # the customers the engine just moved into seats' pools
    elif task.is_work:
        assign_work_items(session, task, now)


def add_customers(session: DbSession, task: MiningTask, customer_ids: list[int], now: datetime, *,
                  actor: User) -> int:
    """Add chosen customers to a published task by the rules its source follows (the creator's scope, who may
    hold them) and give the new items seats as the task type does; return how many were added."""
    added = _insert_new(session, task, creator_scope(session, task), now, only=customer_ids)
    if added:
        _give_seats(session, task, now, actor)
    return added


def due_tasks(session: DbSession, now: datetime) -> list[MiningTask]:
    """Published tasks whose source the job regenerates: dynamic ones (work tasks are dynamic), and system ones
    with undistributed items."""
    today = clock.local(now).date()  # type: ignore[union-attr]
    undistributed = exists().where(MiningTaskItem.task_id == MiningTask.id, MiningTaskItem.seat_id.is_(None),
                                   MiningTaskItem.status == ItemStatus.OPEN)
    return list(session.scalars(select(MiningTask).where(
        MiningTask.status == TaskStatus.PUBLISHED, MiningTask.end_date >= today,
        or_(MiningTask.source_kind == SourceKind.DYNAMIC,
            and_(MiningTask.type == TaskType.SYSTEM, undistributed))).order_by(MiningTask.id)))


def regenerate_all(session: DbSession, now: datetime) -> str:
    """The job: regenerate every due task's source; one task's failure does not stop the others."""
    tasks = due_tasks(session, now)
    added, failed = 0, []
    for task in tasks:
        try:
            with session.begin_nested():
                added += generate(session, task, now, actor=task.created_by)
        except (NotFound, ValidationFailed) as exc:
            failed.append(f"“{task.name}”：{exc}")
    summary = f"{len(tasks)} 个任务，新增来源客户 {added} 个"
    if failed:
        summary += "；未生成：" + "；".join(failed)[:400]
    return summary


# --- merges (合并客户) ----------------------------------------------------------------------------------


def _on_merge(session: DbSession, survivor_id: int, merged_ids: list[int], **_: Any) -> None:
    """Items and picks of merged customers follow the survivor, unless the survivor is already in that task."""
    models: tuple[Any, ...] = (MiningTaskItem, MiningTaskPick)
    for model in models:
        twin = aliased(model)
        kept = or_(twin.customer_id == survivor_id,
                   and_(twin.customer_id.in_(merged_ids), twin.customer_id < model.customer_id))
        session.execute(
            delete(model).where(model.customer_id.in_(merged_ids),
                                exists().where(twin.task_id == model.task_id, kept)),
            execution_options={"synchronize_session": False})
        session.execute(update(model).where(model.customer_id.in_(merged_ids)).values(customer_id=survivor_id),
                        execution_options={"synchronize_session": False})


signals.customers_merged.connect(_on_merge)


def condition_choices(session: DbSession, scope: data_scope.Scope) -> list[tuple[int, str]]:
    """Saved mining conditions (挖掘条件) in scope, for the task form."""
    return [(c.id, c.name) for c in session.scalars(conditions.saved_query(scope).limit(500))]
