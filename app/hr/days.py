"""Excused days (不计入考勤的日子): what the task calendar shows as complete whatever was done.

The weekly rest days (parameter ``hr.rest_weekdays``, empty by default: every day is a working day) and public
holidays (公休假期) excuse everyone; an attendance row excuses its user when its type's rule says 不计入考勤，视为完成
(公休, 请假, 病假, 事假 by default). Two queries, whatever the number of users and days. The task calendar and the
dispatch plans' working days both read this, so a day off is off everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import and_, select

from app.admin import params
from app.admin.models import BaseDataItem
from app.database import DbSession
from app.hr.models import AttendanceDay, AttendanceTypeRule, PublicHoliday
from app.hr.types import ATTENDANCE_TYPE

HOLIDAY_REASON = "公休"
REST_REASON = "周末"
ISO_WEEKDAYS = {str(n) for n in range(1, 8)}
REST_WEEKDAYS = params.define(
    "hr.rest_weekdays", "str", "", "每周休息日",
    "每周固定休息的日子：1=周一 … 7=周日，用逗号分隔（如 6,7 为双休）；留空表示每天都是工作日。"
    "这些日子在任务日历上视为完成，工作计划也不在这些日子分摊目标", section="人事")


def rest_weekdays(session: DbSession) -> frozenset[int]:
    """The ISO weekdays (1 = Monday … 7 = Sunday) everyone rests on; parts that are not 1–7 are ignored."""
    raw = str(params.get(REST_WEEKDAYS, session) or "").replace("，", ",")
    return frozenset(int(part) for part in (p.strip() for p in raw.split(",")) if part in ISO_WEEKDAYS)


def excused(session: DbSession, user_ids: Sequence[int], start: date, end: date) -> dict[tuple[int, date], str]:
    """Return the (user, day) pairs from ``start`` to ``end`` inclusive that count as complete, with the reason.

    The reason is "周末" for a weekly rest day, "公休" for a public holiday, else the attendance type's
    label ("请假", "病假" …); a user's own excused attendance row wins over a holiday or rest day.
    """
    users = list(dict.fromkeys(user_ids))
    if not users or end < start:
        return {}
    result: dict[tuple[int, date], str] = {}
    rest = rest_weekdays(session)
    day = start
    while rest and day <= end:
        if day.isoweekday() in rest:
            result.update(((user_id, day), REST_REASON) for user_id in users)
        day += timedelta(days=1)
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
