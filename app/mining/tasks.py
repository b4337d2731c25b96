"""Task categories and the task lifecycle (草稿 → 发布 → 关闭) of mining and work tasks, seed 000 §2.11–2.12.

Categories are a flat list (name, sort). A task belongs to its creator's org and is seen by whoever's
data scope covers that org. Editing is only possible in draft; publishing fills the source
(app.mining.task_sources) and closing stops draws and executions. A work task (工作任务) is defined
here too (执行内容, 每人配额, a saved condition); its 任务分配 lives in app.mining.task_work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, case, delete, exists, func, insert, literal, or_, select

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.mining import conditions, task_sources
from app.mining.task_access import TASKS_MANAGE
from app.mining.task_models import (
    DISTRIBUTION_METHODS,
    WORK_METHODS,
    ItemStatus,
    MiningTask,
    MiningTaskCategory,
    MiningTaskItem,
    MiningTaskPick,
    MiningTaskTarget,
    SourceKind,
    TaskAction,
    TaskStatus,
    TaskType,
)
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import services as pool_services

MAX_TARGETS = 500
MAX_PICKS_AT_ONCE = 1000
MAX_QUOTA = 10_000

# --- categories (数据挖掘任务分类) ------------------------------------------------------------------


def categories(session: DbSession) -> list[MiningTaskCategory]:
    return list(session.scalars(select(MiningTaskCategory).order_by(MiningTaskCategory.sort, MiningTaskCategory.id)))


def _clean_category_name(session: DbSession, name: str, category_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    if len(name) > 50:
        raise ValidationFailed("分类名称不能超过 50 字")
    clash = session.scalar(select(MiningTaskCategory.id).where(MiningTaskCategory.name == name,
                                                               MiningTaskCategory.id != (category_id or 0)))
    if clash:
        raise Conflict(f"分类“{name}”已存在")
    return name


def _clean_sort(sort: Any) -> int:
    if isinstance(sort, bool) or not isinstance(sort, int) or not -100_000 <= sort <= 100_000:
        raise ValidationFailed("排序应为 -100000 到 100000 之间的整数")
    return sort


def get_category(session: DbSession, category_id: int) -> MiningTaskCategory:
    category = session.get(MiningTaskCategory, category_id)
    if category is None:
        raise NotFound("任务分类不存在")
    return category


def create_category(session: DbSession, name: str, sort: int = 0) -> MiningTaskCategory:
    category = MiningTaskCategory(name=_clean_category_name(session, name), sort=_clean_sort(sort),
                                  created_at=clock.now())
    session.add(category)
    session.flush()
    return category


def update_category(session: DbSession, category: MiningTaskCategory, name: str, sort: int) -> None:
    category.name = _clean_category_name(session, name, category.id)
    category.sort = _clean_sort(sort)
    session.flush()


def delete_category(session: DbSession, category: MiningTaskCategory) -> None:
    used = session.scalar(select(func.count()).where(MiningTask.category_id == category.id)) or 0
    if used:
        raise Conflict(f"分类“{category.name}”下还有 {used} 个任务，不能删除")
    session.delete(category)
    session.flush()


def category_counts(session: DbSession) -> dict[int, int]:
    return {cid: int(n) for cid, n in session.execute(
        select(MiningTask.category_id, func.count()).where(MiningTask.category_id.is_not(None))
        .group_by(MiningTask.category_id)) if cid is not None}


# --- scope ------------------------------------------------------------------------------------------


def manager_scope(session: DbSession, user: User) -> data_scope.Scope:
    return data_scope.scope_of(session, user, TASKS_MANAGE)


def managed_tasks(scope: data_scope.Scope) -> Select[Any]:
    """Tasks a head or city manager sees: those of orgs in scope, and their own."""
    return data_scope.apply(select(MiningTask), scope, MiningTask.org_id, MiningTask.created_by_id)


def get_task(session: DbSession, scope: data_scope.Scope, task_id: int) -> MiningTask:
    return data_scope.get_or_404(session, MiningTask, task_id, scope, owner_attr="created_by_id")


target_seat_ids = task_sources.target_seat_ids
is_target = task_sources.is_target


# --- creating and editing (draft only) ----------------------------------------------------------------


@dataclass
class TaskInput:
    name: str = ""
    category_id: int | None = None
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    type: str = ""
    source_kind: str = ""
    condition_id: int | None = None
    method: str = ""
    max_unexecuted: int | None = None
    seat_work_nos: list[str] = field(default_factory=list)
    org_ids: list[int] = field(default_factory=list)
    action: str = ""  # 执行内容 (work tasks)
    quota: int | None = None  # 每人配额 (work tasks)


def _clean_work(session: DbSession, scope: data_scope.Scope, data: TaskInput) -> dict[str, Any]:
    """A work task's own fields: a saved, non-empty condition, 执行内容, 每人配额 and (optionally) the method."""
    if data.action not in {a.value for a in TaskAction}:
        raise ValidationFailed("请选择执行内容（电话、见客、关怀电话或问卷）")
    if data.quota is None:
        raise ValidationFailed("请填写每人配额")
    if not 1 <= data.quota <= MAX_QUOTA:
        raise ValidationFailed(f"每人配额应为 1 到 {MAX_QUOTA} 之间的整数")
    if data.method and data.method not in WORK_METHODS:
        raise ValidationFailed("分配方式应为平均、随机或配额")
    if data.condition_id is None:
        raise ValidationFailed("请选择任务条件（已保存的挖掘条件），工作任务不能没有条件")
    conditions.validate(session, task_sources.saved_condition(session, data.condition_id, scope).spec)
    return {"action": data.action, "quota": data.quota, "method": data.method, "condition_id": data.condition_id,
            "source_kind": SourceKind.DYNAMIC, "max_unexecuted": None}


