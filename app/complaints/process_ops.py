"""Service-task operations of ``bpmn/complaint.bpmn`` (投诉处理) and what a complaint's task shows.

Each runs inside the engine step that reaches it, in the same transaction: 分派 when the complaint is filed (or
returned), 提交处理结果 and 结案/退回 inside the handler's or head's task completion, 升级 inside the scheduler's
timer run. A refusal (a sixth return) raises a domain error: the head sees why and nothing moves.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, select

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.complaints import services
from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintSeverity, ComplaintStatus
from app.errors import ValidationFailed
from app.notices import services as notices
from app.notices.models import Audience, NoticeLevel
from app.workflow import routing, store, subjects
from app.workflow.operations import OperationContext, OperationFailed, acting_user, operation

MAX_RETURNS = 5
HEAD_ROLE = "dept_head"
_RAISED = {ComplaintSeverity.NORMAL: ComplaintSeverity.SERIOUS, ComplaintSeverity.SERIOUS: ComplaintSeverity.CRITICAL,
           ComplaintSeverity.CRITICAL: ComplaintSeverity.CRITICAL}


def _complaint(ctx: OperationContext) -> Complaint:
    complaint = ctx.session.get(Complaint, int(ctx.data["complaint_id"]))
    if complaint is None:
        raise OperationFailed(f"投诉 {ctx.data.get('complaint_id')} 不存在")
    return complaint


def _note(ctx: OperationContext, user: User | None, text: str) -> None:
    store.add_event(ctx.session, ctx.instance.id, "operation", user.id if user else None, user.name if user else "系统",
                    element_id=ctx.element_id[:100], task_name=ctx.element_name[:200], comment=text[:1000])


def choose_handler(session: Any, complaint: Complaint) -> User | None:
    """The category's role holders covering the complaint (in the category's department when it names one): the
    customer's serving seat when he is one of them, else the one with the fewest open complaints."""
    category = complaint.category
    org_id = category.org_id or complaint.org_id
    seat_id = complaint.customer.service_seat_id
    people = routing.role_holders(session, category.handler_role, org_id, seat_id)
    if not people:
        return None
    for person in people:
        if person.id == seat_id:
            return person
    load = dict(session.execute(select(Complaint.handler_id, func.count()).where(
        Complaint.handler_id.in_([p.id for p in people]), Complaint.status.in_(OPEN_STATUSES))
        .group_by(Complaint.handler_id)).all())
    return min(people, key=lambda p: (load.get(p.id, 0), p.id))


@operation("complaint.assign", "投诉处理：按投诉类别分派处理人")
def assign(ctx: OperationContext) -> dict[str, Any]:
    complaint = _complaint(ctx)
    handler = choose_handler(ctx.session, complaint)
    if handler is None:
        raise ValidationFailed(f"投诉类别“{complaint.category.name}”的处理角色中没有能处理该客户投诉的在职人员，"
                               "请联系管理员调整投诉类别")
    complaint.handler_id = handler.id
    ctx.session.flush()
    _note(ctx, ctx.actor, f"分派给 {handler.name}（{complaint.category.name}）")
    return {"handler_id": handler.id, "handler_name": handler.name}


@operation("complaint.submit_result", "投诉处理：提交处理结果，待主管审核")
def submit_result(ctx: OperationContext) -> dict[str, Any]:
    complaint = _complaint(ctx)
    result = str(ctx.data.get("result") or "").strip()
    if not result:
        raise ValidationFailed("请填写处理结果")
    complaint.result = result[:4000]
    complaint.status = ComplaintStatus.REVIEWING
    ctx.session.flush()
    return {"status": complaint.status.value}


@operation("complaint.return", "投诉处理：主管退回处理人重新处理")
def return_to_handler(ctx: OperationContext) -> str:
    complaint = _complaint(ctx)
    if complaint.return_count >= MAX_RETURNS:
        raise ValidationFailed(f"该投诉已退回 {MAX_RETURNS} 次，不能再退回；请通过结案或线下协调处理")
    complaint.return_count += 1
    complaint.status = ComplaintStatus.HANDLING
    ctx.session.flush()
    return str(ctx.data.get("comment") or "")


@operation("complaint.close", "投诉处理：审核通过，结案")
def close(ctx: OperationContext) -> dict[str, Any]:
    complaint = _complaint(ctx)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = clock.now()
    ctx.session.flush()
    return {"status": complaint.status.value}


@operation("complaint.escalate", "投诉处理：超过处理时限，升级投诉并通知部门主管")
def escalate(ctx: OperationContext) -> dict[str, Any]:
    """Mark the complaint 已升级 (one level more each time its SLA runs out), raise its severity and send the heads
    covering it an urgent notice. The handler's task stays where it is."""
    complaint = _complaint(ctx)
    if not complaint.is_open:
        return {"level": complaint.escalation_level, "skipped": True}
    complaint.escalated = True
    complaint.escalation_level += 1
    complaint.escalated_at = clock.now()
    complaint.severity = _RAISED[complaint.severity]
    ctx.session.flush()
    heads = routing.role_holders(ctx.session, HEAD_ROLE, complaint.org_id, None)
    notified: list[int] = []
    if heads:
        publisher = acting_user(ctx)
        handler = complaint.handler.name if complaint.handler else "未分派"
        notice = notices.publish(
            ctx.session, publisher, level=NoticeLevel.URGENT, major=False, audience=Audience.USERS,
            user_ids=[h.id for h in heads],
            title=f"投诉 {complaint.number} 超过处理时限，已升级（第 {complaint.escalation_level} 级）",
            body=f"客户 {complaint.customer.name} 的{complaint.category.name}投诉已超过处理时限，"
                 f"处理人 {handler}，严重程度升为{complaint.severity.label}，请督办。")
        notified = [h.id for h in heads]
        audit.record(ctx.session, "complaint.escalate", complaint,
                     summary=f"投诉 {complaint.number} 超时升级至第 {complaint.escalation_level} 级，"
                             f"通知 {len(heads)} 位主管（通知 #{notice.id}）")
    else:
        audit.record(ctx.session, "complaint.escalate", complaint,
                     summary=f"投诉 {complaint.number} 超时升级至第 {complaint.escalation_level} 级"
                             "（没有可通知的主管）")
    _note(ctx, None, f"超过处理时限，升级为第 {complaint.escalation_level} 级，严重程度{complaint.severity.label}，"
                     f"通知主管 {len(notified)} 人")
    return {"level": complaint.escalation_level, "notified": notified}


def _summary(session: Any, ident: str) -> subjects.Subject | None:
    complaint = session.get(Complaint, int(ident)) if ident.isdigit() else None
    if complaint is None:
        return None
    return subjects.Subject(
        title=f"投诉 {complaint.number} · {complaint.customer.name}", kind="投诉", link_label="投诉详情",
        url=url_for("complaints.detail", complaint_id=complaint.id),
        fields=[("投诉类别", complaint.category.name), ("渠道", complaint.channel.label),
                ("严重程度", complaint.severity.label), ("状态", complaint.status.label),
                ("处理时限", f"{clock.local(complaint.due_at):%Y-%m-%d %H:%M}"),
                ("升级", f"已升级（第 {complaint.escalation_level} 级）" if complaint.escalated else "未升级"),
                ("投诉内容", complaint.content[:800])])


subjects.register(services.BUSINESS_PREFIX, _summary)
