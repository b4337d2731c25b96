"""有效跟进 as one working page (seed 000 §1.3): search the customers to work, log a call, book and reschedule the
next appointment and fix a phone without leaving it (htmx panels, CSRF on); blank follow-ups refused everywhere;
data scope; 预约提醒's customer number sets 当前客户 (§1.6); the page's API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.customers.models import CustomerPhone, Gender
from app.extensions import db
from app.followups.models import Appointment, AppointmentStatus, FollowUp
from tests.customer_helpers import fresh, make_customer, reloaded

HTMX = {"HX-Request": "true"}


def _local(days: int, hh_mm: str) -> str:
    """A datetime-local value ``days`` from today at ``hh_mm`` (Asia/Shanghai)."""
    return f"{(clock.today() + timedelta(days=days)).isoformat()}T{hh_mm}"


def _follow_ups(customer_id: int) -> list[FollowUp]:
    fresh()
    return list(db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer_id)))


@pytest.mark.date_sensitive
def test_a_seat_logs_a_call_books_the_next_appointment_and_fixes_a_phone_on_one_page(login_as):
    customer = make_customer("一页客户", seat="seat01", phones=["13722230001"])
    wrong = customer.phones[0].id
    client = login_as("seat01")
    page = client.get("/followups/", query_string={"customer": customer.id}).get_data(as_text=True)
    assert all(part in page for part in ("有效跟进客户查询", "客户预约维护", "记录跟进", "客户基础信息维护"))
    assert f'id="work-row-{customer.id}"' in page and "137****0001" in page  # the list masks phones

    fixed = client.post(f"/followups/customers/{customer.id}/work-phones/{wrong}", data={"phone": "137-2223-0009"},
                        headers=HTMX)
    body = fixed.get_data(as_text=True)
    assert fixed.status_code == 200 and "电话已改为 13722230009" in body
    # The follow-up form's phone list and the list row follow the fix, out of band.
    assert 'id="follow-up-phone"' in body and "13722230009（手机）" in body and "137****0009" in body

    logged = client.post(f"/followups/customers/{customer.id}", headers=HTMX, data={
        "kind": "call", "phone": "13722230009", "connected": "y", "duration_seconds": 95, "result": "interested",
        "content": "对稳健型产品有兴趣，约明天面谈"})
    body = logged.get_data(as_text=True)
    assert logged.status_code == 200 and "跟进已记录" in body and "对稳健型产品有兴趣" in body
    assert "本次分配后跟进 1 次，有效电话 1 次" in body  # the header, out of band

    booked = client.post(f"/followups/customers/{customer.id}/appointments", headers=HTMX,
                         data={"at": _local(1, "10:30"), "content": "面谈确认认购"})
    assert booked.status_code == 200 and "已预约" in booked.get_data(as_text=True)
    fresh()
    appointment = db.session.scalar(select(Appointment).where(Appointment.customer_id == customer.id))
    moved = client.post(f"/followups/appointments/{appointment.id}/reschedule", headers=HTMX,
                        data={"new_at": _local(2, "15:00")})
    assert moved.status_code == 200 and "预约已改到" in moved.get_data(as_text=True)

    fresh()
    assert [p.phone for p in db.session.scalars(select(CustomerPhone).where(
        CustomerPhone.customer_id == customer.id))] == ["13722230009"]
    [call] = _follow_ups(customer.id)
    assert (call.phone, call.valid, call.result) == ("13722230009", True, "interested")
    current = reloaded(customer.id)
    assert current.followup_count == 1 and current.valid_call_count == 1
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status == AppointmentStatus.PENDING
    assert clock.local(appointment.at).strftime("%Y-%m-%dT%H:%M") == _local(2, "15:00")


@pytest.mark.date_sensitive
def test_appointments_are_completed_and_cancelled_on_the_page(login_as):
    customer = make_customer("预约维护", seat="seat01")
    client = login_as("seat01")
    for day in (1, 2):
        client.post(f"/followups/customers/{customer.id}/appointments", headers=HTMX, data={"at": _local(day, "09:00")})
    fresh()
    first, second = db.session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)
                                       .order_by(Appointment.at)).all()
    assert "预约已完成" in client.post(f"/followups/appointments/{first.id}/done", headers=HTMX).get_data(as_text=True)
    assert "预约已取消" in client.post(f"/followups/appointments/{second.id}/cancel",
                                   headers=HTMX).get_data(as_text=True)
    again = client.post(f"/followups/appointments/{first.id}/cancel", headers=HTMX)
    assert again.status_code == 409 and "该预约已处理" in again.get_data(as_text=True)
    assert again.headers["HX-Retarget"] == "#work-appointments-error"
    fresh()
    assert [a.status for a in db.session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)
                                                 .order_by(Appointment.at))] == [AppointmentStatus.DONE,
                                                                                  AppointmentStatus.CANCELLED]


def test_basic_information_is_maintained_and_bad_input_refused_with_nothing_written(login_as):
    customer = make_customer("资料客户", seat="seat01", phones=["13722230011"])
    make_customer("别人的客户", seat="seat02", phones=["13722230012"])
    client = login_as("seat01")
    saved = client.post(f"/followups/customers/{customer.id}/basic", headers=HTMX,
                        data={"name": "资料客户（改）", "gender": "female", "birthday": "1980-05-06", "grade": "A"})
    assert saved.status_code == 200 and "基本信息已保存" in saved.get_data(as_text=True)
    added = client.post(f"/followups/customers/{customer.id}/work-phones", headers=HTMX,
                        data={"phone": "021-55556666", "remark": "单位"})
    assert "已添加电话 02155556666" in added.get_data(as_text=True)
    client.post(f"/followups/customers/{customer.id}/work-addresses", headers=HTMX,
                data={"kind": "home", "address": "上海市浦东新区世纪大道 100 号", "postcode": "200120"})

    refusals = [
        (f"/followups/customers/{customer.id}/basic", {"name": "x", "gender": "male",
                                                       "birthday": (clock.today() + timedelta(days=1)).isoformat()},
         "出生日期不能晚于今天"),
        (f"/followups/customers/{customer.id}/basic", {"name": "", "gender": "male"}, "请填写客户姓名"),
        (f"/followups/customers/{customer.id}/work-phones/{customer.phones[0].id}", {"phone": "13722230012"},
         "已登记在客户"),
        (f"/followups/customers/{customer.id}/work-phones/{customer.phones[0].id}", {"phone": "12345"},
         "格式不正确"),
        (f"/followups/customers/{customer.id}/work-addresses", {"kind": "home", "address": "某地", "postcode": "12"},
         "邮政编码应为 6 位数字"),
    ]
    for url, data, message in refusals:
        refused = client.post(url, headers=HTMX, data=data)
        assert refused.status_code in (409, 422) and message in refused.get_data(as_text=True), url
        assert refused.headers["HX-Retarget"] == "#work-basic-error"
    current = reloaded(customer.id)
    assert (current.name, current.gender, str(current.birthday), current.grade) == (
        "资料客户（改）", Gender.FEMALE, "1980-05-06", "A")
    assert [p.phone for p in current.phones] == ["13722230011", "02155556666"]
    assert [a.postcode for a in current.addresses] == ["200120"]


def test_a_follow_up_with_neither_result_nor_content_is_refused_everywhere(login_as, api_as):
    customer = make_customer("空白跟进", seat="seat01", phones=["13722230021"])
    client = login_as("seat01")
    blank = {"kind": "call", "phone": "13722230021", "duration_seconds": 0, "content": "   "}
    on_page = client.post(f"/followups/customers/{customer.id}", headers=HTMX, data=blank)
    assert on_page.status_code == 422 and "请填写跟进结果或跟进内容" in on_page.get_data(as_text=True)
    assert on_page.headers["HX-Retarget"] == "#work-follow_up-error"
    client.post(f"/followups/customers/{customer.id}", data=blank, headers={"Referer": f"/customers/{customer.id}"})
    assert "请填写跟进结果或跟进内容" in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    by_api = api_as("seat01").post(f"/api/v1/customers/{customer.id}/followups", json={"kind": "visit"})
    assert by_api.status_code == 422 and by_api.get_json()["error"]["message"] == "请填写跟进结果或跟进内容"
    assert _follow_ups(customer.id) == []
    assert reloaded(customer.id).followup_count == 0
    # A result alone or content alone is enough.
    client.post(f"/followups/customers/{customer.id}", headers=HTMX, data={**blank, "result": "no_answer"})
    client.post(f"/followups/customers/{customer.id}", headers=HTMX, data={"kind": "visit", "content": "上门"})
    assert len(_follow_ups(customer.id)) == 2


@pytest.mark.date_sensitive
def test_another_seats_customer_is_not_found_on_the_page(login_as):
    theirs = make_customer("二部客户", seat="seat11", phones=["13722230031"])
    client = login_as("seat01")
    phone = theirs.phones[0].id
    assert client.get("/followups/", query_string={"customer": theirs.id}).status_code == 404
    assert client.get(f"/followups/customers/{theirs.id}/work").status_code == 404
    panel = client.get(f"/followups/customers/{theirs.id}/work", headers=HTMX)
    assert panel.status_code == 404 and "二部客户" not in panel.get_data(as_text=True)
    for url, data in [
        (f"/followups/customers/{theirs.id}", {"kind": "visit", "content": "越权"}),
        (f"/followups/customers/{theirs.id}/appointments", {"at": _local(1, "10:00")}),
        (f"/followups/customers/{theirs.id}/basic", {"name": "篡改", "gender": "male"}),
        (f"/followups/customers/{theirs.id}/work-phones", {"phone": "13722230039"}),
        (f"/followups/customers/{theirs.id}/work-phones/{phone}", {"phone": "13722230039"}),
        (f"/followups/customers/{theirs.id}/work-phones/{phone}/primary", {}),
    ]:
        assert client.post(url, data=data, headers=HTMX).status_code == 404, url
    assert theirs.number not in client.get("/followups/", query_string={"q": theirs.number}, headers=HTMX).get_data(
        as_text=True)
    # seat11's appointment cannot be moved by seat01 either.
    login_as("seat11").post(f"/followups/customers/{theirs.id}/appointments", data={"at": _local(1, "11:00")})
    fresh()
    appointment = db.session.scalar(select(Appointment).where(Appointment.customer_id == theirs.id))
    assert client.post(f"/followups/appointments/{appointment.id}/reschedule", headers=HTMX,
                       data={"new_at": _local(3, "11:00")}).status_code == 404
    current = reloaded(theirs.id)
    assert current.name == "二部客户" and [p.phone for p in current.phones] == ["13722230031"]
    assert current.followup_count == 0


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_the_list_searches_by_name_number_phone_tail_type_and_status(login_as):
    called = make_customer("搜索甲", seat="seat01", phones=["13722235678"], type_="valid")
    quiet = make_customer("搜索乙", seat="seat01", phones=["13722239999"], type_="intent")
    client = login_as("seat01")
    client.post(f"/followups/customers/{called.id}", data={
        "kind": "call", "phone": "13722235678", "connected": "y", "duration_seconds": 120, "result": "interested"})

    def rows(**query: str) -> str:
        response = client.get("/followups/", query_string=query, headers=HTMX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "客户基础信息维护" not in html  # htmx gets the list alone
        return html

    assert "搜索甲" in rows(phone="5678") and "搜索乙" not in rows(phone="5678")
    assert "电话尾号至少输入 3 位数字" in rows(phone="78")
    assert "搜索乙" in rows(q=quiet.number.lower()) and "搜索甲" not in rows(q=quiet.number)
    assert "搜索甲" in rows(q="搜索", type="valid") and "搜索乙" not in rows(q="搜索", type="valid")
    assert "搜索甲" in rows(q="搜索", status="valid") and "搜索乙" not in rows(q="搜索", status="valid")
    due = rows(q="搜索", status="due")
    assert "搜索乙" in due and "搜索甲" not in due  # never followed up → 待跟进
    today = clock.today().isoformat()
    assert "搜索甲" in rows(q="搜索", **{"from": today, "to": today})
    assert "搜索甲" not in rows(q="搜索", to=(clock.today() - timedelta(days=1)).isoformat())


@pytest.mark.date_sensitive
def test_clicking_a_reminders_customer_number_makes_it_the_current_customer(login_as):
    customer = make_customer("提醒客户", seat="seat01")
    client = login_as("seat01")
    tomorrow = clock.today() + timedelta(days=1)
    client.post(f"/followups/customers/{customer.id}/appointments", data={"at": f"{tomorrow.isoformat()}T09:30"})
    page = client.get("/followups/reminders", query_string={"day": tomorrow.isoformat()}).get_data(as_text=True)
    row = page.split('id="day-appointments"')[1].split("</table>")[0]
    assert f'action="/customers/{customer.id}/current"' in row and customer.number in row
    chosen = client.post(f"/customers/{customer.id}/current", follow_redirects=True)
    current = chosen.get_data(as_text=True).split('id="current-customer"')[1].split("</div></div>")[0]
    assert chosen.request.path == "/customers/workbench/current"
    assert "提醒客户" in current and customer.number in current


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_the_api_books_reschedules_and_closes_appointments_and_lists_the_customers_to_work(api_as):
    customer = make_customer("接口预约", seat="seat01", phones=["13722230041"])
    api = api_as("seat01")
    at = (clock.local(clock.now()) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    booked = api.post(f"/api/v1/customers/{customer.id}/appointments", json={"at": at.isoformat(), "content": "回访"})
    assert booked.status_code == 201 and booked.get_json()["status"] == "pending"
    appointment_id = booked.get_json()["id"]
    past = api.post(f"/api/v1/customers/{customer.id}/appointments", json={"at": "2020-01-01T10:00:00+08:00"})
    assert past.status_code == 422 and past.get_json()["error"]["message"] == "预约时间必须晚于现在"
    moved = api.patch(f"/api/v1/appointments/{appointment_id}", json={"at": (at + timedelta(hours=5)).isoformat()})
    assert moved.status_code == 200
    listed = api.get("/api/v1/followups/customers", query_string={"phone": "0041"}).get_json()
    assert [(c["number"], c["phones"]) for c in listed["items"]] == [(customer.number, ["137****0041"])]
    assert listed["items"][0]["next_appointment_at"] == moved.get_json()["at"]
    assert api.get("/api/v1/followups/customers", query_string={"status": "x"}).status_code == 422
    assert api.post(f"/api/v1/appointments/{appointment_id}/done").get_json()["status"] == "done"
    assert api.post(f"/api/v1/appointments/{appointment_id}/cancel").status_code == 409
    assert [a["status"] for a in api.get(f"/api/v1/customers/{customer.id}/appointments").get_json()] == ["done"]
    assert api_as("seat11").patch(f"/api/v1/appointments/{appointment_id}", json={"at": at.isoformat()}).status_code \
        == 404
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.customer_id == customer.id)) == 1
