"""申请监控: the filtered, scoped query over every submitted application, its age, and the route as
shown on the process diagram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.models import User
from app.oa.models import RESULT_LABELS, Application, ApplicationHop, ApplicationStatus
from app.org import scope as data_scope
from app.org.scope import Scope

ROUTE_NOTE_LINES = 8  # the diagram shows the newest hops of the segment


@dataclass(frozen=True)
class Filters:
    type_code: str = ""
    status: str = ""
    text: str = ""  # title or applicant name / 工号
    handler: str = ""  # anyone on the route, by name / 工号
    start: date | None = None  # submitted on or after
    end: date | None = None  # submitted on or before


def parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def query(scope: Scope, filters: Filters) -> Select[Any]:
    """Submitted applications inside the monitor's scope, newest first."""
    stmt = (select(Application).where(Application.status != ApplicationStatus.DRAFT)
            .options(selectinload(Application.hops).joinedload(ApplicationHop.handler)))
    stmt = data_scope.apply(stmt, scope, Application.org_id, Application.applicant_id)
    if filters.type_code:
        stmt = stmt.where(Application.type_code == filters.type_code)
    if filters.status in {s.value for s in ApplicationStatus}:
        stmt = stmt.where(Application.status == filters.status)
    if filters.text:
        applicants = select(User.id).where(or_(User.name.contains(filters.text, autoescape=True),
                                               User.work_no == filters.text))
        stmt = stmt.where(or_(Application.title.contains(filters.text, autoescape=True),
                              Application.applicant_id.in_(applicants)))
    if filters.handler:
        people = select(User.id).where(or_(User.name.contains(filters.handler, autoescape=True),
                                           User.work_no == filters.handler))
        stmt = stmt.where(exists().where(ApplicationHop.application_id == Application.id,
                                         ApplicationHop.handler_id.in_(people)))
    if filters.start:
        stmt = stmt.where(Application.submitted_at >= datetime.combine(filters.start, time.min, tzinfo=clock.SHANGHAI))
    if filters.end:
        stmt = stmt.where(Application.submitted_at < datetime.combine(filters.end + timedelta(days=1), time.min,
                                                                      tzinfo=clock.SHANGHAI))
    return stmt.order_by(Application.submitted_at.desc(), Application.id.desc())


def age(application: Application, now: datetime) -> str:
    """How long the application has been (or was) in process: 2天3小时, 45分钟 …"""
    if application.submitted_at is None:
        return ""
    seconds = int(((application.completed_at or now) - application.submitted_at).total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{rest // 60}分钟"
    return f"{max(rest // 60, 1)}分钟"


def result_label(code: str) -> str:
    return RESULT_LABELS.get(code, code)


def route_notes(application: Application, instance_id: int) -> list[str]:
    """The hops of one process segment as lines written next to the handler task on the diagram."""
    hops = [hop for hop in application.hops if hop.instance_id == instance_id]
    lines = []
    for hop in hops[-ROUTE_NOTE_LINES:]:
        if hop.handled_at is None:
            lines.append(f"{hop.seq}. {hop.handler.name} · 处理中")
        else:
            who = hop.handler.name if hop.handled_by_id in (None, hop.handler_id) else \
                f"{hop.handled_by.name if hop.handled_by else ''}（代 {hop.handler.name}）"
            lines.append(f"{hop.seq}. {who} · {result_label(hop.result)} · {hop.action_label}")
    hidden = len(hops) - len(lines)
    if hidden > 0:
        lines.insert(0, f"…此前 {hidden} 次流转见流转记录")
    return lines
