"""Follow-ups (有效跟进) and appointments (预约): valid calls, counters the recycle rules read, reminders per
day, the home-page panel, and the API used by the call centre."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import clock
from app.customers.models import CustomerType
from app.extensions import db
from app.followups.models import Appointment, AppointmentStatus, FollowUp
from tests.customer_helpers import fresh, make_customer, reloaded


def test_a_connected_call_long_enough_is_a_valid_phone_follow_up(login_as):
    customer = make_customer("跟进甲", seat="seat01", phones=["13722220001"])
    client = login_as("seat01")
    client.post(f"/followups/customers/{customer.id}", data={
        "kind": "call", "phone": "13722220001", "connected": "y", "duration_seconds": 75, "result": "interested",
        "content": "介绍产品"})
    client.post(f"/followups/customers/{customer.id}", data={
        "kind": "call", "phone": "13722220001", "connected": "y", "duration_seconds": 20, "result": "refused"})
    client.post(f"/followups/customers/{customer.id}", data={
        "kind": "call", "phone": "13722220001", "duration_seconds": 0, "result": "no_answer"})
    client.post(f"/followups/customers/{customer.id}", data={"kind": "visit", "content": "客户来公司面谈"})
    fresh()
    rows = db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer.id).order_by(FollowUp.id)).all()
    assert [(r.kind.value, r.connected, r.valid) for r in rows] == [
        ("call", True, True), ("call", True, False), ("call", False, False), ("visit", False, True)]
    current = reloaded(customer.id)
    assert current.followup_count == 4 and current.valid_call_count == 1
    assert current.last_valid_call_at == rows[0].at
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "介绍产品" in page and "有效" in page and "客户来公司面谈" in page


@pytest.mark.date_sensitive
def test_bad_follow_ups_are_refused_in_chinese_and_not_counted(login_as):
    customer = make_customer("跟进乙", seat="seat01", phones=["13722220002"])
    client = login_as("seat01")
    referer = {"Referer": f"/customers/{customer.id}"}
    client.post(f"/followups/customers/{customer.id}", data={
        "kind": "call", "phone": "13722220002", "duration_seconds": 30}, headers=referer)
    assert "未接通的电话通话时长应为 0" in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    future = (clock.local(clock.now()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/followups/customers/{customer.id}", data={"kind": "visit", "at": future}, headers=referer)
    assert "跟进时间不能晚于现在" in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert reloaded(customer.id).followup_count == 0


def test_a_follow_up_can_update_the_customer_type(login_as):
    customer = make_customer("跟进丙", seat="seat01", type_="new")
    login_as("seat01").post(f"/followups/customers/{customer.id}", data={
        "kind": "invitation", "content": "邀约参加沙龙", "new_type": "valid"})
    assert reloaded(customer.id).type == CustomerType.VALID


@pytest.mark.date_sensitive
def test_appointments_show_per_day_and_on_the_home_page(login_as):
    customer = make_customer("预约客户", seat="seat01")
    client = login_as("seat01")
    local_now = clock.local(clock.now())
    tomorrow = local_now + timedelta(days=1)
    client.post(f"/followups/customers/{customer.id}/appointments",
                data={"at": tomorrow.strftime("%Y-%m-%dT10:30"), "content": "确认认购意向"})
    fresh()
    booked = db.session.scalar(select(Appointment).where(Appointment.customer_id == customer.id))
    assert booked is not None and clock.local(booked.at).strftime("%H:%M") == "10:30"
    day = client.get("/followups/reminders", query_string={"day": tomorrow.date().isoformat()}).get_data(as_text=True)
    assert "确认认购意向" in day and customer.number in day
    # Tomorrow the appointment is on the home page's 今日预约提醒.
    with time_machine.travel(tomorrow.replace(hour=8, minute=0), tick=False):
        home = login_as("seat01").get("/").get_data(as_text=True)
    assert "今日预约提醒" in home and "预约客户" in home
    client.post(f"/followups/appointments/{booked.id}/done")
    fresh()
    assert db.session.get(Appointment, booked.id).status == AppointmentStatus.DONE
    # Booking in the past is refused.
    client.post(f"/followups/customers/{customer.id}/appointments", data={
        "at": (local_now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}, headers={"Referer": "/"})
    assert "预约时间必须晚于现在" in client.get("/").get_data(as_text=True)


@pytest.mark.date_sensitive
def test_another_seats_appointment_cannot_be_closed(login_as):
    customer = make_customer("他人预约", seat="seat01")
    login_as("seat01").post(f"/followups/customers/{customer.id}/appointments", data={
        "at": (clock.local(clock.now()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    fresh()
    booked = db.session.scalar(select(Appointment).where(Appointment.customer_id == customer.id))
    assert login_as("seat02").post(f"/followups/appointments/{booked.id}/cancel").status_code == 404


def test_follow_up_list_and_export_are_scoped(login_as):
    own = make_customer("清单甲", seat="seat01")
    other = make_customer("清单乙", seat="seat11")
    login_as("seat01").post(f"/followups/customers/{own.id}", data={"kind": "visit", "content": "甲的跟进"})
    login_as("seat11").post(f"/followups/customers/{other.id}", data={"kind": "visit", "content": "乙的跟进"})
    page = login_as("seat01").get("/followups/records").get_data(as_text=True)
    assert "甲的跟进" in page and "乙的跟进" not in page
    assert "乙的跟进" in login_as("head11").get("/followups/records").get_data(as_text=True)
    export = login_as("seat01").get("/followups/export")
    assert export.status_code == 200 and export.mimetype.endswith("sheet")


def test_call_centre_records_a_call_through_the_api(api_as):
    customer = make_customer("接口客户", seat="seat01", phones=["13722220009"])
    api = api_as("seat01")
    response = api.post(f"/api/v1/customers/{customer.id}/followups", json={
        "kind": "call", "phone": "137-2222-0009", "connected": True, "duration_seconds": 180, "result": "interested"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["valid"] is True and body["phone"] == "13722220009"
    refused = api.post(f"/api/v1/customers/{customer.id}/followups", json={"kind": "call", "valid": True})
    assert refused.status_code == 422 and refused.get_json()["error"]["message"] == "未接通的电话不能记为有效通话"
    listed = api.get(f"/api/v1/customers/{customer.id}/followups").get_json()
    assert [f["kind"] for f in listed] == ["call"]


def test_attending_an_activity_is_a_salon_follow_up(app):
    """The OA domain announces attendance with app.signals.activity_attended; the customer gets a follow-up."""
    from types import SimpleNamespace

    from app import signals
    from tests.customer_helpers import user

    customer = make_customer("沙龙来宾", seat="seat01")
    fresh()
    activity = SimpleNamespace(title="周末稳健理财沙龙", kind="salon")
    signals.activity_attended.send(db.session, activity=activity, invitee=SimpleNamespace(customer_id=customer.id),
                                   actor=user("head01"))
    signals.activity_attended.send(db.session, activity=activity, invitee=SimpleNamespace(customer_id=None),
                                   actor=user("head01"))  # a guest who is not a customer: nothing to log
    db.session.commit()
    rows = db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer.id)).all()
    head = user("head01").id
    assert [(r.kind.value, r.content, r.user_id) for r in rows] == [("salon", "参加活动：周末稳健理财沙龙", head)]
    assert reloaded(customer.id).followup_count == 1
