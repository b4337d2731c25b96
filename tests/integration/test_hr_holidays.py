"""公休假期维护: a day or a range for everyone; overlapping ranges, end before start and over-long ranges are
refused in Chinese with nothing written; list by year, edit, delete, export; and the JSON API."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.errors import Conflict
from app.extensions import db
from app.hr import days, holidays
from app.hr.models import PublicHoliday
from tests.conftest import user_named
from tests.race import at_once


def _holidays() -> list[tuple[str, date, date]]:
    db.session.commit()
    return [(h.name, h.start_date, h.end_date) for h in db.session.scalars(
        select(PublicHoliday).where(PublicHoliday.start_date >= date(2027, 1, 1)).order_by(PublicHoliday.start_date))]


def _add(client, name: str, start: str, end: str = "", note: str = ""):
    return client.post("/hr/holidays/new", data={"name": name, "start": start, "end": end, "note": note})


def test_hr_adds_a_range_and_a_single_day_and_sees_them_by_year(login_as):
    hr = login_as("hr01")
    saved = _add(hr, "春节", "2027-02-05", "2027-02-11")
    assert saved.status_code == 302
    page = hr.get(saved.headers["Location"]).get_data(as_text=True)
    assert "公休假期“春节”（2027-02-05 至 2027-02-11，共 7 天）已保存" in page
    assert _add(hr, "元旦", "2027-01-01").status_code == 302
    assert _holidays() == [("元旦", date(2027, 1, 1), date(2027, 1, 1)), ("春节", date(2027, 2, 5), date(2027, 2, 11))]
    year = hr.get("/hr/holidays/?year=2027").get_data(as_text=True)
    assert year.index("元旦") < year.index("春节") and "2027 年共 2 段、8 天公休假期" in year
    assert "春节" not in hr.get("/hr/holidays/?year=2026").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(hr.get("/hr/holidays/export?year=2027").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("假期名称", "开始日期", "结束日期", "天数", "备注")
    assert [(r[0], r[1].date(), r[2].date(), r[3]) for r in rows[1:]] == [
        ("元旦", date(2027, 1, 1), date(2027, 1, 1), 1), ("春节", date(2027, 2, 5), date(2027, 2, 11), 7)]


@pytest.mark.parametrize(("start", "end", "clash"), [
    ("2027-02-11", "2027-02-12", "春节"),  # touches the last day
    ("2027-02-01", "2027-02-05", "春节"),  # touches the first day
    ("2027-02-07", "", "春节"),  # a day inside
    ("2027-01-30", "2027-02-20", "春节"),  # around it
])
def test_an_overlapping_holiday_is_refused_naming_the_one_it_overlaps(login_as, start, end, clash):
    hr = login_as("hr01")
    assert _add(hr, "春节", "2027-02-05", "2027-02-11").status_code == 302
    refused = _add(hr, "调休", start, end)
    assert refused.status_code == 409
    assert f"与已有公休假期“{clash}”（2027-02-05 至 2027-02-11，共 7 天）重叠" in refused.get_data(as_text=True)
    assert [h[0] for h in _holidays()] == ["春节"]


@pytest.mark.parametrize(("form", "message"), [
    ({"start": "2027-05-05", "end": "2027-05-01"}, "结束日期不能早于开始日期"),
    ({"start": "2027-05-01", "end": "2027-06-01"}, "一段公休假期最长 31 天，请分段维护"),
    ({"name": ""}, "请填写假期名称"),
    ({"name": "长" * 41}, "假期名称"),
    ({"start": ""}, "请选择开始日期"),
    ({"start": "2027-13-01"}, "开始日期"),
])
def test_bad_holidays_are_refused_in_chinese_with_nothing_written(login_as, form, message):
    data = {"name": "劳动节", "start": "2027-05-01", "end": "", "note": "", **form}
    response = login_as("hr01").post("/hr/holidays/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _holidays() == []


def test_hr_edits_and_deletes_a_holiday_and_an_edit_may_not_overlap_either(login_as):
    hr = login_as("hr01")
    _add(hr, "国庆节", "2027-10-01", "2027-10-07")
    _add(hr, "中秋节", "2027-09-15", "2027-09-17")
    db.session.commit()
    national = db.session.scalar(select(PublicHoliday.id).where(PublicHoliday.name == "国庆节"))
    form = hr.get(f"/hr/holidays/{national}/edit").get_data(as_text=True)
    assert 'value="2027-10-07"' in form
    moved = hr.post(f"/hr/holidays/{national}/edit",
                    data={"name": "国庆节", "start": "2027-10-01", "end": "2027-10-08", "note": "含调休"})
    assert moved.status_code == 302  # overlapping its own old dates is fine
    clash = hr.post(f"/hr/holidays/{national}/edit", data={"name": "国庆节", "start": "2027-09-17", "end": ""})
    assert clash.status_code == 409 and "中秋节" in clash.get_data(as_text=True)
    assert ("国庆节", date(2027, 10, 1), date(2027, 10, 8)) in _holidays()
    assert hr.post(f"/hr/holidays/{national}/delete").status_code == 302
    assert [h[0] for h in _holidays()] == ["中秋节"]
    assert hr.get(f"/hr/holidays/{national}/edit").status_code == 404


def test_only_hr_maintains_holidays(login_as):
    for username in ("seat01", "head01", "manager01"):
        client = login_as(username)
        assert client.get("/hr/holidays/").status_code == 403
        assert _add(client, "假期", "2027-05-01").status_code == 403
    assert _holidays() == []


@pytest.mark.date_sensitive
def test_tomorrow_marked_a_holiday_counts_as_complete_for_every_seat(login_as):
    tomorrow = clock.today() + timedelta(days=1)
    assert _add(login_as("hr01"), "临时公休", tomorrow.isoformat()).status_code == 302
    seats = [user_named(name).id for name in ("seat01", "seat02", "seat11")]
    assert days.excused(db.session, seats, clock.today(), tomorrow) == {(s, tomorrow): "公休" for s in seats}


# --- API -------------------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_the_holiday_api_adds_lists_changes_and_deletes(api_as):
    api = api_as("hr01")
    created = api.post("/api/v1/hr/holidays", json={"name": "春节", "start_date": "2027-02-05",
                                                    "end_date": "2027-02-11", "note": "法定"})
    assert created.status_code == 201 and created.get_json()["days"] == 7
    holiday_id = created.get_json()["id"]
    clash = api.post("/api/v1/hr/holidays", json={"name": "除夕", "start_date": "2027-02-04", "end_date": "2027-02-05"})
    assert clash.status_code == 409 and "春节" in clash.get_json()["error"]["message"]
    bad = api.post("/api/v1/hr/holidays", json={"name": "x", "start_date": "2027/02/01"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_json()["error"]["message"]
    listed = api.get("/api/v1/hr/holidays?year=2027").get_json()
    assert [(h["name"], h["start_date"], h["end_date"]) for h in listed["items"]] == [
        ("春节", "2027-02-05", "2027-02-11")]
    changed = api.put(f"/api/v1/hr/holidays/{holiday_id}", json={"name": "春节", "start_date": "2027-02-06"})
    assert changed.status_code == 200 and changed.get_json()["end_date"] == "2027-02-06"
    assert api.get(f"/api/v1/hr/holidays/{holiday_id}").get_json()["days"] == 1
    assert api.delete(f"/api/v1/hr/holidays/{holiday_id}").status_code == 204
    assert api.get(f"/api/v1/hr/holidays/{holiday_id}").status_code == 404
    assert api_as("seat01").get("/api/v1/hr/holidays").status_code == 403


@pytest.mark.db_sensitive
def test_two_people_adding_overlapping_holidays_at_once_keep_one_and_refuse_the_other(app, database_url, tmp_path):
    def add(name: str, _prepared: object) -> str:
        try:
            holidays.create(db.session, user_named("hr01"), name, date(2027, 10, 1), date(2027, 10, 7))
            db.session.commit()
            return "saved"
        except Conflict as refusal:
            db.session.rollback()
            return refusal.message

    results = at_once(database_url, tmp_path / "race", ["国庆节", "国庆长假"], add)

    assert list(results.values()).count("saved") == 1
    assert any("重叠" in r for r in results.values())
    assert len([h for h in _holidays() if h[1] == date(2027, 10, 1)]) == 1
