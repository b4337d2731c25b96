"""Service-task operation of instant messages: 发送即时消息 from the acting user to a colleague."""

from __future__ import annotations

from typing import Any

from app.chat import services
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


@operation("chat.send", "发送即时消息", {
    "user": Param("接收人", "user", required=True, description="得到用户 id（或用户名）的表达式，如 owner_id"),
    "body": Param("消息内容", "text", required=True, description="可用 {变量名} 引用流程变量"),
})
def send(ctx: OperationContext, user: Any, body: Any) -> dict[str, Any]:
    """Send an instant message as the user whose action ran the step (the owner when a timer ran it)."""
    sender = acting_user(ctx)
    recipient = user_of(ctx, user, "接收人")
    if recipient.id == sender.id:
        raise OperationFailed(f"接收人就是发送人{sender.name}自己，不能给自己发送即时消息")
    check_instance_scope(ctx, sender, "发送即时消息")
    message = services.send(ctx.session, sender, recipient.id, fill(body, ctx.data))
    record(ctx, sender, "发送即时消息", f"发给{recipient.name}：{message.body[:100]}",
           object_type="chat_message", object_id=message.id)
    return {"message_id": message.id}
