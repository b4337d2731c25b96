"""Service-task operation of mining tasks: 加入数据挖掘任务 — the process's customer becomes one more customer of a
task's source (a pick of a draft fixed selection, an item of a published task, by the task's own rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from app.customers.process_ops import CUSTOMER_PARAM, process_customer
from app.database import DbSession
from app.errors import Forbidden
from app.mining import tasks
from app.mining.task_models import MiningTask, MiningTaskItem, MiningTaskPick, TaskStatus
from app.org import scope as data_scope
from app.workflow.operation_params import register_choices
from app.workflow.operations import OperationContext, OperationFailed, Param, operation, record

MAX_CHOICES = 300


def _open_tasks(session: DbSession) -> list[tuple[Any, str]]:
    rows = session.execute(select(MiningTask.id, MiningTask.name, MiningTask.status)
                           .where(MiningTask.status != TaskStatus.CLOSED)
                           .order_by(MiningTask.id.desc()).limit(MAX_CHOICES))
    return [(task_id, f"{name}（{TaskStatus(status).label}）") for task_id, name, status in rows]


register_choices("mining_task", _open_tasks)


def _already_in(session: DbSession, task: MiningTask, customer_id: int) -> bool:
    model: Any = MiningTaskPick if task.status == TaskStatus.DRAFT else MiningTaskItem
    return bool(session.scalar(select(exists().where(model.task_id == task.id, model.customer_id == customer_id))))


@operation("mining.add_customer", "客户加入数据挖掘任务", {
    "task": Param("数据挖掘任务", "mining_task", required=True,
                  description="未关闭的任务；草稿须为固定选择来源，已发布的任务按其来源规则加入并分配坐席"),
    "customer": CUSTOMER_PARAM,
})
def add_customer(ctx: OperationContext, task: Any, customer: Any = None) -> dict[str, Any]:
    """Add the process's customer to a mining task the acting user reaches."""
    actor, target = process_customer(ctx, customer, "加入数据挖掘任务")
    found = ctx.session.get(MiningTask, task) if isinstance(task, int) and not isinstance(task, bool) else None
    if found is None:
        raise OperationFailed(f"数据挖掘任务“{task}”不存在（值应为任务 id）")
    scope = data_scope.scope_of(ctx.session, actor)
    if not (data_scope.covers(ctx.session, scope, found.org_id, found.created_by_id)
            or tasks.is_target(ctx.session, found.id, actor.id)):
        raise Forbidden(f"加入数据挖掘任务被拒绝：任务“{found.name}”不在{actor.name}的数据范围内")
    was_in = _already_in(ctx.session, found, target.id)
    added = not was_in and tasks.add_customer(ctx.session, actor, found, target.id)
    if was_in:
        outcome = "已在任务中"
    elif added:
        outcome = "已加入"
    else:
        outcome = "未加入（不在任务创建人的管理范围内，或已由其他坐席服务）"
    summary = f"客户 {target.name}（{target.number}）→ 任务“{found.name}”：{outcome}"
    record(ctx, actor, "加入数据挖掘任务", summary, found)
    return {"task_id": found.id, "customer_id": target.id, "added": bool(added), "already": was_in}