def _clean(session: DbSession, scope: data_scope.Scope, data: TaskInput) -> dict[str, Any]:
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写任务名称（不超过 100 字）")
    try:
        task_type = TaskType(data.type)
        source_kind = SourceKind.DYNAMIC if task_type == TaskType.WORK else SourceKind(data.source_kind)
    except ValueError as exc:
        raise ValidationFailed("任务类型或来源类型无效") from exc
    if data.category_id is not None:
        get_category(session, data.category_id)
    if data.start_date is None or data.end_date is None:
        raise ValidationFailed("请填写任务周期（开始和结束日期）")
    if data.end_date < data.start_date:
        raise ValidationFailed("结束日期不能早于开始日期")
    description = (data.description or "").strip()
    if len(description) > 2000:
        raise ValidationFailed("任务描述不能超过 2000 字")
    basics = {"name": name, "category_id": data.category_id, "description": description,
              "start_date": data.start_date, "end_date": data.end_date, "type": task_type}
    if task_type == TaskType.WORK:
        return {**basics, **_clean_work(session, scope, data)}
    condition_id = None
    if source_kind == SourceKind.DYNAMIC:
        if data.condition_id is None:
            raise ValidationFailed("动态条件来源请选择一个挖掘条件")
        task_sources.saved_condition(session, data.condition_id, scope)
        condition_id = data.condition_id
    method = ""
    if task_type == TaskType.SYSTEM:
        if data.method not in DISTRIBUTION_METHODS:
            raise ValidationFailed("系统分配任务请选择分配方式（平均、随机或权重）")
        method = data.method
    max_unexecuted = None
    if task_type.is_draw and data.max_unexecuted is not None:
        if not 1 <= data.max_unexecuted <= 10_000:
            raise ValidationFailed("最大执行数量应为 1 到 10000 之间的整数")
        max_unexecuted = data.max_unexecuted
    return {**basics, "source_kind": source_kind, "condition_id": condition_id, "method": method,
            "max_unexecuted": max_unexecuted, "action": "", "quota": None}


def resolve_targets(session: DbSession, scope: data_scope.Scope, seat_work_nos: list[str],
                    org_ids: list[int]) -> list[MiningTaskTarget]:
    """执行目标 from 工号 and org ids: active seats and orgs inside the scope, else 404 and nothing kept."""
    work_nos = list(dict.fromkeys(w.strip() for w in seat_work_nos if w and w.strip()))
    org_ids = list(dict.fromkeys(org_ids))
    if len(work_nos) + len(org_ids) > MAX_TARGETS:
        raise ValidationFailed(f"执行目标最多 {MAX_TARGETS} 个")
    targets = []
    for work_no in work_nos:
        seat_id = session.scalar(select(User.id).where(User.work_no == work_no))
        if seat_id is None:
            raise NotFound(f"工号 {work_no} 不存在或不在您的管理范围内")
        seat = pool_services.seat_for_assignment(session, scope, seat_id)
        targets.append(MiningTaskTarget(seat_id=seat.id))
    for org_id in org_ids:
        if session.get(Org, org_id) is None or not data_scope.covers(session, scope, org_id):
            raise NotFound("目标组织不存在或不在您的管理范围内")
        targets.append(MiningTaskTarget(org_id=org_id))
    return targets


