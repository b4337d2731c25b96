"""客户关怀: birthday and 成交纪念日 lists in the viewer's scope (year wrap and 2月29日 through the SQL), the daily
reminder sent once per seat and day, care tasks as 再次服务 mining tasks executed by 登记关怀, care templates rendered
for a customer, care records on the 360 page and the API, bad input and out-of-scope refused with nothing written."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from app import clock
from app.care import occasions, windows
from app.care.access import CARE
from app.care.models import CareKind, CareRecord, CareReminder, CareTask
from app.customers.models import Customer, Pool
from app.extensions import db
from app.mining.task_models import ItemStatus, MiningTask, MiningTaskItem, TaskStatus, TaskType
from app.notices.models import Notice, NoticeReceipt
from app.org import scope as data_scope
from app.trades.models import Trade, TradeStatus
from scheduler.registry import JOBS
from tests.customer_helpers import fresh, make_customer, new_id_number, user

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive

JSON = {"Accept": "application/json"}


def _id_born(days_ahead: int, year: int) -> str:
    """An ID number of someone born in ``year`` whose birthday is kept ``days_ahead`` days from today."""
    return new_id_number(windows.kept_on(clock.today() + timedelta(days=days_ahead), year).strftime("%Y%m%d"))


def _demo_birthdays() -> list[Customer]:
    """seat01's customers the care demo gave a birthday today, in 2 and in 5 days."""
    fresh()
    seat = user("seat01")
    today = clock.today()
    found = []
    for customer in db.session.scalars(select(Customer).where(Customer.service_seat_id == seat.id,
                                                              Customer.pool == Pool.PERSONAL).order_by(Customer.id)):
        if customer.birthday and (customer.birthday.month, customer.birthday.day) in {
                ((today + timedelta(days=d)).month, (today + timedelta(days=d)).day) for d in (0, 2, 5)}:
            found.append(customer)
    return found


def _records(customer_id: int) -> list[CareRecord]:
    fresh()
    return list(db.session.scalars(select(CareRecord).where(CareRecord.customer_id == customer_id)
                                   .order_by(CareRecord.id)))


def _listed(username: str, kind: CareKind = CareKind.BIRTHDAY, days: int = 7) -> dict[int, occasions.Row]:
    fresh()
    scope = data_scope.scope_of(db.session, user(username), CARE)
    rows, _total = occasions.listing(db.session, scope, kind, clock.today(), days)
    return {r.customer_id: r for r in rows}


# --- lists ------------------------------------------------------------------------------------------------


def test_seat01_sees_its_demo_birthdays_with_age_seat_and_last_care(login_as):
    demo = _demo_birthdays()
    assert len(demo) == 3
    page = login_as("seat01").get("/care/birthdays").get_data(as_text=True)
    assert "生日关怀" in page
    for customer in demo:
        assert customer.name in page and customer.number in page
    today = clock.today()
    first = next(c for c in demo if (c.birthday.month, c.birthday.day) == (today.month, today.day))
    assert "今天" in page and f"{today.year - first.birthday.year} 岁" in page and "张坐席" in page
    assert (clock.now() - timedelta(days=365)).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d") in page  # last care
    # A 3-day window leaves out the birthday in 5 days.
    three = _listed("seat01", days=3)
    assert demo[0].id in three and demo[1].id in three and demo[2].id not in three
    assert all(row.ahead < 3 for row in three.values())


def test_the_list_is_scoped_seats_see_only_their_own_heads_their_department(login_as):
    seat02_customer = make_customer("柏生日", seat="seat02",
                                    id_number=_id_born(1, 1990))
    seat11_customer = make_customer("邱生日", seat="seat11",
                                    id_number=_id_born(1, 1970))
    assert seat02_customer.id not in _listed("seat01")
    assert seat02_customer.id in _listed("seat02")
    head = _listed("head01")
    assert seat02_customer.id in head and seat11_customer.id not in head
    assert all(c.id in head for c in _demo_birthdays())
    assert "柏生日" not in login_as("seat01").get("/care/birthdays").get_data(as_text=True)
    assert "邱生日" not in login_as("head01").get("/care/birthdays").get_data(as_text=True)
    assert "邱生日" in login_as("head11").get("/care/birthdays?days=3").get_data(as_text=True)


