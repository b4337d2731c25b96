"""Branches (网点维护 / 网点信息查询) and offline activities (活动管理): plan, invite, attendance, the hook for
the customers domain, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock, signals
from app.extensions import db
from app.oa.models import Activity, ActivityInvitee, Branch, InviteeStatus
from tests.conftest import user_named
from tests.integration.trading import customers_of

BRANCH = {"code": "SH-JA-01", "name": "静安寺营业部", "city": "上海", "district": "静安区",
          "address": "南京西路 1600 号", "phone": "021-50000000", "manager": "周经理", "business_hours": "9:00-17:30",
          "services": "理财咨询、客户签约", "org_id": "0"}


def test_admins_maintain_branches_and_every_employee_searches_them(login_as):
    admin = login_as("admin")
    assert admin.post("/oa/branches/manage/new", data=BRANCH).status_code == 302
    duplicate = admin.post("/oa/branches/manage/new", data=BRANCH)
    assert duplicate.status_code == 409 and "已存在" in duplicate.get_data(as_text=True)
    seat = login_as("seat01")
    assert seat.get("/oa/branches/manage").status_code == 403
    assert seat.post("/oa/branches/manage/new", data=BRANCH).status_code == 403
    found = seat.get("/oa/branches/?q=静安&city=上海").get_data(as_text=True)
    assert "静安寺营业部" in found and "南京西路 1600 号" in found
    assert "静安寺营业部" not in seat.get("/oa/branches/?q=不存在的网点").get_data(as_text=True)
    db.session.commit()
    branch = db.session.query(Branch).filter_by(code="SH-JA-01").one()
    assert admin.post(f"/oa/branches/manage/{branch.id}/active").status_code == 302
    assert "静安寺营业部" not in seat.get("/oa/branches/?q=静安").get_data(as_text=True)
    assert seat.get(f"/oa/branches/{branch.id}").status_code == 404


def _activity(client, org: str = "SH-LC1", capacity: int = 2, hours: int = 24) -> int:
    start = clock.local(clock.now() + timedelta(hours=hours)).replace(tzinfo=None)
    org_id = db.session.execute(db.text("select id from org where code = :c"), {"c": org}).scalar_one()
    response = client.post("/oa/activities/new", data={
        "title": "新年理财沙龙", "kind": "salon", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "branch_id": "0",
        "location": "三楼多功能厅", "capacity": str(capacity), "org_id": str(org_id), "description": "年度策略"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.commit()
    return db.session.query(Activity).order_by(Activity.id.desc()).first().id


def _invite(client, activity_id: int, name: str, phone: str, customer_number: str = ""):
    return client.post(f"/oa/activities/{activity_id}/invitees",
                       data={"name": name, "phone": phone, "customer_number": customer_number})


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_plan_invite_within_capacity_and_who_sees_invitees(login_as):
    activity_id = _activity(login_as("head01"))
    seat01, seat02 = login_as("seat01"), login_as("seat02")
    assert _invite(seat01, activity_id, "张先生", "13800000001", customers_of("seat01")[0].number).status_code == 302
    assert _invite(seat02, activity_id, "李女士", "13800000002").status_code == 302
    full = _invite(seat01, activity_id, "王先生", "13800000003")
    assert full.status_code == 409 and "人数已满" in full.get_data(as_text=True)
    # Each seat sees the people they invited; the organising head sees everybody.
    mine = seat01.get(f"/oa/activities/{activity_id}").get_data(as_text=True)
    assert "张先生" in mine and "李女士" not in mine
    everyone = login_as("head01").get(f"/oa/activities/{activity_id}").get_data(as_text=True)
    assert "张先生" in everyone and "李女士" in everyone
    # Another department neither sees the activity nor reaches its invitees by id.
    db.session.commit()
    invitee = db.session.query(ActivityInvitee).filter_by(name="张先生").one()
    for username in ("seat11", "head11"):
        client = login_as(username)
        assert client.get(f"/oa/activities/{activity_id}").status_code == 404
        assert client.post(f"/oa/activities/{activity_id}/invitees/{invitee.id}/attendance",
                           data={"status": "attended"}).status_code == 404
    assert seat02.post(f"/oa/activities/{activity_id}/invitees/{invitee.id}/attendance",
                       data={"status": "confirmed"}).status_code == 404
    assert login_as("seat01").get("/oa/activities/new").status_code == 403


@pytest.mark.date_sensitive
def test_attendance_is_recorded_and_announced_to_the_customers_domain(login_as):
    activity_id = _activity(login_as("head01"), hours=1)
    seat = login_as("seat01")
    customer = customers_of("seat01")[0]
    _invite(seat, activity_id, "张先生", "13800000001", customer.number)
    db.session.commit()
    invitee = db.session.query(ActivityInvitee).filter_by(activity_id=activity_id).one()
    too_early = seat.post(f"/oa/activities/{activity_id}/invitees/{invitee.id}/attendance", data={"status": "attended"})
    assert too_early.status_code == 422 and "活动开始后" in too_early.get_data(as_text=True)
    heard = []

    def receiver(session, activity, invitee, actor):
        heard.append((activity.id, invitee.customer_id, invitee.status, actor.username))

    activity = db.session.get(Activity, activity_id)
    activity.starts_at = clock.now() - timedelta(minutes=30)  # the salon has begun
    db.session.commit()
    signals.activity_attended.connect(receiver)
    try:
        done = seat.post(f"/oa/activities/{activity_id}/invitees/{invitee.id}/attendance", data={"status": "attended"})
    finally:
        signals.activity_attended.disconnect(receiver)
    assert done.status_code == 302
    assert heard == [(activity_id, customer.id, InviteeStatus.ATTENDED, "seat01")]
    db.session.commit()
    db.session.refresh(invitee)
    assert invitee.status == InviteeStatus.ATTENDED and invitee.attended_at is not None


def test_only_managers_of_the_organising_org_change_an_activity(login_as):
    activity_id = _activity(login_as("head01"))
    for username in ("head11",):
        client = login_as(username)
        assert client.post(f"/oa/activities/{activity_id}/cancel").status_code == 404
        assert client.get(f"/oa/activities/{activity_id}/edit").status_code == 404
    outside = login_as("head01").post("/oa/activities/new", data={
        "title": "x", "kind": "salon", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T12:00",
        "branch_id": "0", "capacity": "0", "org_id": str(user_named("seat11").org_id)})
    assert outside.status_code == 422
    manager = login_as("manager01")  # the branch's city manager covers 理财一部
    assert manager.post(f"/oa/activities/{activity_id}/cancel").status_code == 302
    closed = _invite(login_as("seat01"), activity_id, "赵先生", "13800000009")
    assert closed.status_code == 409 and "已取消" in closed.get_data(as_text=True)


def test_a_customer_is_invited_by_number_found_among_the_seats_own_customers(login_as):
    activity_id = _activity(login_as("head01"), capacity=0)
    seat = login_as("seat01")
    mine, theirs = customers_of("seat01")[0], customers_of("seat11")[0]
    options = seat.get(f"/oa/activities/customers.json?q={mine.number[:-1]}").get_json()
    assert {"number": mine.number, "name": mine.name} in options
    assert theirs.number not in {o["number"] for o in seat.get(f"/oa/activities/customers.json?q={theirs.number}"
                                                                 ).get_json()}
    for unknown in ("KH999999", theirs.number, "999999"):
        refused = _invite(seat, activity_id, "", "", unknown)
        assert refused.status_code == 422
        assert f"客户编号 {unknown} 不存在或不是您服务范围内的客户" in refused.get_data(as_text=True)
    assert _invite(seat, activity_id, "", "", mine.number.lower()).status_code == 302  # the name comes with it
    again = _invite(seat, activity_id, "", "", mine.number)
    assert again.status_code == 409 and f"客户 {mine.number} 已在邀约名单中" in again.get_data(as_text=True)
    db.session.commit()
    invitee = db.session.query(ActivityInvitee).filter_by(activity_id=activity_id).one()
    assert (invitee.customer_id, invitee.name) == (mine.id, mine.name)
    page = seat.get(f"/oa/activities/{activity_id}").get_data(as_text=True)
    assert f"<td>{mine.number}</td>" in page and 'data-suggest-url="/oa/activities/customers.json"' in page


@pytest.mark.date_sensitive
def test_an_activity_ends_only_once_it_has_begun_and_unrecorded_attendance_is_confirmed(login_as):
    head = login_as("head01")
    activity_id = _activity(head)  # tomorrow
    early = head.post(f"/oa/activities/{activity_id}/finish", data={"confirmed": "1"})
    assert early.status_code == 422 and "活动尚未开始" in early.get_data(as_text=True)
    assert "活动开始后才能结束" in head.get(f"/oa/activities/{activity_id}").get_data(as_text=True)
    _invite(login_as("seat01"), activity_id, "张先生", "13800000001")
    activity = db.session.get(Activity, activity_id)
    activity.starts_at = clock.now() - timedelta(hours=1)  # the salon has begun
    db.session.commit()
    assert "1 人未登记" in head.get(f"/oa/activities/{activity_id}").get_data(as_text=True)
    unconfirmed = head.post(f"/oa/activities/{activity_id}/finish")
    assert unconfirmed.status_code == 409 and "还有 1 位邀约客户未登记到场情况" in unconfirmed.get_data(as_text=True)
    assert head.post(f"/oa/activities/{activity_id}/finish", data={"confirmed": "1"}).status_code == 302
    db.session.refresh(activity)
    assert activity.status.value == "finished"
