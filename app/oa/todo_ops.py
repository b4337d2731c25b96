"""Service-task operation of to-dos: 创建待办事项 for an employee (shown under 待办事项 → 我的待办)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app import clock
from app.oa import todos
from app.oa.models import TodoUrgency
from app.workflow.operations import (
    OperationContext,
    OperationFailed,
    Param,
    acting_user,
    check_instance_scope,
    fill,
    operation,
    record,
    user_of,
)

MAX_DAYS = 366


@operation("oa.todo.create", "创建待办事项", {
    "user": Param("执行人", "user", required=True, description="得到用户 id（或用户名）的表达式，如 owner_id"),
    "title": Param("事项", "text", required=True, description="可用 {变量名} 引用流程变量"),
    "content": Param("说明", "text", description="可用 {变量名}"),
    "urgency": Param("紧急程度", "choice", options=tuple((u.value, u.label) for u in TodoUrgency),
                     description="不填为一般"),
    "due_days": Param("几天内完成", "expression", description="整数天数，0 为今天；不填为 1"),
})
def create(ctx: OperationContext, user: Any, title: Any, content: Any = "", urgency: Any = None,
           due_days: Any = 1) -> dict[str, Any]:
    """Give an employee a to-do from a process step, as the user whose action ran it."""
    giver = acting_user(ctx)
    assignee = user_of(ctx, user, "执行人")
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 0 <= due_days <= MAX_DAYS:
        raise OperationFailed(f"“几天内完成”应为 0 到 {MAX_DAYS} 的整数，实际为 {due_days!r:.40}")
    try:
        level = TodoUrgency(str(urgency or TodoUrgency.NORMAL.value))
    except ValueError as exc:
        raise OperationFailed(f"紧急程度“{urgency}”无效") from exc
    check_instance_scope(ctx, giver, "创建待办事项")
    todo = todos.give_from_process(ctx.session, giver, assignee, title=fill(title, ctx.data),
                                   content=fill(content, ctx.data), urgency=level,
                                   due_date=clock.today() + timedelta(days=due_days))
    summary = f"给{assignee.name}：{todo.title}（{todo.urgency.label}，{todo.due_date:%Y-%m-%d} 前完成）"
    record(ctx, giver, "创建待办事项", summary, object_type="oa_todo", object_id=todo.id)
    return {"todo_id": todo.id}