@pytest.mark.date_sensitive
def test_the_sql_window_wraps_the_year_and_keeps_february_29(app):
    new_year = make_customer("元旦后", seat="seat01", id_number=new_id_number("19800102"))
    leap = make_customer("闰日生", seat="seat01", id_number=new_id_number("19880229"))
    assert new_year.birthday == date(1980, 1, 2) and leap.birthday == date(1988, 2, 29)
    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=clock.SHANGHAI), tick=False):
        rows = _listed("seat01", days=7)
        assert rows[new_year.id].on == date(2027, 1, 2) and rows[new_year.id].years == 47
        assert rows[new_year.id].ahead == 4 and leap.id not in rows
    with time_machine.travel(datetime(2027, 2, 26, 10, tzinfo=clock.SHANGHAI), tick=False):  # a common year
        rows = _listed("seat01", days=3)
        assert rows[leap.id].on == date(2027, 2, 28) and rows[leap.id].ahead == 2 and rows[leap.id].years == 39
    with time_machine.travel(datetime(2028, 2, 28, 10, tzinfo=clock.SHANGHAI), tick=False):  # a leap year
        rows = _listed("seat01", days=1)
        assert leap.id not in rows  # kept on the 29th this time
        rows = _listed("seat01", days=2)
        assert rows[leap.id].on == date(2028, 2, 29) and rows[leap.id].years == 40


def test_the_anniversary_list_counts_full_years_from_the_first_confirmed_trade(api_as, login_as):
    fresh()
    trade = db.session.scalar(select(Trade).where(Trade.arrival_confirmed.is_(True),
                                                  Trade.status.not_in((TradeStatus.REFUNDED, TradeStatus.FAILED)))
                              .order_by(Trade.id).limit(1))
    assert trade is not None, "the demo data has no arrival-confirmed trade"
    kept = clock.today() + timedelta(days=3)
    first_deal = windows.kept_on(kept, kept.year - 2)  # across the year end too
    db.session.execute(update(Trade).where(Trade.id == trade.id).values(arrival_date=first_deal))
    db.session.commit()
    customer_id = trade.customer_id
    body = api_as("admin").get("/api/v1/care/upcoming?kind=anniversary&days=7").get_json()
    row = next(item for item in body["items"] if item["customer_id"] == customer_id)
    assert row["years"] == 2 and row["days_ahead"] == 3 and row["origin"] == first_deal.isoformat()
    # The anniversary list makes care tasks too (the list's own join to the first deals).
    assert login_as("admin").post("/care/anniversary/tasks", data={"days": "7", "all": "1"}).status_code == 302
    fresh()
    care = db.session.scalar(select(CareTask).order_by(CareTask.id.desc()).limit(1))
    assert care.kind == CareKind.ANNIVERSARY and customer_id in set(db.session.scalars(
        select(MiningTaskItem.customer_id).where(MiningTaskItem.task_id == care.task_id)))
    # A first deal this year is no anniversary yet.
    db.session.execute(update(Trade).where(Trade.id == trade.id)
                       .values(arrival_date=clock.today() + timedelta(days=3)))
    db.session.execute(update(Trade).where(Trade.customer_id == customer_id, Trade.id != trade.id)
                       .values(arrival_confirmed=False))
    db.session.commit()
    body = api_as("admin").get("/api/v1/care/upcoming?kind=anniversary&days=7").get_json()
    assert customer_id not in {item["customer_id"] for item in body["items"]}


# --- reminders ---------------------------------------------------------------------------------------------


