"""A seat's side of mining and work tasks: its task list, drawing (随机抽取 / 主动抽取) and executing items.

Every draw is one conditional UPDATE (``… WHERE seat_id IS NULL``): of two seats drawing the same
item the database lets exactly one match. On PostgreSQL the random candidate is locked with SKIP
LOCKED, so seats drawing at once each get a different item instead of queueing on one. 最大执行数量
is checked with the seat's row locked, so two requests of the same seat cannot both slip under it.
A drawn customer without a seat moves into the seat's personal pool (owned-customer cap respected,
pool history "数据挖掘任务"), so the seat can see and follow it up. Executing a work task's item
(任务执行) always records a follow-up of the kind its 执行内容 says, with the outcome as its result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, update

from app import clock
from app.admin import dictionaries, params
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession, is_postgres
from app.errors import Conflict, NotFound, ValidationFailed
from app.followups import services as followups
from app.followups.access import FOLLOWUP_RESULT
from app.followups.models import FollowUp
from app.mining.task_access import MINING_OUTCOME
from app.mining.task_models import (
    ItemStatus,
    MiningTask,
    MiningTaskItem,
    MiningTaskTarget,
    TaskAction,
    TaskStatus,
    TaskType,
)
from app.mining.task_sources import is_target
from app.pools import services as pools
from app.pools.models import MoveReason

MAX_PICK = 200


# --- what a seat sees -----------------------------------------------------------------------------------


def seat_task_condition(seat: User) -> ColumnElement[bool]:
    """A published or closed task the seat is a target of, or holds items of (再次服务, 系统分配)."""
    targeted = exists().where(MiningTaskTarget.task_id == MiningTask.id,
                              or_(MiningTaskTarget.seat_id == seat.id,
                                  MiningTaskTarget.org_id.in_(seat.org.ancestor_ids)))
    holds = exists().where(MiningTaskItem.task_id == MiningTask.id, MiningTaskItem.seat_id == seat.id)
    return and_(MiningTask.status != TaskStatus.DRAFT, or_(targeted, holds))


def seat_task(session: DbSession, seat: User, task_id: int) -> MiningTask:
    """A task the seat may see; anything else is 404, exactly like a missing one."""
    task = session.scalar(select(MiningTask).where(MiningTask.id == task_id, seat_task_condition(seat)))
    if task is None:
        raise NotFound("任务不存在或您不是该任务的执行人")
    return task


def kind_condition(work: bool) -> ColumnElement[bool]:
    """Work tasks (任务执行) or mining tasks (我的挖掘任务): each list shows its own kind."""
    return MiningTask.type == TaskType.WORK if work else MiningTask.type != TaskType.WORK


@dataclass(frozen=True)
class SeatTaskRow:
    task: MiningTask
    held: int  # drawn or assigned to this seat
    executed: int
    available: int  # still to draw (draw types)

    @property
    def unexecuted(self) -> int:
        return self.held - self.executed

    @property
    def percent(self) -> int:
        return int(self.executed * 100 / self.held) if self.held else 0

    @property
    def quota_met(self) -> bool:
        """A work task's 每人配额 is done: executed at least the quota, or everything assigned if less."""
        return self.held > 0 and self.executed >= min(self.task.quota or self.held, self.held)


def _customer_drawable(seat_id: int) -> ColumnElement[bool]:
    return exists().where(Customer.id == MiningTaskItem.customer_id,
                          or_(Customer.service_seat_id.is_(None), Customer.service_seat_id == seat_id))


def _open_for(seat_id: int) -> ColumnElement[bool]:
    return and_(MiningTaskItem.seat_id.is_(None), MiningTaskItem.status == ItemStatus.OPEN,
                _customer_drawable(seat_id))


def seat_tasks(session: DbSession, seat: User, include_closed: bool = False, *,
               work: bool = False) -> list[SeatTaskRow]:
    """我的挖掘任务 (or 任务执行 with ``work``): each task with what this seat holds, executed, could still draw."""
    stmt = select(MiningTask).where(seat_task_condition(seat), kind_condition(work))
    if not include_closed:
        stmt = stmt.where(MiningTask.status == TaskStatus.PUBLISHED)
    tasks = list(session.scalars(stmt.order_by(MiningTask.end_date, MiningTask.id)))
    if not tasks:
        return []
    ids = [t.id for t in tasks]
    mine = {tid: (int(n), int(done or 0)) for tid, n, done in session.execute(
        select(MiningTaskItem.task_id, func.count(), func.sum(case((MiningTaskItem.status == ItemStatus.DONE, 1),
                                                                   else_=0)))
        .where(MiningTaskItem.task_id.in_(ids), MiningTaskItem.seat_id == seat.id)
        .group_by(MiningTaskItem.task_id))}
    draw_ids = [t.id for t in tasks if t.type.is_draw]
    available = {tid: int(n) for tid, n in session.execute(
        select(MiningTaskItem.task_id, func.count()).where(MiningTaskItem.task_id.in_(draw_ids), _open_for(seat.id))
        .group_by(MiningTaskItem.task_id))} if draw_ids else {}
    return [SeatTaskRow(t, *mine.get(t.id, (0, 0)), available.get(t.id, 0)) for t in tasks]


