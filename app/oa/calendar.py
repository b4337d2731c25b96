"""Work calendar (行事历): plans and reports per day, week or month.

Everyone keeps their own; besides it a user sees exactly the calendars of their direct superior and
direct subordinates (``User.superior_id``) — nobody else's, whatever their data scope.
"""

from __future__ import annotations

import calendar as monthdays
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import User, UserStatus
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.oa.models import CalendarEntry, CalendarKind, CalendarPeriod

MAX_SPAN_DAYS = 93  # a feed request covers at most about a quarter


def period_range(period: CalendarPeriod, day: date) -> tuple[date, date]:
    """The first and last day of the day, Monday–Sunday week or month containing ``day``."""
    if period == CalendarPeriod.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == CalendarPeriod.MONTH:
        return day.replace(day=1), day.replace(day=monthdays.monthrange(day.year, day.month)[1])
    return day, day


def related_people(session: DbSession, user: User) -> list[tuple[str, User]]:
    """The other calendars a user may open: (relation, person) for the superior and each subordinate."""
    people: list[tuple[str, User]] = []
    if user.superior is not None and user.superior.status == UserStatus.ACTIVE:
        people.append(("直属上级", user.superior))
    for subordinate in session.scalars(select(User).where(User.superior_id == user.id,
                                                          User.status == UserStatus.ACTIVE).order_by(User.work_no)):
        people.append(("直属下级", subordinate))
    return people


def calendar_owner(session: DbSession, viewer: User, owner_id: int | None) -> User:
    """The person whose calendar the viewer opens: themselves, or a related person; others look missing."""
    if owner_id is None or owner_id == viewer.id:
        return viewer
    for _relation, person in related_people(session, viewer):
        if person.id == owner_id:
            return person
    raise NotFound("行事历不存在或您无权查看")


def entries(session: DbSession, owner: User, start: date, end: date) -> list[CalendarEntry]:
    """Entries of one calendar overlapping [start, end]."""
    if end < start or (end - start).days > MAX_SPAN_DAYS:
        raise ValidationFailed("查询的日期范围无效")
    return list(session.scalars(select(CalendarEntry).where(
        CalendarEntry.user_id == owner.id, CalendarEntry.start_date <= end, CalendarEntry.end_date >= start)
        .order_by(CalendarEntry.start_date, CalendarEntry.id)))


def _text(title: str, content: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写标题")
    if len(title) > 100 or len(content or "") > 5000:
        raise ValidationFailed("标题不能超过 100 字，内容不能超过 5000 字")
    return title, (content or "").strip()


def create_entry(session: DbSession, user: User, *, kind: CalendarKind, period: CalendarPeriod, day: date,
                 title: str, content: str = "") -> CalendarEntry:
    """Add a plan or report to the user's own calendar."""
    title, content = _text(title, content)
    start, end = period_range(period, day)
    entry = CalendarEntry(user_id=user.id, kind=kind, period=period, start_date=start, end_date=end, title=title,
                          content=content)
    session.add(entry)
    session.flush()
    return entry


def own_entry(session: DbSession, user: User, entry_id: int) -> CalendarEntry:
    """An entry of the user's own calendar; entries of others can be read, never changed."""
    entry = session.get(CalendarEntry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound("行事历条目不存在或您无权修改")
    return entry


def update_entry(session: DbSession, entry: CalendarEntry, *, kind: CalendarKind, period: CalendarPeriod, day: date,
                 title: str, content: str = "") -> None:
    entry.title, entry.content = _text(title, content)
    entry.kind, entry.period = kind, period
    entry.start_date, entry.end_date = period_range(period, day)
    session.flush()


def delete_entry(session: DbSession, entry: CalendarEntry) -> None:
    session.delete(entry)
    session.flush()
