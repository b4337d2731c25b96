"""Attendance operations: mark leave for a date range, read a user's attendance."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.database import DbSession
from app.errors import ValidationFailed
from app.hr.models import AttendanceDay, AttendanceKind

MAX_RANGE_DAYS = 366


def mark_range(session: DbSession, user_id: int, start: date, end: date, kind: AttendanceKind, *, source: str = "",
               note: str = "") -> list[AttendanceDay]:
    """Set ``kind`` for every day from ``start`` to ``end`` inclusive, replacing what those days had."""
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(f"考勤区间不能超过 {MAX_RANGE_DAYS} 天")
    existing = {row.day: row for row in session.scalars(select(AttendanceDay).where(
        AttendanceDay.user_id == user_id, AttendanceDay.day >= start, AttendanceDay.day <= end))}
    rows = []
    day = start
    while day <= end:
        row = existing.get(day)
        if row is None:
            row = AttendanceDay(user_id=user_id, day=day, kind=kind, source=source[:60], note=note[:200])
            session.add(row)
        else:
            row.kind, row.source, row.note = kind, source[:60], note[:200]
        rows.append(row)
        day += timedelta(days=1)
    session.flush()
    return rows


def mark_leave(session: DbSession, user_id: int, start: date, end: date, *, source: str, note: str = ""
               ) -> list[AttendanceDay]:
    """Record approved leave (请假) for every day of the range."""
    return mark_range(session, user_id, start, end, AttendanceKind.LEAVE, source=source, note=note)


def attendance(session: DbSession, user_id: int, start: date, end: date) -> dict[date, AttendanceKind]:
    """Return the non-normal days of a user in a range; missing days are 正常."""
    rows = session.execute(select(AttendanceDay.day, AttendanceDay.kind).where(
        AttendanceDay.user_id == user_id, AttendanceDay.day >= start, AttendanceDay.day <= end))
    return {day: AttendanceKind(kind) for day, kind in rows}