def unexecuted_total(session: DbSession, seat_id: int, *, work: bool = False) -> int:
    """Items waiting for this seat's execution over all published mining (or work) tasks (home panels)."""
    return int(session.scalar(
        select(func.count()).select_from(MiningTaskItem).join(MiningTask, MiningTask.id == MiningTaskItem.task_id)
        .where(MiningTaskItem.seat_id == seat_id, MiningTaskItem.status == ItemStatus.DRAWN,
               MiningTask.status == TaskStatus.PUBLISHED, kind_condition(work))) or 0)


def my_items(task_id: int, seat_id: int, status: str = "") -> Select[Any]:
    stmt = select(MiningTaskItem).where(MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id == seat_id)
    if status in {s.value for s in ItemStatus}:
        stmt = stmt.where(MiningTaskItem.status == ItemStatus(status))
    return stmt.order_by(case((MiningTaskItem.status == ItemStatus.DRAWN, 0), else_=1),
                         MiningTaskItem.drawn_at.desc(), MiningTaskItem.id.desc())


def pickable(task_id: int, seat_id: int) -> Select[Any]:
    """主动抽取: the source rows this seat may pick (phones are shown masked)."""
    return (select(MiningTaskItem).where(MiningTaskItem.task_id == task_id, _open_for(seat_id))
            .order_by(MiningTaskItem.id))


# --- drawing --------------------------------------------------------------------------------------------


def _check_running(task: MiningTask, action: str) -> None:
    if task.status == TaskStatus.CLOSED:
        raise ValidationFailed(f"任务“{task.name}”已关闭，不能再{action}")
    if task.status != TaskStatus.PUBLISHED:
        raise ValidationFailed(f"任务“{task.name}”尚未发布")


def _check_period(task: MiningTask) -> None:
    today = clock.today()
    if today < task.start_date:
        raise ValidationFailed(f"任务“{task.name}”尚未开始（开始日期 {task.start_date:%Y-%m-%d}），暂不能抽取")
    if today > task.end_date:
        raise ValidationFailed(f"任务“{task.name}”周期已结束（结束日期 {task.end_date:%Y-%m-%d}），不能再抽取")


def unexecuted(session: DbSession, task_id: int, seat_id: int) -> int:
    return int(session.scalar(select(func.count()).where(
        MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id == seat_id,
        MiningTaskItem.status == ItemStatus.DRAWN)) or 0)


def _check_limit(session: DbSession, task: MiningTask, seat: User, wanted: int) -> None:
    limit = task.max_unexecuted
    if limit is None:
        return
    held = unexecuted(session, task.id, seat.id)
    if held >= limit:
        raise ValidationFailed(f"您还有 {held} 个未执行的任务客户，达到最大执行数量 {limit}，请先执行")
    if held + wanted > limit:
        raise ValidationFailed(f"您还有 {held} 个未执行的任务客户，最大执行数量 {limit}，"
                               f"本次最多还能抽取 {limit - held} 个")


def _ready_to_draw(session: DbSession, seat: User, task_id: int, kind: TaskType) -> MiningTask:
    task = seat_task(session, seat, task_id)
    if not is_target(session, task.id, seat.id):
        raise NotFound("任务不存在或您不是该任务的执行人")
    if task.type != kind:
        raise ValidationFailed(f"该任务是{task.type.label.removesuffix('任务')}任务，不能{kind.label}")
    _check_running(task, "抽取")
    _check_period(task)
    return task


def _take(session: DbSession, task: MiningTask, seat: User, item_ids: list[int],
          now: datetime) -> list[tuple[int, int]]:
    """The conditional UPDATE: only items nobody holds yet become this seat's; return (item, customer) won."""
    stmt = (update(MiningTaskItem)
            .where(MiningTaskItem.id.in_(item_ids), MiningTaskItem.task_id == task.id, _open_for(seat.id))
            .values(seat_id=seat.id, status=ItemStatus.DRAWN, drawn_at=now)
            .returning(MiningTaskItem.id, MiningTaskItem.customer_id))
    return sorted((int(i), int(c)) for i, c in session.execute(stmt, execution_options={"synchronize_session": False}))


def _into_personal_pool(session: DbSession, task: MiningTask, seat: User, customer_ids: list[int],
                        now: datetime) -> None:
    """Drawn customers without a seat move into the seat's personal pool, within the owned-customer cap."""
    unseated = list(session.scalars(select(Customer.id).where(Customer.id.in_(customer_ids),
                                                              Customer.service_seat_id.is_(None))))
    if not unseated:
        return
    cap = params.get_int(pools.OWNED_CAP, session)
    owned = pools.owned_count(session, seat.id)
    if owned + len(unseated) > cap:
        raise ValidationFailed(f"您的个人信息池已有 {owned} 个客户，"
                               f"再抽取 {len(unseated)} 个将超过个人客户数上限 {cap}")
    won = pools._claim(session, unseated, seat, MoveReason.MINING_TASK, seat.id,
                       Customer.pool.in_(pools.UNASSIGNED_POOLS), now, note=f"数据挖掘任务“{task.name}”"[:200])
    if len(won) < len(unseated):
        raise Conflict("客户刚被他人提取，请重新抽取")


