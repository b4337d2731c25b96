"""Work calendar (行事历): periods, own entries only, and visibility limited to the direct superior and
direct subordinates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.extensions import db
from app.oa import calendar
from app.oa.models import CalendarEntry, CalendarPeriod
from tests.conftest import user_named

pytestmark = pytest.mark.date_sensitive


def _wednesday() -> date:
    """A Wednesday about nine weeks after today: the demo entries (yesterday to next week) stay outside its feed."""
    later = clock.today() + timedelta(weeks=9)
    return later - timedelta(days=later.weekday()) + timedelta(days=2)


def _feed() -> str:
    """The six-week feed FullCalendar's month view asks for around that Wednesday."""
    monday = _wednesday() - timedelta(days=2)
    return f"/oa/calendar/events.json?start={monday - timedelta(weeks=1)}&end={monday + timedelta(weeks=5)}"


def _add(client, **values) -> int:
    data = {"kind": "plan", "period": "day", "day": _wednesday().isoformat(), "title": "拜访三位客户",
            "content": "上午两位", **values}
    response = client.post("/oa/calendar/entries", data=data)
    assert response.status_code == 302
    db.session.commit()
    return db.session.query(CalendarEntry).order_by(CalendarEntry.id.desc()).first().id


@pytest.mark.parametrize(("period", "day", "start", "end"), [
    (CalendarPeriod.DAY, date(2026, 12, 2), date(2026, 12, 2), date(2026, 12, 2)),
    (CalendarPeriod.WEEK, date(2026, 12, 2), date(2026, 11, 30), date(2026, 12, 6)),
    (CalendarPeriod.MONTH, date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
])
def test_periods_cover_the_day_week_or_month(period, day, start, end):
    assert calendar.period_range(period, day) == (start, end)


def test_own_entries_appear_in_the_feed(login_as):
    seat = login_as("seat01")
    _add(seat)
    _add(seat, kind="report", period="week", title="本周汇报")
    events = seat.get(_feed()).get_json()
    wednesday = _wednesday()
    monday, next_monday, thursday = (wednesday + timedelta(days=d) for d in (-2, 5, 1))
    assert [(e["title"], e["start"], e["end"]) for e in events] == [
        ("[汇报] 本周汇报", monday.isoformat(), next_monday.isoformat()),
        ("[计划] 拜访三位客户", wednesday.isoformat(), thursday.isoformat())]
    assert all(e["extendedProps"]["editable"] for e in events)
    assert "/vendor/fullcalendar.min.js" in seat.get("/oa/calendar/").get_data(as_text=True)
    bundle = seat.get("/vendor/fullcalendar.min.js")
    assert bundle.status_code == 200 and b"FullCalendar" in bundle.data
    bundle.close()


@pytest.mark.db_sensitive
def test_superior_and_subordinates_see_each_other_and_nobody_else_does(login_as):
    seat = login_as("seat01")
    _add(seat)
    seat01, head01 = user_named("seat01"), user_named("head01")
    _add(login_as("head01"), title="部门例会")
    # head01 is seat01's direct superior: both ways work, read-only for the other.
    head_view = login_as("head01").get(f"{_feed()}&user={seat01.id}")
    assert head_view.status_code == 200 and [e["extendedProps"]["editable"] for e in head_view.get_json()] == [False]
    assert seat.get(f"{_feed()}&user={head01.id}").get_json()[0]["title"] == "[计划] 部门例会"
    assert seat.get(f"/oa/calendar/?user={head01.id}").status_code == 200
    # A colleague with the same superior, the superior's superior, another department: 404.
    for other in ("seat02", "manager01", "seat11", "head11"):
        client = login_as(other)
        assert client.get(f"{_feed()}&user={seat01.id}").status_code == 404, other
        assert client.get(f"/oa/calendar/?user={seat01.id}").status_code == 404, other
    # An admin's data scope covers everyone, but the calendar rule is superior/subordinate only.
    assert login_as("admin").get(f"{_feed()}&user={seat01.id}").status_code == 404


def test_only_the_owner_changes_an_entry(login_as):
    seat = login_as("seat01")
    entry_id = _add(seat)
    head = login_as("head01")
    assert head.post(f"/oa/calendar/entries/{entry_id}", data={
        "kind": "plan", "period": "day", "day": "2026-12-02", "title": "改"}).status_code == 404
    assert head.post(f"/oa/calendar/entries/{entry_id}/delete").status_code == 404
    assert seat.post(f"/oa/calendar/entries/{entry_id}", data={
        "kind": "report", "period": "month", "day": "2026-12-02", "title": "十二月总结"}).status_code == 302
    db.session.commit()
    entry = db.session.get(CalendarEntry, entry_id)
    db.session.refresh(entry)
    assert (entry.title, entry.start_date, entry.end_date) == ("十二月总结", date(2026, 12, 1), date(2026, 12, 31))
    assert seat.post(f"/oa/calendar/entries/{entry_id}/delete").status_code == 302
    db.session.commit()
    assert db.session.get(CalendarEntry, entry_id) is None


def test_feed_refuses_unbounded_ranges(login_as):
    seat = login_as("seat01")
    assert seat.get("/oa/calendar/events.json?start=2020-01-01&end=2027-01-01").status_code == 422
    assert seat.get("/oa/calendar/events.json?start=x&end=y").status_code == 422
