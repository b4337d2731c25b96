"""Service-task operations of ``bpmn/oa_application.bpmn``: record a hop, finish, continue in a new segment.

They run inside the engine step that completes a handler task, in the same transaction, so the route
is recorded whichever screen or API completed the task.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import select

from app import clock, workflow
from app.admin import params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.hr import attendance
from app.oa.applications import LEAVE_TYPES, PROCESS_KEY, type_label
from app.oa.models import Application, ApplicationHop, ApplicationStatus, HandleResult
from app.signals import instance_cancelled
from app.workflow import subjects, views
from app.workflow.operations import OperationContext, operation


def _application(ctx: OperationContext) -> Application:
    application = ctx.session.get(Application, int(ctx.data["application_id"]))
    if application is None:
        raise LookupError(f"申请 {ctx.data['application_id']} 不存在")
    return application


def _open_hop(session: DbSession, application: Application) -> ApplicationHop:
    hop = session.scalar(select(ApplicationHop).where(ApplicationHop.application_id == application.id,
                                                      ApplicationHop.handled_at.is_(None))
                         .order_by(ApplicationHop.seq.desc()).limit(1))
    if hop is None:
        raise LookupError(f"申请 {application.id} 没有待处理的环节")
    return hop


@operation("oa.application.record_hop", "OA 申请：记录处理结果并转给下一处理人")
def record_hop(ctx: OperationContext) -> dict[str, Any]:
    application = _application(ctx)
    hop = _open_hop(ctx.session, application)
    outcome = str(ctx.data.get("outcome", ""))
    now = clock.now()
    hop.handled_at = now
    hop.handled_by_id = ctx.actor.id if ctx.actor is not None else None
    hop.handling = str(ctx.data.get("comment") or "")
    hop.result = str(ctx.data.get("result") or "")
    hop.action = outcome
    if outcome == "forward":
        next_handler = ctx.session.get(User, ctx.data.get("handler_id"))
        if next_handler is None or next_handler.status != UserStatus.ACTIVE:
            raise LookupError("下一处理人不存在或已离职")
        ctx.session.add(ApplicationHop(application_id=application.id, seq=hop.seq + 1, handler_id=next_handler.id,
                                       instance_id=ctx.instance.id, arrived_at=now))
        application.current_handler_id = next_handler.id
        application.hop_count = hop.seq + 1
    ctx.session.flush()
    return {"hop": hop.seq, "action": outcome}


@operation("oa.application.finish", "OA 申请：办结（请假类同意后记考勤）")
def finish(ctx: OperationContext) -> dict[str, Any]:
    application = _application(ctx)
    application.status = ApplicationStatus.COMPLETED
    application.result = str(ctx.data.get("result") or "")
    application.current_handler_id = None
    application.completed_at = clock.now()
    marked = 0
    if application.result == HandleResult.APPROVE and application.type_code in leave_types(ctx.session):
        marked = _mark_leave(ctx.session, application)
    ctx.session.flush()
    return {"result": application.result, "leave_days": marked}


def leave_types(session: DbSession) -> set[str]:
    return {code.strip() for code in str(params.get(LEAVE_TYPES, session)).split(",") if code.strip()}


def _mark_leave(session: DbSession, application: Application) -> int:
    details = application.details or {}
    try:
        start = date.fromisoformat(str(details["start_date"]))
        end = date.fromisoformat(str(details["end_date"]))
    except (KeyError, ValueError):
        return 0  # a leave type without dates: nothing to mark
    rows = attendance.mark_leave(session, application.applicant_id, start, end, source=application.business_key,
                                 note=application.title)
    return len(rows)


@operation("oa.application.continue", "OA 申请：流转次数达到单个实例上限时转入新流程段")
def continue_in_new_segment(ctx: OperationContext) -> dict[str, Any]:
    application = _application(ctx)
    segment = int(ctx.data.get("segment", 1)) + 1
    instance = workflow.start(
        ctx.session, PROCESS_KEY, business_key=application.business_key, title=ctx.instance.title,
        org_id=application.org_id, owner_id=application.applicant_id, actor=ctx.actor,
        data={"application_id": application.id, "handler_id": int(ctx.data["handler_id"]),
              "type_code": application.type_code, "segment": segment, "segment_hops": 0})
    _open_hop(ctx.session, application).instance_id = instance.id
    application.instance_id = instance.id
    ctx.session.flush()
    return {"instance_id": instance.id, "segment": segment}


@instance_cancelled.connect
def _application_cancelled(session: DbSession, instance: Any, **_kwargs: Any) -> None:
    """A cancelled OA process (流程监控 → 取消) cancels its application, so nobody waits for it."""
    if instance.process_key != PROCESS_KEY:
        return
    application = session.scalar(select(Application).where(Application.instance_id == instance.id))
    if application is not None and application.status == ApplicationStatus.PROCESSING:
        application.status = ApplicationStatus.CANCELLED
        application.current_handler_id = None
        application.completed_at = clock.now()
        session.flush()


def _summary(session: DbSession, ident: str) -> subjects.Subject | None:
    application = session.get(Application, int(ident)) if ident.isdigit() else None
    if application is None:
        return None
    return subjects.Subject(
        title=f"{type_label(session, application.type_code)} #{application.id} {application.title}",
        url=url_for("applications.detail", application_id=application.id),
        fields=[("申请人", f"{application.applicant.name}（{application.org.name}）"),
                ("申请描述", application.description[:200]),
                ("附件", f"{len(application.attachments)} 个"),
                ("已流转", " → ".join(hop.handler.name for hop in application.hops))])


subjects.register("oa_application", _summary)
# A segment ends at the 50th hop only because of the engine's task-tree depth: the applicant's diagram shows
# their application's route, not the hand-over to the next segment (bpmn/oa_application.bpmn).
views.hide_in_diagrams(PROCESS_KEY, ["next_segment", "continued", "f_next_segment", "f_continued"])