def draw_random(session: DbSession, seat: User, task_id: int) -> MiningTaskItem:
    """随机抽取 ("抽取一个"): a random undrawn item; the seat cannot choose which."""
    task = _ready_to_draw(session, seat, task_id, TaskType.RANDOM)
    now = clock.now()
    pools._lock_user(session, seat.id)
    _check_limit(session, task, seat, 1)
    for _attempt in range(5):
        candidate = (select(MiningTaskItem.id).where(MiningTaskItem.task_id == task.id, _open_for(seat.id))
                     .order_by(func.random()).limit(1))
        if is_postgres():
            candidate = candidate.with_for_update(skip_locked=True, of=MiningTaskItem)
        item_id = session.scalar(candidate)
        if item_id is None:
            break
        won = _take(session, task, seat, [item_id], now)
        if won:
            _into_personal_pool(session, task, seat, [won[0][1]], now)
            item = session.get(MiningTaskItem, won[0][0])
            assert item is not None
            session.refresh(item)
            return item
    raise ValidationFailed(f"任务“{task.name}”的来源中已没有可抽取的客户")


@dataclass(frozen=True)
class PickResult:
    taken: list[int]
    skipped: int

    def message(self) -> str:
        text = f"已抽取 {len(self.taken)} 个任务客户"
        if self.skipped:
            text += f"；{self.skipped} 个已被他人抽取，未抽取"
        return text


def pick(session: DbSession, seat: User, task_id: int, item_ids: list[int]) -> PickResult:
    """主动抽取: the seat takes the rows it chose from the visible source."""
    wanted = sorted(set(item_ids))
    if not wanted:
        raise ValidationFailed("请先勾选要抽取的任务客户")
    if len(wanted) > MAX_PICK:
        raise ValidationFailed(f"一次最多抽取 {MAX_PICK} 个")
    task = _ready_to_draw(session, seat, task_id, TaskType.ACTIVE)
    now = clock.now()
    pools._lock_user(session, seat.id)
    _check_limit(session, task, seat, len(wanted))
    won = _take(session, task, seat, wanted, now)
    _into_personal_pool(session, task, seat, [c for _i, c in won], now)
    return PickResult([i for i, _c in won], len(wanted) - len(won))


# --- executing --------------------------------------------------------------------------------------------


def my_item(session: DbSession, seat: User, item_id: int) -> MiningTaskItem:
    item = session.get(MiningTaskItem, item_id)
    if item is None or item.seat_id != seat.id:
        raise NotFound("任务客户不存在或不是您的")
    return item


def execute(session: DbSession, seat: User, item_id: int, outcome: str, note: str = "",
            follow_up: followups.FollowUpInput | None = None) -> MiningTaskItem:
    """Record the outcome (执行结果) of one item and link a follow-up.

    With ``follow_up`` a follow-up is recorded through the follow-up service; without it the seat's
    latest follow-up of this customer since the item was drawn is linked, if there is one. A work
    task's item always records one: its kind from the task's 执行内容, the outcome (a 跟进结果) as its
    result and the note as its content.
    """
    item = my_item(session, seat, item_id)
    task = item.task
    _check_running(task, "执行")
    if item.status == ItemStatus.DONE:
        raise Conflict("该任务客户已执行")
    if outcome not in {code for code, _ in dictionaries.choices(session, FOLLOWUP_RESULT if task.is_work
                                                                  else MINING_OUTCOME)}:
        raise ValidationFailed("请选择执行结果")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("执行备注不能超过 500 字")
    if task.is_work:
        follow_up = replace(follow_up or followups.FollowUpInput(kind=""), result=outcome, content=note,
                            kind=TaskAction(task.action).followup_kind, new_type="")
    if follow_up is not None:
        customer = session.get(Customer, item.customer_id)
        if customer is None:
            raise NotFound("客户不存在")
        followup_id: int | None = followups.log_follow_up(session, customer, seat, follow_up).id
    else:
        since = item.drawn_at or item.created_at
        followup_id = session.scalar(
            select(FollowUp.id).where(FollowUp.customer_id == item.customer_id, FollowUp.user_id == seat.id,
                                      FollowUp.created_at >= since)
            .order_by(FollowUp.at.desc(), FollowUp.id.desc()).limit(1))
    done = session.execute(
        update(MiningTaskItem)
        .where(MiningTaskItem.id == item.id, MiningTaskItem.seat_id == seat.id,
               MiningTaskItem.status == ItemStatus.DRAWN)
        .values(status=ItemStatus.DONE, executed_at=clock.now(), outcome=outcome, note=note,
                followup_id=followup_id),
        execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
    if not done:
        raise Conflict("该任务客户已执行")
    session.refresh(item)
    return item
