"""Excused days (不计入考勤的日子): what the task calendar shows as complete whatever was done.

Public holidays (公休假期) excuse everyone; an attendance row excuses its user when its type's rule says
不计入考勤，视为完成 (公休, 请假, 病假, 事假 by default). Two queries, whatever the number of users and days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import and_, select

from app.admin.models import BaseDataItem
from app.database import DbSession
from app.hr.models import AttendanceDay, AttendanceTypeRule, PublicHoliday
from app.hr.types import ATTENDANCE_TYPE

HOLIDAY_REASON = "公休"


def excused(session: DbSession, user_ids: Sequence[int], start: date, end: date) -> dict[tuple[int, date], str]:
    """Return the (user, day) pairs from ``start`` to ``end`` inclusive that count as complete, with the reason.

    The reason is "公休" for a public holiday, else the attendance type's label ("请假", "病假" …); a user's own
    excused attendance row wins over a holiday on the same day.
    """
    users = list(dict.fromkeys(user_ids))
    if not users or end < start:
        return {}
    result: dict[tuple[int, date], str] = {}
    holidays = session.execute(select(PublicHoliday.start_date, PublicHoliday.end_date).where(
        PublicHoliday.start_date <= end, PublicHoliday.end_date >= start))
    for first, last in holidays:
        day = max(first, start)
        while day <= min(last, end):
            result.update(((user_id, day), HOLIDAY_REASON) for user_id in users)
            day += timedelta(days=1)
    rows = session.execute(
        select(AttendanceDay.user_id, AttendanceDay.day, AttendanceDay.type_code, BaseDataItem.label)
        .join(AttendanceTypeRule, and_(AttendanceTypeRule.type_code == AttendanceDay.type_code,
                                       AttendanceTypeRule.excused.is_(True)))
        .outerjoin(BaseDataItem, and_(BaseDataItem.dict_code == ATTENDANCE_TYPE,
                                      BaseDataItem.code == AttendanceDay.type_code))
        .where(AttendanceDay.user_id.in_(users), AttendanceDay.day >= start, AttendanceDay.day <= end))
    for user_id, day, code, label in rows:
        result[(user_id, day)] = label or code
    return result
