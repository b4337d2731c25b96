"""配额维护 and the task calendar through the screens and the API: the acceptance path (20 valid calls turn the day
complete, a public holiday is complete with nothing done), refused input with nothing written, data scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.hr import attendance
from app.hr.models import PublicHoliday
from app.quotas.models import Quota
from tests.customer_helpers import fresh, make_customer, user


def set_quota(client, level: str = "初级", tier: str = "P1", **values: object) -> str:
    data = {"level": level, "tier": tier, "effective_from": clock.today().isoformat(), **values}
    response = client.post("/quotas/edit", data=data, follow_redirects=True)
    return response.get_data(as_text=True)


def day_of(client, username: str | None, day) -> dict:
    query = {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()}
    if username:
        query["user"] = str(user(username).id)
    response = client.get("/quotas/calendar/events.json", query_string=query)
    assert response.status_code == 200
    [event] = response.get_json()
    return event["extendedProps"]


def quota_rows() -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).select_from(Quota)) or 0)


@pytest.mark.date_sensitive
def test_twenty_valid_calls_turn_the_day_complete_and_a_holiday_tomorrow_is_complete_with_nothing_done(login_as):
    page = set_quota(login_as("admin"), valid_call=20, intent="", remark="验收")
    assert "初级 / P1 的配额已保存" in page
    customer = make_customer("验收客户", seat="seat01", phones=["13722240001"], type_="valid")
    seat = login_as("seat01")
    already = day_of(seat, None, clock.today())["metrics"][-1]["done"]  # the demo's calls late in the day
    for _ in range(19 - already):
        seat.post(f"/followups/customers/{customer.id}", data={
            "kind": "call", "phone": "13722240001", "connected": "y", "duration_seconds": 90, "result": "interested"})
    home = seat.get("/").get_data(as_text=True)
    assert "任务日历" in home and "今天还差 1 个有效电话" in home
    assert day_of(seat, None, clock.today())["status"] == "in_progress"

    seat.post(f"/followups/customers/{customer.id}", data={
        "kind": "call", "phone": "13722240001", "connected": "y", "duration_seconds": 90, "result": "interested"})
    home = seat.get("/").get_data(as_text=True)
    assert "今天的任务已完成" in home and "还差" not in home
    today = day_of(seat, None, clock.today())
    assert today["status"] == "complete" and today["complete"]
    assert [(m["label"], m["done"], m["required"]) for m in today["metrics"]] == [("有效电话", 20, 20)]

    tomorrow = clock.today() + timedelta(days=1)
    assert day_of(seat, None, tomorrow)["status"] == "future"
    fresh()
    db.session.add(PublicHoliday(name="测试公休", start_date=tomorrow, end_date=tomorrow))
    db.session.commit()
    holiday = day_of(seat, None, tomorrow)
    assert (holiday["status"], holiday["reason"], holiday["complete"]) == ("excused", "公休", True)
    assert holiday["metrics"][0]["done"] == 0


def test_sick_leave_makes_a_past_day_complete_and_the_head_sees_it_on_the_team_view(login_as):
    set_quota(login_as("admin"), valid_call=500)
    fresh()
    attendance.mark_range(db.session, user("seat02").id, clock.today(), clock.today(), "sick", source="test")
    db.session.commit()
    head = login_as("head01")
    today = day_of(head, "seat02", clock.today())
    assert (today["status"], today["reason"]) == ("excused", "病假")
    grid = head.get("/quotas/team").get_data(as_text=True)
    assert "陈坐席" in grid and "张坐席" in grid and "刘坐席" not in grid  # seat11 is in another department
    assert f'data-day="{clock.today().isoformat()}" data-status="excused"' in grid


@pytest.mark.parametrize(("values", "message"), [
    ({"level": "特级"}, "层级“特级”不在基础数据中"),
    ({"tier": "P9"}, "级别“P9”不在基础数据中"),
    ({"valid_call": "-5"}, "有效电话配额不能为负数"),
    ({"valid_call": "abc"}, "有效电话（个/天）"),
    ({"valid_call": "", "intent": ""}, "请至少填写一项配额"),
    ({"effective_from": "2020-01-01"}, "生效日期不能早于今天：过去的日子保留当时的配额"),
])
def test_bad_quotas_are_refused_in_chinese_and_nothing_is_written(login_as, values, message):
    before = quota_rows()
    data = {"level": "初级", "tier": "P1", "effective_from": clock.today().isoformat(), "valid_call": "20", **values}
    response = login_as("admin").post("/quotas/edit", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert quota_rows() == before


def test_a_change_is_dated_past_days_keep_their_quota_and_only_planned_changes_can_be_withdrawn(login_as):
    admin = login_as("admin")
    yesterday, today = clock.today() - timedelta(days=1), clock.today()
    next_week = today + timedelta(days=7)
    set_quota(admin, valid_call=20)
    set_quota(admin, valid_call=30, effective_from=next_week.isoformat())
    seat = login_as("seat01")
    assert day_of(seat, None, yesterday)["metrics"][-1]["required"] == 3  # the demo's quota from two months ago
    assert day_of(seat, None, today)["metrics"][-1]["required"] == 20
    assert day_of(seat, None, next_week)["metrics"][-1]["required"] == 30
    history = admin.get("/quotas/history", query_string={"level": "初级", "tier": "P1"}).get_data(as_text=True)
    assert history.count("<tr>") == 4 and "计划" in history  # header + three changes
    fresh()
    started = db.session.scalar(select(Quota.id).where(Quota.level == "初级", Quota.effective_from == today))
    planned = db.session.scalar(select(Quota.id).where(Quota.level == "初级", Quota.effective_from == next_week))
    page = admin.post(f"/quotas/{started}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "已生效的配额不能撤销" in page
    page = admin.post(f"/quotas/{planned}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "尚未生效的配额调整已撤销" in page
    assert day_of(seat, None, next_week)["metrics"][-1]["required"] == 20


def test_seats_see_only_their_own_calendar_and_heads_only_their_departments(login_as):
    seat = login_as("seat01")
    assert seat.get("/quotas/").status_code == 403
    assert seat.get("/quotas/team").status_code == 403
    day = {"start": clock.today().isoformat(), "end": (clock.today() + timedelta(days=1)).isoformat()}
    assert seat.get("/quotas/calendar/events.json", query_string={**day, "user": user("seat02").id}).status_code == 404
    assert seat.get("/quotas/calendar", query_string={"user": user("seat02").id}).status_code == 404
    head = login_as("head01")
    assert head.get("/quotas/calendar", query_string={"user": user("seat02").id}).status_code == 200
    assert head.get("/quotas/calendar", query_string={"user": user("seat11").id}).status_code == 404
    assert head.get("/quotas/calendar/events.json", query_string={**day, "user": user("seat11").id}).status_code == 404
    assert head.get("/quotas/").status_code == 403
    assert login_as("manager01").get("/quotas/").status_code == 200


def test_the_api_sets_quotas_refuses_bad_ones_and_answers_calendars_in_scope(api_as):
    admin = api_as("admin")
    today = clock.today().isoformat()
    created = admin.post("/api/v1/quotas", json={"level": "初级", "tier": "P1", "effective_from": today,
                                                  "valid_call": 20, "intent": None})
    assert created.status_code == 201 and created.get_json()["valid_call"] == 20
    before = quota_rows()
    good = {"level": "初级", "tier": "P1", "effective_from": today, "valid_call": 1}
    for change, message in [({"level": "特级"}, "不在基础数据中"), ({"valid_call": -1}, "不能为负数"),
                            ({"valid_call": "20"}, "应为整数"), ({"effective_from": "2020-01-01"}, "不能早于今天")]:
        response = admin.post("/api/v1/quotas", json={**good, **change})
        assert response.status_code == 422 and message in response.get_json()["error"]["message"]
    assert quota_rows() == before
    listed = admin.get("/api/v1/quotas", query_string={"level": "初级", "tier": "P1"}).get_json()
    assert [q["valid_call"] for q in listed["items"]] == [20, 3]

    head = api_as("head01")
    mine = head.get("/api/v1/quotas/calendar", query_string={"user_id": user("seat01").id, "start": today,
                                                            "end": today}).get_json()
    assert mine["name"] == "张坐席" and mine["days"][0]["metrics"][-1]["required"] == 20
    outside = head.get("/api/v1/quotas/calendar", query_string={"user_id": user("seat11").id, "start": today,
                                                               "end": today})
    assert outside.status_code == 404
    team = head.get("/api/v1/quotas/team").get_json()
    assert {s["name"] for s in team["seats"]} == {"张坐席", "陈坐席"}
    assert all(len(s["days"]) >= 28 for s in team["seats"])
    assert api_as("seat01").get("/api/v1/quotas/team").status_code == 403
    too_long = head.get("/api/v1/quotas/calendar", query_string={"start": "2026-01-01", "end": "2026-12-31"})
    assert too_long.status_code == 422
