"""Attendance operations: set a type for a user's days, mark approved leave (请假)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from app.database import DbSession
from app.errors import ValidationFailed
from app.hr.models import AttendanceDay
from app.hr.types import LEAVE, NORMAL

MAX_RANGE_DAYS = 366


def mark_range(session: DbSession, user_id: int, start: date, end: date, type_code: str, *, source: str = "",
               note: str = "") -> list[AttendanceDay]:
    """Set ``type_code`` for every day from ``start`` to ``end`` inclusive, replacing what those days had.

    正常 removes the rows instead (a day without a row is 正常) and returns no rows.
    """
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(f"考勤区间不能超过 {MAX_RANGE_DAYS} 天")
    in_range = (AttendanceDay.user_id == user_id, AttendanceDay.day >= start, AttendanceDay.day <= end)
    if type_code == NORMAL:
        session.execute(delete(AttendanceDay).where(*in_range).execution_options(synchronize_session="fetch"))
        session.flush()
        return []
    existing = {row.day: row for row in session.scalars(select(AttendanceDay).where(*in_range))}
    rows = []
    day = start
    while day <= end:
        row = existing.get(day)
        if row is None:
            row = AttendanceDay(user_id=user_id, day=day, type_code=type_code, source=source[:60], note=note[:200])
            session.add(row)
        else:
            row.type_code, row.source, row.note = type_code, source[:60], note[:200]
        rows.append(row)
        day += timedelta(days=1)
    session.flush()
    return rows


def mark_leave(session: DbSession, user_id: int, start: date, end: date, *, source: str, note: str = ""
               ) -> list[AttendanceDay]:
    """Record approved leave (请假) for every day of the range."""
    return mark_range(session, user_id, start, end, LEAVE, source=source, note=note)