def _care_notices(username: str) -> list[Notice]:
    fresh()
    return list(db.session.scalars(select(Notice).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                                   .where(NoticeReceipt.user_id == user(username).id,
                                          Notice.title.startswith("客户关怀提醒")).order_by(Notice.id)))


@pytest.mark.date_sensitive
def test_the_reminder_job_sends_each_serving_seat_one_notice_a_day(app):
    job = JOBS["care.reminders"]
    assert job.name == "客户关怀提醒"
    fresh()
    summary = job.func(db.session, clock.now())
    db.session.commit()
    assert summary.startswith("已向 ") and "名坐席发送客户关怀提醒" in summary
    notices = _care_notices("seat01")
    assert len(notices) == 1
    demo = _demo_birthdays()
    within = [c for c in demo if c.birthday and 0 <= (date(clock.today().year, c.birthday.month, c.birthday.day)
                                                        - clock.today()).days < 3]
    assert within and all(c.name in notices[0].body for c in within)
    assert "（今天" in notices[0].title
    assert demo[-1].name not in notices[0].body  # in 5 days: outside the 3-day reminder window
    # Again the same day: nothing more.
    fresh()
    assert job.func(db.session, clock.now()).startswith("今天已提醒过")
    db.session.commit()
    assert len(_care_notices("seat01")) == 1
    fresh()
    assert db.session.scalar(select(func.count()).select_from(CareReminder)
                             .where(CareReminder.seat_id == user("seat01").id)) == 1
    # The next day is another day.
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        fresh()
        job.func(db.session, clock.now())
        db.session.commit()
    assert len(_care_notices("seat01")) == 2


# --- care tasks --------------------------------------------------------------------------------------------


def test_a_head_makes_a_care_task_and_the_seat_executes_it_by_recording_care(login_as):
    demo = _demo_birthdays()
    head = login_as("head01")
    response = head.post("/care/birthday/tasks", data={"days": "7", "all": "1"})
    assert response.status_code == 302
    fresh()
    care = db.session.scalar(select(CareTask).order_by(CareTask.id.desc()).limit(1))
    assert care is not None and care.kind == CareKind.BIRTHDAY and care.days == 7
    task = db.session.get(MiningTask, care.task_id)
    assert task.type == TaskType.RESERVICE and task.status == TaskStatus.PUBLISHED and "生日关怀" in task.name
    items = {i.customer_id: i for i in db.session.scalars(select(MiningTaskItem)
                                                          .where(MiningTaskItem.task_id == task.id))}
    seat01 = user("seat01")
    for customer in demo:
        assert items[customer.id].seat_id == seat01.id and items[customer.id].status == ItemStatus.DRAWN
    assert f"已生成关怀任务“{task.name}”" in head.get("/care/birthdays").get_data(as_text=True)
    # The seat cares for one customer: the record is written and the task item executed.
    seat = login_as("seat01")
    assert seat.post(f"/care/customers/{demo[0].id}/records",
                     data={"kind": "birthday", "message": "生日快乐！"}).status_code == 302
    fresh()
    item = db.session.get(MiningTaskItem, items[demo[0].id].id)
    assert item.status == ItemStatus.DONE and item.note == "已生日关怀"
    assert _records(demo[0].id)[-1].task_item_id == item.id
    assert "我的挖掘任务" in seat.get("/mining/my-tasks").get_data(as_text=True)