def create_task(session: DbSession, actor: User, scope: data_scope.Scope, data: TaskInput) -> MiningTask:
    """Create a draft task in the creator's org."""
    now = clock.now()
    task = MiningTask(**_clean(session, scope, data), org_id=actor.org_id, created_by_id=actor.id,
                      status=TaskStatus.DRAFT, created_at=now, updated_at=now)
    task.targets = resolve_targets(session, scope, data.seat_work_nos, data.org_ids)
    session.add(task)
    session.flush()
    return task


def _require_draft(task: MiningTask) -> None:
    if task.status != TaskStatus.DRAFT:
        raise Conflict(f"任务{task.status.label}，只有草稿可以修改")


def update_task(session: DbSession, scope: data_scope.Scope, task: MiningTask, data: TaskInput) -> None:
    _require_draft(task)
    for key, value in _clean(session, scope, data).items():
        setattr(task, key, value)
    task.targets = resolve_targets(session, scope, data.seat_work_nos, data.org_ids)
    if task.source_kind != SourceKind.FIXED:
        session.execute(delete(MiningTaskPick).where(MiningTaskPick.task_id == task.id))
    session.flush()


def delete_task(session: DbSession, task: MiningTask) -> None:
    _require_draft(task)
    session.execute(delete(MiningTaskPick).where(MiningTaskPick.task_id == task.id))
    session.delete(task)
    session.flush()


# --- fixed selection (固定选择客户), while in draft ---------------------------------------------------


def add_picks(session: DbSession, scope: data_scope.Scope, task: MiningTask, customer_ids: list[int]) -> int:
    """Add customers in scope to a draft fixed-source task's selection (one INSERT … SELECT)."""
    _require_draft(task)
    if task.source_kind != SourceKind.FIXED:
        raise ValidationFailed("只有固定选择来源的任务可以添加客户")
    wanted = sorted(set(customer_ids))
    if not wanted:
        raise ValidationFailed("请先勾选要加入任务来源的客户")
    if len(wanted) > MAX_PICKS_AT_ONCE:
        raise ValidationFailed(f"一次最多添加 {MAX_PICKS_AT_ONCE} 个客户")
    already = select(MiningTaskPick.customer_id).where(MiningTaskPick.task_id == task.id)
    source: Any = select(literal(task.id, Integer()), Customer.id)
    source = data_scope.apply(
        source.where(Customer.id.in_(wanted), Customer.id.not_in(already)),
        scope, Customer.service_org_id)
    result = session.execute(insert(MiningTaskPick).from_select(["task_id", "customer_id"], source))
    return int(result.rowcount)  # type: ignore[attr-defined]


