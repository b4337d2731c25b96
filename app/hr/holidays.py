"""Public holidays (公休假期维护): single days or ranges for everyone; ranges never overlap.

Holidays are company-wide, so they carry no data scope. On PostgreSQL a transaction-level advisory lock
makes the overlap check and the write one step; SQLite serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from app.auth.models import User
from app.database import DbSession, is_postgres
from app.errors import Conflict, NotFound, ValidationFailed
from app.hr.models import PublicHoliday

MAX_DAYS = 31  # longer than any statutory holiday with its bridging days (春节 at most 9)
NAME_MAX = 40
NOTE_MAX = 200
ADVISORY_KEY = 7_340_213  # pg_advisory_xact_lock key of holiday writes


def in_year(year: int) -> Select[Any]:
    """Holidays touching a calendar year, in date order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return (select(PublicHoliday).where(PublicHoliday.start_date <= last, PublicHoliday.end_date >= first)
            .order_by(PublicHoliday.start_date))


def years(session: DbSession, around: int) -> list[int]:
    """Years that have holidays, plus the given one and the next (to plan ahead), newest first."""
    found = session.execute(select(func.min(PublicHoliday.start_date), func.max(PublicHoliday.end_date))).one()
    low = min(found[0].year if found[0] else around, around)
    high = max(found[1].year if found[1] else around, around + 1)
    return list(range(high, low - 1, -1))


def get(session: DbSession, holiday_id: int) -> PublicHoliday:
    holiday = session.get(PublicHoliday, holiday_id)
    if holiday is None:
        raise NotFound("公休假期不存在")
    return holiday


def _check(session: DbSession, name: str, start: date | None, end: date | None, note: str,
           holiday_id: int | None) -> tuple[str, date, date, str]:
    name, note = (name or "").strip(), (note or "").strip()
    if not name:
        raise ValidationFailed("请填写假期名称")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"假期名称不能超过 {NAME_MAX} 个字符")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"备注不能超过 {NOTE_MAX} 个字符")
    if start is None:
        raise ValidationFailed("请选择开始日期")
    end = end or start
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"一段公休假期最长 {MAX_DAYS} 天，请分段维护")
    if is_postgres():
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_KEY)))
    clash = session.scalar(select(PublicHoliday).where(
        PublicHoliday.start_date <= end, PublicHoliday.end_date >= start, PublicHoliday.id != (holiday_id or 0))
        .order_by(PublicHoliday.start_date).limit(1))
    if clash is not None:
        raise Conflict(f"与已有公休假期“{clash.name}”（{describe(clash)}）重叠，请调整日期或修改原假期")
    return name, start, end, note


def describe(holiday: PublicHoliday) -> str:
    """Say a holiday's dates in Chinese: one day, or a range with its length."""
    if holiday.start_date == holiday.end_date:
        return holiday.start_date.isoformat()
    return f"{holiday.start_date.isoformat()} 至 {holiday.end_date.isoformat()}，共 {days(holiday)} 天"


def days(holiday: PublicHoliday) -> int:
    return (holiday.end_date - holiday.start_date).days + 1


def create(session: DbSession, actor: User, name: str, start: date | None, end: date | None = None,
           note: str = "") -> PublicHoliday:
    """Add a holiday (one day when ``end`` is empty); refuse one overlapping another."""
    name, start, end, note = _check(session, name, start, end, note, None)
    holiday = PublicHoliday(name=name, start_date=start, end_date=end, note=note, created_by_id=actor.id)
    session.add(holiday)
    session.flush()
    return holiday


def update(session: DbSession, holiday: PublicHoliday, name: str, start: date | None, end: date | None = None,
           note: str = "") -> None:
    """Change a holiday's name, dates or note under the same rules as a new one."""
    holiday.name, holiday.start_date, holiday.end_date, holiday.note = _check(session, name, start, end, note,
                                                                              holiday.id)
    session.flush()


def delete(session: DbSession, holiday: PublicHoliday) -> None:
    session.delete(holiday)
    session.flush()


EXPORT_HEADERS = ("假期名称", "开始日期", "结束日期", "天数", "备注")


def export_rows(session: DbSession, year: int) -> Iterator[list[Any]]:
    for holiday in session.scalars(in_year(year)):
        yield [holiday.name, holiday.start_date, holiday.end_date, days(holiday), holiday.note]
