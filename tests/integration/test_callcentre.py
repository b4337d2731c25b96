"""Call centre: the CTI screen-pop API (auth, unknown extension, scope, blacklist, bad input), the seat's poll,
missed-call call-backs by the 回访策略, call-backs from the 客户 360 page and completing them (a follow-up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.models import UserStatus
from app.callcentre import strategy
from app.callcentre.models import Callback, CallbackSource, CallbackStatus, ScreenPop
from app.customers.models import PhoneBlacklistMark
from app.extensions import db
from app.followups.models import FollowUp
from app.mining.rule_models import DistributionRule, DistributionRuleTarget, RuleKind
from rules.distribution import Method
from tests.conftest import csrf_token_from, user_named
from tests.customer_helpers import fresh, make_customer, new_phone, org, user

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive

POP = "/api/v1/cti/screen-pop"
MISSED = "/api/v1/cti/missed-call"


def _pops() -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).select_from(ScreenPop)) or 0)


def _callbacks() -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).select_from(Callback)) or 0)


@pytest.fixture
def cti(api_as):
    return api_as("cti01")


def test_the_api_needs_a_token_of_the_telephony_role(app, api_as):
    before = _pops()
    anonymous = app.test_client().post(POP, json={"extension": "8001", "caller": "13800138000"})
    assert anonymous.status_code == 401
    seat = api_as("seat01").post(POP, json={"extension": "8001", "caller": "13800138000"})
    assert seat.status_code == 403
    assert _pops() == before


def test_an_unknown_extension_is_404_in_chinese_and_writes_nothing(cti):
    before = _pops()
    response = cti.post(POP, json={"extension": "9999", "caller": "13800138000"})
    assert response.status_code == 404
    assert "分机号 9999 没有对应的坐席" in response.get_json()["error"]["message"]
    assert _pops() == before


@pytest.mark.parametrize(("body", "message"), [
    ({"extension": "8001", "caller": "abc"}, "来电号码无效"),
    ({"extension": "8001", "caller": "1380013"}, "来电号码无效"),
    ({"extension": "80x1", "caller": "13800138000"}, "分机号“80x1”格式不正确"),
    ({"caller": "13800138000"}, "请填写分机号"),
    ({"extension": "8001"}, "请填写来电号码"),
    ({"extension": "8001", "caller": "13800138000", "direction": "sideways"}, "呼叫方向"),
])
def test_bad_input_is_refused_in_chinese_and_writes_nothing(cti, body, message):
    before = _pops()
    response = cti.post(POP, json=body)
    assert response.status_code == 422
    assert message in response.get_json()["error"]["message"]
    assert _pops() == before


def test_a_seat_who_left_is_refused(cti):
    seat = user("seat02")
    seat.status = UserStatus.LEFT
    db.session.commit()
    before = _pops()
    response = cti.post(POP, json={"extension": "8002", "caller": "13800138000"})
    assert response.status_code == 409 and "已离职" in response.get_json()["error"]["message"]
    assert _pops() == before


def test_a_known_customer_pops_on_the_seats_poll_until_seen(cti, login_as):
    phone = new_phone()
    customer = make_customer("弹屏客户", seat="seat01", phones=[phone])
    response = cti.post(POP, json={"extension": 8001, "caller": f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
                                   "call_id": "C-1"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["seat_name"] == "张坐席" and body["caller"] == phone
    assert body["customers"] == [{"id": customer.id, "name": "弹屏客户", "number": customer.number}]
    assert body["blacklisted"] is False and body["outside_scope"] is False

    seat = login_as("seat01")
    pops = seat.get("/callcentre/pops").get_json()["pops"]
    assert pops[0]["customer"]["name"] == "弹屏客户"
    assert pops[0]["customer"]["url"] == f"/customers/{customer.id}"
    token = csrf_token_from(seat.get("/callcentre/callbacks").get_data(as_text=True))
    assert seat.post(pops[0]["seen_url"], headers={"X-CSRFToken": token}).status_code == 200
    assert all(p["id"] != pops[0]["id"] for p in seat.get("/callcentre/pops").get_json()["pops"])
    # Another seat cannot mark it, and does not see it.
    other = login_as("seat02")
    assert other.get("/callcentre/pops").get_json()["pops"] == []


def test_an_unknown_number_pops_as_a_new_customer_with_the_form_prefilled(cti, login_as):
    phone = new_phone()
    offline = cti.post(POP, json={"extension": "8001", "caller": phone})
    assert offline.status_code == 201 and offline.get_json()["seat_online"] is False
    seat = login_as("seat01")  # logging in later still shows the call (within 5 minutes)
    pop = seat.get("/callcentre/pops").get_json()["pops"][0]
    assert pop["customer"] is None and pop["outside_scope"] is False
    form = seat.get(pop["new_customer_url"]).get_data(as_text=True)
    assert f'value="{phone}"' in form
    assert cti.post(POP, json={"extension": "8001", "caller": phone}).get_json()["seat_online"] is True


def test_a_customer_outside_the_seats_scope_is_not_revealed(cti, login_as):
    phone = new_phone()
    make_customer("别人的客户", seat="seat11", phones=[phone])
    response = cti.post(POP, json={"extension": "8001", "caller": phone})
    body = response.get_json()
    assert body["customers"] == [] and body["outside_scope"] is True
    poll = login_as("seat01").get("/callcentre/pops").get_data(as_text=True)
    assert "别人的客户" not in poll and '"outside_scope":true' in poll.replace(" ", "")


def test_a_blacklisted_number_is_flagged_with_the_reason(cti, login_as):
    phone = new_phone()
    make_customer("骚扰客户", seat="seat01", phones=[phone])
    for name, reason in (("seat01", "恶意骚扰"), ("seat02", "辱骂坐席"), ("seat11", "恶意骚扰")):
        db.session.add(PhoneBlacklistMark(phone=phone, user_id=user(name).id, reason=reason, at=clock.now()))
    db.session.commit()
    body = cti.post(POP, json={"extension": "8001", "caller": phone}).get_json()
    assert body["blacklisted"] is True and "恶意骚扰" in body["blacklist_reason"]
    pop = login_as("seat01").get("/callcentre/pops").get_json()["pops"][0]
    assert pop["blacklisted"] is True and "辱骂坐席" in pop["blacklist_reason"]


def test_a_missed_call_from_a_served_customer_goes_to_the_serving_seat(cti):
    phone = new_phone()
    customer = make_customer("未接客户", seat="seat01", phones=[phone])
    response = cti.post(MISSED, json={"caller": phone, "time": "2026-06-17T09:50:00+08:00"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["seat_id"] == user_named("seat01").id and body["customer_id"] == customer.id
    assert body["source"] == "missed_call" and "服务坐席" in body["reason"]
    again = cti.post(MISSED, json={"caller": phone})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert again.get_json()["missed_calls"] == 2


def test_a_customer_without_a_seat_goes_by_the_strategys_distribution_rule(cti):
    seat02 = user("seat02")
    rule = DistributionRule(name="回访分配", kind=RuleKind.TO_PEOPLE, method=Method.AVERAGE, org_id=org("SH-LC1").id,
                            targets=[DistributionRuleTarget(seat_id=seat02.id)])
    db.session.add(rule)
    db.session.flush()
    strategy.save(db.session, rule_id=rule.id, queue_org_id=org("SH-LC2").id, due_minutes=15)
    phone = new_phone()
    make_customer("部门池客户", phones=[phone], org_code="SH-LC1")
    db.session.commit()
    body = cti.post(MISSED, json={"caller": phone}).get_json()
    assert body["seat_id"] == seat02.id and "分配规则“回访分配”" in body["reason"]
    # An unknown number goes to the queue of the strategy's department.
    unknown = cti.post(MISSED, json={"caller": new_phone()}).get_json()
    assert unknown["seat_id"] is None and unknown["org_id"] == org("SH-LC2").id and unknown["customer_id"] is None


def test_a_missed_call_refuses_bad_input_and_writes_nothing(cti):
    before = _callbacks()
    for body, message in (({"caller": "12"}, "来电号码无效"), ({"caller": new_phone(), "time": "昨天"}, "ISO 8601"),
                          ({"caller": new_phone(), "extension": "9999"}, "没有对应的坐席"),
                          ({"caller": new_phone(), "time": "2030-01-01T00:00:00+08:00"}, "不能晚于现在")):
        response = cti.post(MISSED, json=body)
        assert response.status_code in (404, 422), body
        assert message in response.get_json()["error"]["message"]
    assert _callbacks() == before


def _form_post(client, page: str, url: str, data: dict) -> object:
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_completing_a_call_back_records_a_follow_up(login_as):
    phone = new_phone()
    customer = make_customer("回访客户", seat="seat01", phones=[phone])
    seat = user("seat01")
    callback = Callback(customer_id=customer.id, phone=phone, seat_id=seat.id, org_id=seat.org_id,
                        due_at=clock.now() - timedelta(hours=1), reason="到期提醒", source=CallbackSource.PLANNED)
    db.session.add(callback)
    db.session.commit()
    client = login_as("seat01")
    page = client.get("/callcentre/callbacks").get_data(as_text=True)
    assert "已逾期" in page and "回访客户" in page
    refused = _form_post(client, "/callcentre/callbacks", f"/callcentre/callbacks/{callback.id}/complete",
                         {"note": "", "connected": "y"})
    assert refused.status_code in (302, 422)
    fresh()
    assert db.session.get(Callback, callback.id).status == CallbackStatus.PENDING
    done = _form_post(client, "/callcentre/callbacks", f"/callcentre/callbacks/{callback.id}/complete",
                      {"note": "客户同意续投", "connected": "y", "duration_seconds": "120"})
    assert done.status_code == 302
    fresh()
    stored = db.session.get(Callback, callback.id)
    assert stored.status == CallbackStatus.DONE and stored.follow_up_id is not None
    follow_up = db.session.get(FollowUp, stored.follow_up_id)
    assert follow_up.user_id == seat.id and follow_up.content == "回访：客户同意续投"
    assert follow_up.connected and follow_up.duration_seconds == 120 and follow_up.valid
    # Another seat's call-back is out of reach.
    other = login_as("seat02")
    assert _form_post(other, "/callcentre/callbacks", f"/callcentre/callbacks/{callback.id}/cancel",
                      {"note": "x"}).status_code == 404


def test_quick_call_back_from_the_360_page(login_as):
    customer = make_customer("快速回访客户", seat="seat01")
    client = login_as("seat01")
    page = f"/customers/{customer.id}"
    html = client.get(page).get_data(as_text=True)
    assert "快速回访" in html and "customer-callbacks" in html
    later = clock.local(clock.now() + timedelta(days=1))
    scheduled = _form_post(client, page, f"/callcentre/customers/{customer.id}/callbacks",
                           {"mode": "schedule", "due_at": f"{later:%Y-%m-%dT%H:%M}", "reason": "约定明天回电"})
    assert scheduled.status_code == 302
    before = _callbacks()
    past = _form_post(client, page, f"/callcentre/customers/{customer.id}/callbacks",
                      {"mode": "schedule", "due_at": "2020-01-01T10:00", "reason": "过去"})
    assert past.status_code == 302
    assert "回访时间必须晚于现在" in client.get(page).get_data(as_text=True)
    assert _callbacks() == before
    now = _form_post(client, page, f"/callcentre/customers/{customer.id}/callbacks",
                     {"mode": "now", "note": "客户询问到账时间", "connected": "y", "duration_seconds": "60"})
    assert now.status_code == 302
    fresh()
    rows = db.session.scalars(select(Callback).where(Callback.customer_id == customer.id).order_by(Callback.id)).all()
    assert [(r.source, r.status) for r in rows] == [(CallbackSource.PLANNED, CallbackStatus.PENDING),
                                                   (CallbackSource.MANUAL, CallbackStatus.DONE)]
    assert db.session.get(FollowUp, rows[1].follow_up_id).content == "回访：客户询问到账时间"
    html = client.get(page).get_data(as_text=True)
    assert "约定明天回电" in html and "客户询问到账时间" in html
    # Outside the scope: seat11 cannot reach it.
    assert _form_post(login_as("seat11"), "/callcentre/callbacks", f"/callcentre/customers/{customer.id}/callbacks",
                      {"mode": "now", "note": "x"}).status_code == 404


def test_a_queued_call_back_is_claimed_once(login_as):
    seat = user("seat01")
    callback = Callback(phone=new_phone(), org_id=seat.org_id, due_at=clock.now(), reason="未接来电",
                        source=CallbackSource.MISSED_CALL, missed_calls=1)
    db.session.add(callback)
    db.session.commit()
    first, second = login_as("seat01"), login_as("seat02")
    assert "未接来电" in first.get("/callcentre/callbacks").get_data(as_text=True)
    claimed = _form_post(first, "/callcentre/callbacks", f"/callcentre/callbacks/{callback.id}/claim", {})
    assert claimed.status_code == 302
    assert _form_post(second, "/callcentre/callbacks", f"/callcentre/callbacks/{callback.id}/claim",
                      {}).status_code in (302, 404, 409)
    fresh()
    assert db.session.get(Callback, callback.id).seat_id == seat.id


def test_the_extension_is_edited_on_the_user_form_and_unique(login_as):
    admin = login_as("admin")
    seat02 = user("seat02")
    page = f"/admin/users/{seat02.id}/edit"
    html = admin.get(page).get_data(as_text=True)
    assert "分机号" in html
    data = {"name": seat02.name, "org_id": str(seat02.org_id), "superior_id": str(seat02.superior_id or 0),
            "weight": "1", "phone": "", "email": ""}
    taken = _form_post(admin, page, page, {**data, "extension": "8001"})
    assert taken.status_code == 409 and "分机号 8001 已分配给 张坐席" in taken.get_data(as_text=True)
    bad = _form_post(admin, page, page, {**data, "extension": "分机"})
    assert bad.status_code == 422 and "分机号应为 2–10 位数字" in bad.get_data(as_text=True)
    assert _form_post(admin, page, page, {**data, "extension": "8009"}).status_code == 302
    assert "8009" in admin.get(f"/admin/users/{seat02.id}").get_data(as_text=True)
    fresh()
    assert user("seat02").extension == "8009"


def test_the_strategy_page_saves_and_refuses_bad_values(login_as):
    admin = login_as("admin")
    html = admin.get("/callcentre/strategy").get_data(as_text=True)
    assert "回访策略" in html
    bad = _form_post(admin, "/callcentre/strategy", "/callcentre/strategy",
                     {"rule_id": "0", "queue_org_id": "0", "due_minutes": "0"})
    assert bad.status_code == 422 and "回访时限应为 1–10080 分钟" in bad.get_data(as_text=True)
    ok = _form_post(admin, "/callcentre/strategy", "/callcentre/strategy",
                    {"rule_id": "0", "queue_org_id": str(org("SH-LC2").id), "due_minutes": "45"})
    assert ok.status_code == 302
    fresh()
    saved = strategy.current(db.session)
    assert saved.queue_org_id == org("SH-LC2").id and saved.due_minutes == 45
    assert login_as("seat01").get("/callcentre/strategy").status_code == 403


def test_my_call_backs_api_lists_the_seats_pending_ones(api_as):
    body = api_as("seat01").get("/api/v1/callbacks").get_json()
    assert body["total"] >= 1 and all(item["status"] == "pending" for item in body["items"])
    assert api_as("seat01").get("/api/v1/callbacks?status=bogus").status_code == 400
