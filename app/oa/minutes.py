"""Meeting minutes (会议纪要): title, date, place, attendees, content and decisions; follow-up items
become to-dos (app/oa/todos.py). Visible to the author, the attendees and managers whose data scope
covers the author's org."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select

from app.auth.models import User
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.oa.models import Minutes, minutes_attendees
from app.org import scope as data_scope
from app.org.scope import Scope
from app.workflow import people


def attendee_choices(session: DbSession, author: User) -> list[User]:
    """Who can be recorded as attending: active employees of the author's 分公司 and head office."""
    return people.active_in_branch(session, author.org)


def _attendees(session: DbSession, author: User, ids: list[int]) -> list[User]:
    allowed = {u.id: u for u in attendee_choices(session, author)}
    unknown = [i for i in ids if i not in allowed]
    if unknown:
        raise ValidationFailed("参会人员须为本分公司或总部的在职员工")
    return [allowed[i] for i in dict.fromkeys(ids)]


def _clean(title: str, location: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写会议主题")
    return title[:200], (location or "").strip()[:100]


def create(session: DbSession, author: User, *, title: str, meeting_date: date, location: str,
           attendee_ids: list[int], content: str, decisions: str) -> Minutes:
    """Record the minutes of a meeting."""
    title, location = _clean(title, location)
    minutes = Minutes(title=title, meeting_date=meeting_date, location=location, content=(content or "").strip(),
                      decisions=(decisions or "").strip(), org_id=author.org_id, created_by_id=author.id)
    minutes.attendees = _attendees(session, author, attendee_ids)
    session.add(minutes)
    session.flush()
    return minutes


def update(session: DbSession, minutes: Minutes, author: User, *, title: str, meeting_date: date, location: str,
           attendee_ids: list[int], content: str, decisions: str) -> None:
    """Change minutes; only their author may."""
    ensure_author(minutes, author)
    minutes.title, minutes.location = _clean(title, location)
    minutes.meeting_date = meeting_date
    minutes.content, minutes.decisions = (content or "").strip(), (decisions or "").strip()
    minutes.attendees = _attendees(session, author, attendee_ids)
    session.flush()


def ensure_author(minutes: Minutes, user: User) -> None:
    if minutes.created_by_id != user.id:
        raise NotFound("纪要不存在或您无权修改")


def visible_condition(user: User, scope: Scope | None) -> ColumnElement[bool]:
    attended = exists().where(minutes_attendees.c.minutes_id == Minutes.id, minutes_attendees.c.user_id == user.id)
    managed = data_scope.org_condition(scope, Minutes.org_id, Minutes.created_by_id) if scope is not None else false()
    return or_(Minutes.created_by_id == user.id, attended, managed)


def get_visible(session: DbSession, user: User, minutes_id: int, scope: Scope | None) -> Minutes:
    minutes = session.scalar(select(Minutes).where(Minutes.id == minutes_id, visible_condition(user, scope)))
    if minutes is None:
        raise NotFound("纪要不存在或您无权查看")
    return minutes


def listing(user: User, scope: Scope | None, text: str = "") -> Select[Any]:
    stmt = select(Minutes).where(visible_condition(user, scope))
    if text:
        stmt = stmt.where(or_(Minutes.title.contains(text, autoescape=True),
                              Minutes.decisions.contains(text, autoescape=True)))
    return stmt.order_by(Minutes.meeting_date.desc(), Minutes.id.desc())