def test_care_tasks_take_only_chosen_customers_in_scope_and_seats_may_not_make_them(login_as):
    demo = _demo_birthdays()
    other = make_customer("外部门", seat="seat11",
                          id_number=_id_born(1, 1975))
    fresh()
    tasks_before = db.session.scalar(select(func.count()).select_from(MiningTask))
    head = login_as("head01")
    refused = head.post("/care/birthday/tasks", data={"days": "7", "customer_id": [str(other.id)]})
    assert refused.status_code == 422 and "没有可生成关怀任务的客户" in refused.get_data(as_text=True)
    assert head.post("/care/birthday/tasks", data={"days": "7"}).status_code == 422
    assert "请先勾选" in head.post("/care/birthday/tasks", data={"days": "7"}).get_data(as_text=True)
    bad_days = head.post("/care/birthday/tasks", data={"days": "99", "all": "1"})
    assert bad_days.status_code == 422 and "天数应为 1 到 60 之间的整数" in bad_days.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(MiningTask)) == tasks_before
    assert head.post("/care/birthday/tasks", data={"days": "7", "customer_id": [str(demo[0].id), str(other.id)]}
                     ).status_code == 302
    fresh()
    task_id = db.session.scalar(select(CareTask.task_id).order_by(CareTask.id.desc()).limit(1))
    assert set(db.session.scalars(select(MiningTaskItem.customer_id).where(MiningTaskItem.task_id == task_id))) \
        == {demo[0].id}
    assert login_as("seat01").post("/care/birthday/tasks", data={"days": "7", "all": "1"}).status_code == 403


# --- message, record, 360 ----------------------------------------------------------------------------------


def test_the_seat_sees_the_rendered_message_records_care_and_the_360_page_shows_it(login_as):
    demo = _demo_birthdays()
    today = clock.today()
    customer = next(c for c in demo if (c.birthday.month, c.birthday.day) == (today.month, today.day))
    seat = login_as("seat01")
    page = seat.get(f"/care/customers/{customer.id}?kind=birthday").get_data(as_text=True)
    salutation = customer.name[:1] + ("先生" if customer.gender.value == "male" else "女士") \
        if customer.gender.value in ("male", "female") else customer.name
    assert f"{salutation}您好！我是您的理财顾问张坐席。今天是您的 {today.year - customer.birthday.year} 岁生日" in page
    textarea = re.search(r'<textarea[^>]*id="message"[^>]*>([^<]*)</textarea>', page)
    assert textarea and "{" not in textarea.group(1) and "生日祝福" in page
    response = seat.post(f"/care/customers/{customer.id}/records", data={
        "kind": "birthday", "message": "张先生生日快乐，已电话祝福", "occasion": today.isoformat()})
    assert response.status_code == 302 and response.headers["Location"].endswith("#section-care")
    detail = seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "客户关怀" in detail and "张先生生日快乐，已电话祝福" in detail
    records = _records(customer.id)
    assert records[-1].kind == CareKind.BIRTHDAY and records[-1].occasion == today
    assert records[-1].by_id == user("seat01").id
    assert "本次已关怀" in seat.get("/care/birthdays").get_data(as_text=True)


def test_bad_care_input_is_refused_in_chinese_and_nothing_is_written(login_as, api_as):
    customer = _demo_birthdays()[0]
    before = len(_records(customer.id))
    seat = login_as("seat01")
    empty = seat.post(f"/care/customers/{customer.id}/records", data={"kind": "birthday", "message": "  "})
    assert empty.status_code == 422 and "请填写关怀内容" in empty.get_data(as_text=True)
    kind = seat.post(f"/care/customers/{customer.id}/records", data={"kind": "wedding", "message": "好"})
    assert kind.status_code == 422 and "请选择关怀类型" in kind.get_data(as_text=True)
    long = seat.post(f"/care/customers/{customer.id}/records", data={"kind": "other", "message": "长" * 1001})
    assert long.status_code == 422 and "关怀内容不能超过 1000 字" in long.get_data(as_text=True)
    bad_date = seat.post(f"/care/customers/{customer.id}/records",
                         data={"kind": "other", "message": "好", "occasion": "2026-13-01"})
    assert bad_date.status_code == 422 and "关怀日期格式应为 YYYY-MM-DD" in bad_date.get_data(as_text=True)
    api = api_as("seat01")
    assert api.get("/api/v1/care/upcoming?days=0").get_json()["error"]["message"] == "天数应为 1 到 60 之间的整数"
    assert api.get("/api/v1/care/upcoming?kind=festival").status_code == 422
    no_text = api.post(f"/api/v1/care/customers/{customer.id}/records", json={"kind": "birthday"})
    assert no_text.status_code == 422 and "请填写关怀内容" in no_text.get_json()["error"]["message"]
    bad_template = api.post(f"/api/v1/care/customers/{customer.id}/records",
                            json={"kind": "birthday", "message": "好", "template_id": 99999})
    assert bad_template.status_code == 422 and "所选关怀模板不存在" in bad_template.get_json()["error"]["message"]
    assert len(_records(customer.id)) == before


