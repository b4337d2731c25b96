"""Attendance (用户考勤): set a type for a user's days (HR's 用户考勤维护 and approved OA leave), list and export.

A day without a row is 正常. HR records within its data scope and no further ahead than the parameter
``hr.attendance_max_future_days``; approved leave (请假) is written whatever its dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from app import clock
from app.admin import params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.errors import ValidationFailed
from app.hr import types
from app.hr.models import AttendanceDay
from app.org import scope as data_scope
from app.org.models import Org

MAX_RANGE_DAYS = 366
NOTE_MAX = 200
MAX_FUTURE_DAYS = params.define("hr.attendance_max_future_days", "int", 31, "考勤可提前登记天数",
                                "用户考勤维护最多可登记到今天之后多少天（请假申请批准后写入的考勤不受限）", "人事",
                                minimum=0)


def mark_range(session: DbSession, user_id: int, start: date, end: date, type_code: str, *, source: str = "",
               note: str = "") -> list[AttendanceDay]:
    """Set ``type_code`` for every day from ``start`` to ``end`` inclusive, replacing what those days had.

    正常 removes the rows instead (a day without a row is 正常) and returns no rows.
    """
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(f"考勤区间不能超过 {MAX_RANGE_DAYS} 天")
    # One writer per user at a time, so two recordings of the same days never race on the unique key.
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    existing = {row.day: row for row in session.scalars(select(AttendanceDay).where(
        AttendanceDay.user_id == user_id, AttendanceDay.day >= start, AttendanceDay.day <= end))}
    if type_code == types.NORMAL:
        for row in existing.values():
            session.delete(row)
        session.flush()
        return []
    rows = []
    day = start
    while day <= end:
        row = existing.get(day) or AttendanceDay(user_id=user_id, day=day)
        if row.id is None:
            session.add(row)
        row.type_code, row.source, row.note = type_code, source[:60], note[:200]
        rows.append(row)
        day += timedelta(days=1)
    session.flush()
    return rows


def mark_leave(session: DbSession, user_id: int, start: date, end: date, *, source: str, note: str = ""
               ) -> list[AttendanceDay]:
    """Record approved leave (请假) for every day of the range."""
    return mark_range(session, user_id, start, end, types.LEAVE, source=source, note=note)


# --- 用户考勤维护 -----------------------------------------------------------------------------------------


def latest_allowed_day(session: DbSession) -> date:
    """Return the last day HR may record attendance for today."""
    return clock.today() + timedelta(days=int(params.get(MAX_FUTURE_DAYS, session)))


def user_in_scope(session: DbSession, scope: data_scope.Scope, user_id: int | None) -> User:
    """Return a user inside the scope; out of scope looks exactly like missing."""
    user = session.get(User, user_id) if user_id else None
    if user is None or not data_scope.covers(session, scope, user.org_id, user.id):
        raise ValidationFailed("请选择您管理范围内的员工")
    return user


def record(session: DbSession, actor: User, scope: data_scope.Scope, user_id: int | None, start: date | None,
           end: date | None, type_code: str, note: str = "") -> tuple[date, date]:
    """Set a type (正常 clears) for a user's day or range on HR's behalf; return the range set."""
    user = user_in_scope(session, scope, user_id)
    if start is None:
        raise ValidationFailed("请选择考勤日期")
    end = end or start
    item = types.require_type(session, type_code)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"备注不能超过 {NOTE_MAX} 个字符")
    latest = latest_allowed_day(session)
    if end > latest:
        raise ValidationFailed(f"{item.label}的日期不能晚于 {latest.isoformat()}：考勤最多可提前 "
                               f"{(latest - clock.today()).days} 天登记")
    mark_range(session, user.id, start, end, type_code, source=f"hr:{actor.username}", note=note)
    return start, end


@dataclass(frozen=True)
class AttendanceFilter:
    org_id: int | None = None
    user_id: int | None = None
    start: date | None = None
    end: date | None = None
    type_code: str = ""


def search(scope: data_scope.Scope, f: AttendanceFilter) -> Select[Any]:
    """Attendance rows (their user and org loaded) inside the scope, matching the filter, newest day first."""
    conditions = [data_scope.org_condition(scope, User.org_id, User.id)]
    if f.org_id:
        conditions.append(Org.path.startswith(select(Org.path).where(Org.id == f.org_id).scalar_subquery()))
    if f.user_id:
        conditions.append(AttendanceDay.user_id == f.user_id)
    if f.start:
        conditions.append(AttendanceDay.day >= f.start)
    if f.end:
        conditions.append(AttendanceDay.day <= f.end)
    if f.type_code:
        conditions.append(AttendanceDay.type_code == f.type_code)
    # The explicit join filters; the row's own user (and the user's org) arrive through the joined relationship.
    return (select(AttendanceDay).join(User, User.id == AttendanceDay.user_id).join(Org, Org.id == User.org_id)
            .where(*conditions).order_by(AttendanceDay.day.desc(), User.work_no))


def count(session: DbSession, stmt: Select[Any]) -> int:
    """Count the rows of a :func:`search`."""
    return int(session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(AttendanceDay.id).order_by(None).subquery())) or 0)


def users_in_scope(session: DbSession, scope: data_scope.Scope) -> list[User]:
    """Active employees HR may record attendance for."""
    stmt = data_scope.apply(select(User).where(User.status == UserStatus.ACTIVE), scope, User.org_id, User.id)
    return list(session.scalars(stmt.order_by(User.work_no)))


def source_label(source: str) -> str:
    """Say in Chinese what wrote a row: an approved leave application or HR."""
    if source.startswith("oa_application:"):
        return "请假申请"
    return "人事维护" if source.startswith("hr:") else (source or "—")


EXPORT_HEADERS = ("日期", "工号", "姓名", "组织", "考勤类型", "视为完成", "备注", "来源", "登记时间")


def export_rows(session: DbSession, scope: data_scope.Scope, f: AttendanceFilter) -> Iterator[list[Any]]:
    """Rows of the attendance export, the list's filter applied."""
    all_types = {t.code: t for t in types.all_types(session, include_inactive=True)}
    for day in session.scalars(search(scope, f)):
        kind = all_types.get(day.type_code)
        yield [day.day, day.user.work_no, day.user.name, day.user.org.name, kind.label if kind else day.type_code,
               bool(kind and kind.excused), day.note, source_label(day.source), day.created_at]