def remove_picks(session: DbSession, task: MiningTask, customer_ids: list[int]) -> int:
    _require_draft(task)
    result = session.execute(delete(MiningTaskPick).where(MiningTaskPick.task_id == task.id,
                                                          MiningTaskPick.customer_id.in_(customer_ids)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def pick_count(session: DbSession, task_id: int) -> int:
    return int(session.scalar(select(func.count()).where(MiningTaskPick.task_id == task_id)) or 0)


def picked_customers(task_id: int) -> Select[Any]:
    return (select(Customer).join(MiningTaskPick, MiningTaskPick.customer_id == Customer.id)
            .where(MiningTaskPick.task_id == task_id).order_by(Customer.id))


def add_customer(session: DbSession, actor: User, task: MiningTask, customer_id: int) -> bool:
    """Put one customer into a task (a process step): a draft fixed selection gets a pick, a published task an
    item by its source's rules. False when it is already there or those rules leave it out."""
    if task.status == TaskStatus.CLOSED:
        raise ValidationFailed(f"数据挖掘任务“{task.name}”已关闭，不能再加入客户")
    if task.status == TaskStatus.DRAFT:
        if task.source_kind != SourceKind.FIXED:
            raise ValidationFailed(f"数据挖掘任务“{task.name}”是草稿且按条件生成来源，不能直接加入客户；请先发布")
        return add_picks(session, task_sources.creator_scope(session, task), task, [customer_id]) > 0
    return task_sources.add_customers(session, task, [customer_id], clock.now(), actor=actor) > 0


# --- publish and close --------------------------------------------------------------------------------


def publish(session: DbSession, actor: User, scope: data_scope.Scope, task: MiningTask) -> int:
    """发布: check the task is complete, fill its source (frozen for a fixed one); return the source size."""
    _require_draft(task)
    today = clock.today()
    if task.end_date < today:
        raise ValidationFailed("任务周期已结束，请先修改结束日期")
    if task.is_work and task.method not in WORK_METHODS:
        raise ValidationFailed("请在任务分配中选择分配方式（平均、随机或配额）和分配目标")
    if task.type != TaskType.RESERVICE and not task.targets:
        raise ValidationFailed("请至少添加一个执行目标（坐席工号或组织）")
    if task.type != TaskType.RESERVICE and not session.scalar(select(exists().where(
            User.id.in_(target_seat_ids(task.id))))):
        raise ValidationFailed("执行目标中没有在职坐席")
    if task.source_kind == SourceKind.FIXED and not pick_count(session, task.id):
        raise ValidationFailed("固定选择来源还没有客户，请先查询客户并加入任务来源")
    now = clock.now()
    task.status = TaskStatus.PUBLISHED
    task.published_at = now
    session.flush()
    added = task_sources.generate(session, task, now, actor=actor, scope=scope)
    audit.record(session, "mining.task.publish", task,
                 summary=f"发布{'工作任务' if task.is_work else '数据挖掘任务'}“{task.name}”，来源 {added} 个客户")
    return added


def close(session: DbSession, task: MiningTask) -> None:
    """关闭: no more draws, executions or source regeneration; what was executed stays."""
    if task.status == TaskStatus.CLOSED:
        raise Conflict("任务已关闭")
    if task.status == TaskStatus.DRAFT:
        raise ValidationFailed("草稿任务不需要关闭，可直接删除")
    task.status = TaskStatus.CLOSED
    task.closed_at = clock.now()
    session.flush()
    audit.record(session, "mining.task.close", task, summary=f"关闭数据挖掘任务“{task.name}”")


# --- counts for the lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    source: int = 0
    drawn: int = 0  # with a seat (drawn or assigned), executed or not
    executed: int = 0

    @property
    def percent(self) -> int:
        return int(self.executed * 100 / self.source) if self.source else 0


def counts(session: DbSession, task_ids: list[int]) -> dict[int, Counts]:
    """Source size, drawn/assigned and executed per task, in one grouped query."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(MiningTaskItem.task_id, func.count(),
               func.count(MiningTaskItem.seat_id),
               func.sum(case((MiningTaskItem.status == ItemStatus.DONE, 1), else_=0)))
        .where(MiningTaskItem.task_id.in_(task_ids)).group_by(MiningTaskItem.task_id))
    return {tid: Counts(int(n), int(drawn), int(done or 0)) for tid, n, drawn, done in rows}


@dataclass(frozen=True)
class SeatProgress:
    seat: User
    drawn: int
    executed: int
    quota: int | None = None  # 每人配额 (work tasks)

    @property
    def percent(self) -> int:
        return int(self.executed * 100 / self.drawn) if self.drawn else 0

    @property
    def quota_met(self) -> bool:
        """Executed at least the quota, or everything assigned when that is less."""
        return self.drawn > 0 and self.executed >= min(self.quota or self.drawn, self.drawn)


def seat_progress(session: DbSession, task: MiningTask) -> list[SeatProgress]:
    """完成情况 per seat: what each holds and executed; a work task also lists target seats holding nothing."""
    rows = {sid: (int(n), int(done or 0)) for sid, n, done in session.execute(
        select(MiningTaskItem.seat_id, func.count(),
               func.sum(case((MiningTaskItem.status == ItemStatus.DONE, 1), else_=0)))
        .where(MiningTaskItem.task_id == task.id, MiningTaskItem.seat_id.is_not(None))
        .group_by(MiningTaskItem.seat_id))}
    wanted = select(User).where(User.id.in_(list(rows)))
    if task.is_work:
        wanted = select(User).where(or_(User.id.in_(list(rows)), User.id.in_(target_seat_ids(task.id))))
    return sorted((SeatProgress(u, *rows.get(u.id, (0, 0)), task.quota) for u in session.scalars(wanted)),
                  key=lambda p: p.seat.work_no)


def items_query(task_id: int, status: str = "", seat_id: int | None = None) -> Select[Any]:
    stmt = select(MiningTaskItem).where(MiningTaskItem.task_id == task_id)
    if status in {s.value for s in ItemStatus}:
        stmt = stmt.where(MiningTaskItem.status == ItemStatus(status))
    if seat_id is not None:
        stmt = stmt.where(MiningTaskItem.seat_id == seat_id)
    return stmt.order_by(MiningTaskItem.id)
