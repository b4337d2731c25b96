"""Service-task operations of notices: 通知用户 and 通知角色 — a system notice, popping up when urgent (紧急).

A role reaches the same people a lane of that role does: its active holders whose data scope covers the
process's business object (``app.workflow.routing.role_holders``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import Role
from app.notices import services
from app.notices.models import Audience, NoticeLevel
from app.workflow import routing
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
    user_of,
)

LEVEL_LABELS = {NoticeLevel.NORMAL.value: "普通（通知列表和状态栏）",
                NoticeLevel.URGENT.value: "紧急（弹窗提醒，须点“我已知悉”）"}
register_choices("notice_level", lambda _session: list(LEVEL_LABELS.items()))

_TEXT = {
    "title": Param("通知标题", "text", required=True,
                   description="可用 {变量名} 引用流程变量，如 客户满意度 {satisfaction} 分"),
    "body": Param("通知内容", "text", description="不填时与标题相同；可用 {变量名}"),
    "level": Param("级别", "notice_level",
                   description="紧急：接收人打开任何页面都会弹窗，直到点“我已知悉”；不填为普通"),
}


def _level(level: Any) -> NoticeLevel:
    try:
        return NoticeLevel(str(level or NoticeLevel.NORMAL.value))
    except ValueError as exc:
        raise OperationFailed(f"通知级别“{level}”无效（可选：普通 normal、紧急 urgent）") from exc


def _publish(ctx: OperationContext, label: str, people: list[Any], title: Any, body: Any, level: Any,
             to: str) -> dict[str, Any]:
    user = acting_user(ctx)
    check_instance_scope(ctx, user, label)
    heading = fill(title, ctx.data).strip()
    text = fill(body, ctx.data).strip() or heading
    notice = services.publish(ctx.session, user, title=heading, body=text, level=_level(level), major=False,
                              audience=Audience.USERS, user_ids=[p.id for p in people])
    names = "、".join(p.name for p in people[:20])
    record(ctx, user, label, f"{notice.level.label}通知“{heading}”发给{to} {len(people)} 人：{names}", notice)
    return {"notice_id": notice.id, "recipients": [p.id for p in people]}


@operation("notice.notify_user", "通知用户（系统通知 / 弹窗）", {
    "user": Param("接收人", "user", required=True,
                  description="得到用户 id（或用户名）的表达式，如 owner_id、initiator_id"),
    **_TEXT,
})
def notify_user(ctx: OperationContext, user: Any, title: Any, body: Any = "", level: Any = None) -> dict[str, Any]:
    """Send one person a notice."""
    recipient = user_of(ctx, user, "接收人")
    return _publish(ctx, "通知用户", [recipient], title, body, level, recipient.name)


@operation("notice.notify_role", "通知角色（系统通知 / 弹窗）", {
    "role": Param("接收角色", "role", required=True,
                  description="该角色中数据范围覆盖本流程业务对象的在职人员（与该角色泳道的办理人相同）"),
    **_TEXT,
})
def notify_role(ctx: OperationContext, role: Any, title: Any, body: Any = "", level: Any = None) -> dict[str, Any]:
    """Send a notice to the holders of a role who may act on this process's business object."""
    code = routing.role_codes(ctx.session).get(str(role or ""))
    if code is None:
        raise OperationFailed(f"接收角色“{role}”不是已知角色")
    name = ctx.session.scalar(select(Role.name).where(Role.code == code)) or code
    people = routing.role_holders(ctx.session, code, ctx.instance.org_id, ctx.instance.owner_id)
    if not people:
        raise OperationFailed(f"角色“{name}”中没有数据范围覆盖本流程业务对象的在职人员，通知无人接收")
    return _publish(ctx, "通知角色", people, title, body, level, f"“{name}”")
