"""Excused days (app/hr/days.excused): weekly rest days and public holidays for everyone, attendance types
flagged 视为完成 for their user, in two queries whatever the number of users and days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from app.admin import params
from app.extensions import db
from app.hr import attendance, days, types
from app.hr.models import PublicHoliday
from tests.conftest import user_named

pytestmark = [pytest.mark.db_sensitive]


def test_holidays_excuse_everyone_and_excused_attendance_types_their_user(app):
    seat01, seat02 = user_named("seat01"), user_named("seat02")
    db.session.add(PublicHoliday(name="端午节", start_date=date(2031, 6, 1), end_date=date(2031, 6, 2)))
    attendance.mark_range(db.session, seat02.id, date(2031, 6, 2), date(2031, 6, 4), "sick", source="test")
    attendance.mark_range(db.session, seat01.id, date(2031, 6, 4), date(2031, 6, 4), "absent", source="test")
    attendance.mark_leave(db.session, seat01.id, date(2031, 6, 5), date(2031, 6, 5), source="test")

    result = days.excused(db.session, [seat01.id, seat02.id], date(2031, 5, 31), date(2031, 6, 6))

    assert result == {
        (seat01.id, date(2031, 6, 1)): "公休", (seat02.id, date(2031, 6, 1)): "公休",
        (seat01.id, date(2031, 6, 2)): "公休", (seat02.id, date(2031, 6, 2)): "病假",
        (seat02.id, date(2031, 6, 3)): "病假", (seat02.id, date(2031, 6, 4)): "病假",
        (seat01.id, date(2031, 6, 5)): "请假",
    }


def test_a_type_flag_decides_and_the_query_count_does_not_grow_with_days(app):
    seat02 = user_named("seat02")
    attendance.mark_range(db.session, seat02.id, date(2031, 7, 1), date(2031, 7, 31), "late", source="test")
    assert days.excused(db.session, [seat02.id], date(2031, 7, 1), date(2031, 7, 31)) == {}
    types.set_excused(db.session, "late", True)
    days.rest_weekdays(db.session)  # parameters are cached per process; load them before counting
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = days.excused(db.session, [seat02.id], date(2031, 7, 1), date(2031, 7, 31))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(result) == 31 and set(result.values()) == {"迟到"}
    assert len(statements) == 2
    assert days.excused(db.session, [], date(2031, 7, 1), date(2031, 7, 31)) == {}


def test_weekly_rest_days_excuse_everyone_once_set_and_holidays_and_leave_name_their_own_reason(app):
    seat01, seat02 = user_named("seat01"), user_named("seat02")
    week = (date(2031, 6, 2), date(2031, 6, 8))  # Monday to Sunday
    assert days.excused(db.session, [seat01.id], *week) == {}  # no weekly rest days by default
    params.set_value(db.session, days.REST_WEEKDAYS, "6，7, 9, x")  # a full-width comma; 9 and x are no weekdays
    db.session.add(PublicHoliday(name="端午节", start_date=date(2031, 6, 8), end_date=date(2031, 6, 8)))
    attendance.mark_range(db.session, seat02.id, date(2031, 6, 7), date(2031, 6, 7), "sick", source="test")
    db.session.commit()

    assert days.rest_weekdays(db.session) == {6, 7}
    assert days.excused(db.session, [seat01.id, seat02.id], *week) == {
        (seat01.id, date(2031, 6, 7)): "周末", (seat02.id, date(2031, 6, 7)): "病假",
        (seat01.id, date(2031, 6, 8)): "公休", (seat02.id, date(2031, 6, 8)): "公休",
    }
