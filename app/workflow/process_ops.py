"""The workflow's own designer-safe operations: 设置业务状态 (shown in lists) and 向其他流程发送消息 (the
gateway's message correlation), plus the role choices every ``role`` parameter offers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import Role
from app.database import DbSession
from app.errors import Forbidden
from app.org import scope as data_scope
from app.workflow import engine, runtime
from app.workflow.models import MessageSubscription, ProcessInstance
from app.workflow.operation_params import register_choices
from app.workflow.operations import (
    OperationContext,
    OperationFailed,
    Param,
    acting_user,
    check_instance_scope,
    fill,
    operation,
    record,
)

MAX_STATUS = 100


def _roles(session: DbSession) -> list[tuple[Any, str]]:
    return [(code, name) for code, name in session.execute(select(Role.code, Role.name).order_by(Role.id))]


register_choices("role", _roles)


@operation("workflow.set_business_status", "设置业务状态", {
    "status": Param("业务状态", "text", required=True,
                    description="如“待回访”“已回访”；显示在流程监控、流程实例页和客户 360 的相关流程中，"
                                "可用 {变量名} 引用流程变量"),
})
def set_business_status(ctx: OperationContext, status: Any) -> dict[str, Any]:
    """Set the business status lists show for this instance."""
    user = acting_user(ctx)
    check_instance_scope(ctx, user, "设置业务状态")
    text = fill(status, ctx.data).strip()[:MAX_STATUS]
    before = ctx.instance.business_status or "（无）"
    ctx.instance.business_status = text
    record(ctx, user, "设置业务状态", f"{before} → {text or '（无）'}")
    return {"business_status": text}


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise OperationFailed(f"{what}应为字典，如 {{\"project_id\": project_id}}，实际为 {value!r:.80}")
    return dict(value)


@operation("workflow.send_message", "向其他流程发送消息", {
    "message": Param("消息名称", "message", required=True,
                     description="接收流程的消息事件使用同一个名称，如 care_done"),
    "correlation": Param("关联字段", "expression",
                         description='字典，如 {"customer_id": customer_id}：只有同名变量值相同的等待流程收到；'
                                     "不填时发给所有不带关联字段等待该消息的流程"),
    "payload": Param("消息内容", "expression", description='字典，如 {"result": outcome}；接收流程把它存入消息变量'),
})
def send_message(ctx: OperationContext, message: Any, correlation: Any = None, payload: Any = None) -> dict[str, Any]:
    """Deliver a BPMN message to the instances waiting for it, each inside the acting user's data scope."""
    user = acting_user(ctx)
    name = str(message or "").strip()
    if not name:
        raise OperationFailed("消息名称为空")
    keys, body = _mapping(correlation, "关联字段"), _mapping(payload, "消息内容")
    scope = data_scope.scope_of(ctx.session, user)
    waiting = ctx.session.execute(
        select(ProcessInstance.id, ProcessInstance.org_id, ProcessInstance.owner_id)
        .join(MessageSubscription, MessageSubscription.instance_id == ProcessInstance.id)
        .where(MessageSubscription.message_name == name,
               MessageSubscription.correlation == engine.canonical_correlation(keys),
               ProcessInstance.id != ctx.instance.id)).all()
    for instance_id, org_id, owner_id in waiting:
        if not data_scope.covers(ctx.session, scope, org_id, owner_id):
            raise Forbidden(f"向其他流程发送消息被拒绝：等待消息“{name}”的流程 #{instance_id}"
                            f"不在{user.name}的数据范围内")
    delivered = runtime.send_message(ctx.session, name, keys, body, user, source_id=ctx.instance.id)
    shown = "、".join(f"#{i}" for i in delivered) or "无（已记入消息日志）"
    record(ctx, user, "向其他流程发送消息", f"消息“{name}”{keys or ''}，收到的流程：{shown}")
    return {"delivered_to": delivered}