def test_customers_out_of_scope_look_missing(login_as, api_as):
    customer = _demo_birthdays()[0]
    before = len(_records(customer.id))
    other_seat = login_as("seat02")
    assert other_seat.get(f"/care/customers/{customer.id}").status_code == 404
    assert other_seat.post(f"/care/customers/{customer.id}/records",
                           data={"kind": "birthday", "message": "生日快乐"}).status_code == 404
    api = api_as("seat11")
    assert api.get(f"/api/v1/care/customers/{customer.id}/message").status_code == 404
    assert api.get(f"/api/v1/care/customers/{customer.id}/records").status_code == 404
    assert api.post(f"/api/v1/care/customers/{customer.id}/records",
                    json={"kind": "birthday", "message": "生日快乐"}).status_code == 404
    assert len(_records(customer.id)) == before
    assert login_as("finance01").get("/care/birthdays").status_code == 403


def test_the_api_lists_renders_and_records(api_as):
    customer = _demo_birthdays()[0]
    api = api_as("seat01")
    listing = api.get("/api/v1/care/upcoming").get_json()
    assert listing["days"] == 7 and customer.id in {item["customer_id"] for item in listing["items"]}
    rendered = api.get(f"/api/v1/care/customers/{customer.id}/message?kind=birthday").get_json()
    assert rendered["template_name"] == "生日祝福" and "{" not in rendered["message"]
    created = api.post(f"/api/v1/care/customers/{customer.id}/records",
                       json={"kind": "birthday", "message": rendered["message"],
                             "template_id": rendered["template_id"], "occasion": rendered["occasion"]})
    assert created.status_code == 201 and created.get_json()["by_name"] == "张坐席"
    records = api.get(f"/api/v1/care/customers/{customer.id}/records").get_json()
    assert records[0]["message"] == rendered["message"] and records[0]["template_name"] == "生日祝福"


# --- templates ---------------------------------------------------------------------------------------------


def test_care_templates_are_content_templates_with_a_kind(login_as):
    head = login_as("head01")
    saved = head.post("/care/templates", data={"kind": "festival", "name": "中秋问候", "title": "中秋快乐",
                                               "body": "{称呼}，中秋快乐！{坐席姓名}敬上"})
    assert saved.status_code == 302
    page = head.get("/care/templates").get_data(as_text=True)
    assert "中秋问候" in page and "节日" in page
    empty = head.post("/care/templates", data={"kind": "festival", "name": "空模板", "body": ""})
    assert empty.status_code == 422 and "请填写关怀话术" in empty.get_data(as_text=True)
    twice = head.post("/care/templates", data={"kind": "birthday", "name": "中秋问候", "body": "x"})
    assert twice.status_code == 409 and "模板“中秋问候”已存在" in twice.get_data(as_text=True)
    bad_kind = head.post("/care/templates", data={"kind": "x", "name": "新的", "body": "x"})
    assert bad_kind.status_code == 422 and "请选择关怀类型" in bad_kind.get_data(as_text=True)
    assert login_as("seat01").get("/care/templates").status_code == 403
    customer = _demo_birthdays()[0]
    message = login_as("seat01").get(f"/care/customers/{customer.id}?kind=festival").get_data(as_text=True)
    assert "中秋快乐！张坐席敬上" in message
