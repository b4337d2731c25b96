"""Work tasks (任务管理, seed 000 items 10–14): 任务分配 to groups or people, and what 任务执行 needs.

A work task is a task of type 工作任务 (``app.mining.task_models``): a saved condition of the one condition
engine selects the customers, 执行内容 says what to do with each (电话, 见客, 关怀电话, 问卷), the period
bounds it and 每人配额 says how many items each seat gets (配额) or must execute. It is defined with the
other tasks (``app.mining.tasks``); here it is distributed and worked.

任务分配 never moves a customer: the items are given to seats (``task_sources.assign_work_items``, one
UPDATE with the engine's shares) and the customers stay in their pools with their service seats — a care
call on a 成交 customer must not take the customer away from the seat that serves it. Mining tasks keep
moving customers through the distribution engine (``app.mining.distribution``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.mining import task_sources, tasks
from app.mining.task_models import WORK_METHODS, ItemStatus, MiningTask, MiningTaskItem, TaskStatus
from app.org import scope as data_scope
from rules import phones as phone_rules


@dataclass(frozen=True)
class Distribution:
    """What one 任务分配 gave: seats with how many items each got now, and what is still unassigned."""

    assigned: list[tuple[User, int]]
    waiting: int

    @property
    def total(self) -> int:
        return sum(n for _seat, n in self.assigned)

    def message(self) -> str:
        if self.total:
            text = f"已分配 {self.total} 个任务客户：" + "，".join(
                f"{seat.name}（{seat.work_no}）{n}" for seat, n in self.assigned if n)
        else:
            text = "没有新分配的任务客户"
        if self.waiting:
            text += f"；{self.waiting} 个未分配（每人配额已满，或为无效、黑名单客户）"
        return text


def waiting(session: DbSession, task_id: int) -> int:
    """Items nobody has been given yet (待分配)."""
    return int(session.scalar(select(func.count()).where(
        MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id.is_(None),
        MiningTaskItem.status == ItemStatus.OPEN)) or 0)


def distribute(session: DbSession, actor: User, scope: data_scope.Scope, task: MiningTask, method: str,
               seat_work_nos: list[str], org_ids: list[int]) -> Distribution:
    """任务分配: set the targets (people by 工号, groups meaning their active seats) and the method, publish a
    draft (its source is filled from the condition) and give the unassigned items to the seats.

    Refused with a Chinese message and nothing written: not a work task, closed, period over, no method,
    no targets, a target out of scope (404) or no active seat among them.
    """
    if not task.is_work:
        raise ValidationFailed("只有工作任务在任务分配中分配；数据挖掘任务按任务类型分配")
    if task.status == TaskStatus.CLOSED:
        raise Conflict(f"任务“{task.name}”已关闭，不能再分配")
    if task.end_date < clock.today():
        raise ValidationFailed(f"任务周期已结束（结束日期 {task.end_date:%Y-%m-%d}），不能再分配")
    if method not in WORK_METHODS:
        raise ValidationFailed("请选择分配方式（平均、随机或配额）")
    if not any(w.strip() for w in seat_work_nos) and not org_ids:
        raise ValidationFailed("请至少选择一个分配目标（组或人员）")
    targets = tasks.resolve_targets(session, scope, seat_work_nos, org_ids)
    before = task_sources.held_counts(session, task.id)
    task.targets = targets
    task.method = method
    session.flush()
    if not session.scalar(select(exists().where(User.id.in_(task_sources.target_seat_ids(task.id))))):
        raise ValidationFailed("分配目标中没有在职坐席")
    if task.status == TaskStatus.DRAFT:
        tasks.publish(session, actor, scope, task)  # fills the source; generate() assigns
    else:
        task_sources.generate(session, task, clock.now(), actor=actor, scope=scope)
    after = task_sources.held_counts(session, task.id)
    seats = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(after))))}
    gained = sorted(((seats[sid], n - before.get(sid, 0)) for sid, n in after.items()
                     if n > before.get(sid, 0) and sid in seats), key=lambda pair: pair[0].work_no)
    result = Distribution(gained, waiting(session, task.id))
    audit.record(session, "mining.task.distribute", task,
                 summary=f"任务分配“{task.name}”（{WORK_METHODS[method]}）：{result.message()}"[:500])
    return result


# --- 任务执行 (the seat) ------------------------------------------------------------------------------


def next_item(session: DbSession, seat: User, task_id: int) -> MiningTaskItem | None:
    """The seat's next item of the task still to execute, oldest first."""
    return session.scalar(select(MiningTaskItem).where(
        MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id == seat.id,
        MiningTaskItem.status == ItemStatus.DRAWN).order_by(MiningTaskItem.id).limit(1))


def shows_phone(customer: Customer, seat: User) -> bool:
    """A seat sees the numbers of the customers it serves; others' stay masked, as in the pools."""
    return customer.service_seat_id == seat.id


def phone_choices(customer: Customer, seat: User) -> list[tuple[int, str]]:
    """The customer's numbers as the seat may see them, by position (the call is logged on the real one)."""
    plain = shows_phone(customer, seat)
    return [(i, p.phone if plain else phone_rules.mask(p.phone)) for i, p in enumerate(customer.phones)]


def phone_at(customer: Customer, index: int | None) -> str:
    """The number at a position of :func:`phone_choices`; "" (the first number) when none was chosen."""
    if index is None:
        return ""
    if not 0 <= index < len(customer.phones):
        raise ValidationFailed("请选择客户登记的电话号码")
    return customer.phones[index].phone
