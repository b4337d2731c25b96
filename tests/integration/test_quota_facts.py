"""Daily facts (每日实绩) behind the task calendar: counted in the transaction that logs a follow-up or makes a
customer 意向, once per customer and day for 意向, and the scheduler's rebuild gives the same answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from app import clock
from app.auth.models import User
from app.customers.models import Customer
from app.extensions import db
from app.followups import services as followups
from app.quotas import facts
from app.quotas.metrics import Metric
from app.quotas.models import DailyFact
from scheduler.registry import JOBS
from tests.customer_helpers import fresh, make_customer, user
from tests.race import at_once


def today_of(username: str) -> dict[Metric, int]:
    fresh()
    seat = user(username)
    return facts.daily(db.session, [seat.id], clock.today(), clock.today())[(seat.id, clock.today())]


def log(client, customer_id: int, **data: object) -> None:
    response = client.post(f"/followups/customers/{customer_id}", data=data)
    assert response.status_code in (200, 302)


def test_logging_follow_ups_through_the_screen_counts_them_for_the_author_today(login_as):
    customer = make_customer("实绩甲", seat="seat01", phones=["13722230001"], type_="new")
    before = today_of("seat01")  # the demo's call-backs done today count already
    client = login_as("seat01")
    log(client, customer.id, kind="call", phone="13722230001", connected="y", duration_seconds=90, result="interested")
    log(client, customer.id, kind="call", phone="13722230001", connected="y", duration_seconds=10, result="refused")
    log(client, customer.id, kind="visit", content="面谈")
    log(client, customer.id, kind="incoming_visit", content="来访")
    log(client, customer.id, kind="invitation", content="邀约参加沙龙")
    log(client, customer.id, kind="salon", content="参加沙龙")
    added = {Metric.INTENT: 0, Metric.VALID_CALL: 1, Metric.VISIT: 2, Metric.INVITATION: 1}
    assert today_of("seat01") == {metric: before[metric] + added[metric] for metric in added}
    assert today_of("seat02") == facts.zero()


@pytest.mark.db_sensitive
def test_a_customer_made_intent_counts_once_a_day_for_its_seat(login_as):
    customer = make_customer("实绩乙", seat="seat01", type_="new")
    client = login_as("seat01")
    log(client, customer.id, kind="visit", content="有兴趣", new_type="intent")
    log(client, customer.id, kind="visit", content="转有效", new_type="valid")
    log(client, customer.id, kind="visit", content="又回到意向", new_type="intent")
    make_customer("实绩丙", seat="seat01", type_="intent")  # created as 意向 in the personal pool
    make_customer("实绩丁", type_="intent")  # in the department pool: nobody's
    assert today_of("seat01")[Metric.INTENT] == 2


@pytest.mark.db_sensitive
def test_the_nightly_rebuild_gives_the_same_facts_as_the_incremental_counting(login_as):
    customer = make_customer("实绩戊", seat="seat01", phones=["13722230002"], type_="new")
    client = login_as("seat01")
    for _ in range(3):
        log(client, customer.id, kind="call", phone="13722230002", connected="y", duration_seconds=120,
            result="interested")
    log(client, customer.id, kind="invitation", content="邀约", new_type="intent")
    fresh()
    start, end = clock.today() - timedelta(days=6), clock.today()
    seats = [user(name).id for name in ("seat01", "seat02", "seat11")]
    facts.rebuild(db.session, start, end)  # the demo's follow-ups were bulk-loaded without signals
    db.session.commit()
    incremental = facts.daily(db.session, seats, start, end)
    log(client, customer.id, kind="call", phone="13722230002", connected="y", duration_seconds=120, result="interested")
    fresh()
    assert facts.daily(db.session, seats, end, end)[(seats[0], end)][Metric.VALID_CALL] == \
        incremental[(seats[0], end)][Metric.VALID_CALL] + 1
    incremental = facts.daily(db.session, seats, start, end)
    summary = JOBS["quotas.rebuild_facts"].func(db.session, clock.now())
    db.session.commit()
    assert "最近 7 天" in summary
    assert facts.daily(db.session, seats, start, end) == incremental
    assert facts.totals(db.session, seats, start, end)[seats[0]][Metric.INTENT] == 1


@pytest.mark.db_sensitive
def test_an_administrator_rebuilds_a_range_and_bad_ranges_are_refused(login_as):
    admin = login_as("admin")
    today = clock.today()
    seat = user("seat01").id
    fresh()
    db.session.execute(delete(DailyFact))  # as if the facts had been lost
    db.session.commit()
    for form, message in [({"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()},
                           "不能重算今天以后的日子"),
                          ({"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()},
                           "结束日期不能早于开始日期"),
                          ({"start": (today - timedelta(days=400)).isoformat(), "end": today.isoformat()},
                           "一次最多重算 366 天"),
                          ({"start": "", "end": today.isoformat()}, "请填写重算的开始日期和结束日期")]:
        page = admin.post("/quotas/rebuild", data=form, follow_redirects=True).get_data(as_text=True)
        assert message in page
    fresh()
    assert facts.totals(db.session, [seat], today - timedelta(days=30), today)[seat] == facts.zero()
    page = admin.post("/quotas/rebuild", data={"start": (today - timedelta(days=30)).isoformat(),
                                               "end": today.isoformat()}, follow_redirects=True)
    assert "任务日历实绩已重算" in page.get_data(as_text=True)
    fresh()
    assert facts.totals(db.session, [seat], today - timedelta(days=30), today)[seat][Metric.VALID_CALL] > 0


@pytest.mark.db_sensitive
def test_seats_logging_at_the_same_moment_lose_no_count(app, database_url, tmp_path):
    seat_id = user("seat01").id
    customers = [make_customer(f"并发{i}", seat="seat01", phones=[f"1372226{i:04d}"], type_="valid").id
                 for i in range(6)]
    fresh()
    db.session.execute(delete(DailyFact).where(DailyFact.user_id == seat_id))  # the first upsert races too
    db.session.commit()

    def log_calls(customer_id: int, _prepared: object) -> None:
        for _ in range(5):
            customer = db.session.get(Customer, customer_id)
            followups.log_follow_up(db.session, customer, db.session.get(User, seat_id), followups.FollowUpInput(
                kind="call", phone=customer.phones[0].phone, connected=True, duration_seconds=90, result="interested"))
            db.session.commit()

    at_once(database_url, tmp_path / "race", customers, log_calls)
    assert today_of("seat01")[Metric.VALID_CALL] == 30
