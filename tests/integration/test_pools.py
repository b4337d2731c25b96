"""Pools: extracting within the daily limit and the owned-customer cap, assigning, releasing, red flags and
applications, the leaving-employee hand-over, and the pools API. Every move leaves a history row."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.audit.models import AuditLog
from app.customers.models import Customer, CustomerType, Pool
from app.extensions import db
from app.followups.models import Appointment, AppointmentStatus
from app.pools import services
from app.pools.models import ApplicationStatus, MoveReason, PoolHistory, RedFlagApplication
from tests.customer_helpers import fresh, make_customer, pool_history, public_customers, reloaded, user


def _set(key: str, value: int) -> None:
    fresh()
    params.set_value(db.session, key, str(value))
    db.session.commit()



def test_seat_extracts_from_the_public_pool_and_sees_full_phones(login_as):
    ids = public_customers(3)
    client = login_as("seat02")
    listing = client.get("/pools/public").get_data(as_text=True)
    assert "公共客户0" in listing and "****" in listing
    response = client.post("/pools/public/extract", data={"customer_id": ids[:2]})
    assert response.status_code == 302
    for cid in ids[:2]:
        customer = reloaded(cid)
        assert customer.pool == Pool.PERSONAL and customer.service_seat_id == user("seat02").id
        assert customer.service_org_id == user("seat02").org_id and customer.assigned_at is not None
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_pool, move.to_pool, move.actor_id) == (
            MoveReason.EXTRACT, Pool.PUBLIC, Pool.PERSONAL, user("seat02").id)
    assert "今日已提取 2/20" in client.get("/pools/public").get_data(as_text=True)


@pytest.mark.date_sensitive
def test_daily_extraction_limit_and_owned_cap_are_parameters(login_as):
    ids = public_customers(6)
    _set(services.DAILY_EXTRACT_LIMIT, 2)
    client = login_as("seat02")
    client.post("/pools/public/extract", data={"customer_id": ids[:3]}, headers={"Referer": "/pools/public"})
    assert "本次最多还能提取 2 个客户" in client.get("/pools/public").get_data(as_text=True)
    client.post("/pools/public/extract", data={"customer_id": ids[:2]})
    client.post("/pools/public/next", headers={"Referer": "/pools/public"})
    assert "今日已提取 2 个客户，达到每日提取上限 2" in client.get("/pools/public").get_data(as_text=True)
    # The limit counts per business day (Asia/Shanghai): tomorrow the seat may extract again.
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        fresh()
        assert services.room_of(db.session, user("seat02")).left == 2
    _set(services.DAILY_EXTRACT_LIMIT, 100)
    owned = services.owned_count(db.session, user("seat02").id)
    _set(services.OWNED_CAP, owned + 1)
    client.post("/pools/public/extract", data={"customer_id": ids[2:4]}, headers={"Referer": "/pools/public"})
    assert "个人客户上限" in client.get("/pools/public").get_data(as_text=True)
    assert reloaded(ids[2]).pool == Pool.PUBLIC


def test_take_next_gives_the_longest_waiting_customer(login_as):
    ids = public_customers(3)
    fresh()
    # Make the newest helper customers the oldest in the pool so the demo pool does not interfere.
    db.session.get(Customer, ids[1]).pool_changed_at = clock.now() - timedelta(days=900)
    db.session.commit()
    response = login_as("seat02").post("/pools/public/next")
    assert response.headers["Location"].endswith(f"/customers/{ids[1]}")


def test_a_claimed_customer_cannot_be_claimed_again(login_as):
    ids = public_customers(1)
    login_as("seat01").post("/pools/public/extract", data={"customer_id": ids})
    client = login_as("seat02")
    client.post("/pools/public/extract", data={"customer_id": ids})
    assert "1 个客户已被他人处理" in client.get("/pools/public").get_data(as_text=True)
    assert reloaded(ids[0]).service_seat_id == user("seat01").id
    assert sum(1 for m in pool_history(ids[0]) if m.reason == MoveReason.EXTRACT) == 1


def test_head_assigns_department_pool_customers_to_own_seats_only(login_as):
    first = make_customer("待分配一", org_code="SH-LC1")
    second = make_customer("待分配二", org_code="SH-LC1")
    client = login_as("head01")
    assert "待分配一" in client.get("/pools/department").get_data(as_text=True)
    response = client.post("/pools/assign", data={"customer_id": [first.id, second.id],
                                                   "seat_id": user("seat02").id})
    assert response.status_code == 302
    assigned = reloaded(first.id)
    assert assigned.service_seat_id == user("seat02").id and assigned.pool == Pool.PERSONAL
    move = pool_history(first.id)[-1]
    assert (move.reason, move.from_pool, move.actor_id) == (MoveReason.ASSIGN, Pool.DEPARTMENT, user("head01").id)
    # A seat of another department is out of the head's scope.
    third = make_customer("待分配三", org_code="SH-LC1")
    refused = client.post("/pools/assign", data={"customer_id": [third.id], "seat_id": user("seat11").id})
    assert refused.status_code == 404
    # head11 cannot assign head01's department-pool customer: nothing moves.
    other = login_as("head11")
    other.post("/pools/assign", data={"customer_id": [third.id], "seat_id": user("seat11").id},
               headers={"Referer": "/pools/department"})
    assert "未分配" in other.get("/pools/department").get_data(as_text=True)
    assert reloaded(third.id).pool == Pool.DEPARTMENT


def test_assignment_respects_the_seats_cap(login_as):
    customer = make_customer("超上限", org_code="SH-LC1")
    _set(services.OWNED_CAP, services.owned_count(db.session, user("seat02").id))
    client = login_as("head01")
    client.post("/pools/assign", data={"customer_id": [customer.id], "seat_id": user("seat02").id},
                headers={"Referer": "/pools/department"})
    assert "将超过个人客户数上限" in client.get("/pools/department").get_data(as_text=True)


def test_seat_gives_up_and_head_releases_to_the_public_pool(login_as):
    mine = make_customer("放弃客户", seat="seat01", type_="new")
    login_as("seat01").post("/pools/personal/give-up", data={"customer_id": [mine.id]})
    released = reloaded(mine.id)
    assert released.pool == Pool.PUBLIC and released.service_seat_id is None
    assert released.prev_seat_id == user("seat01").id and released.type == CustomerType.INTENT
    dept = make_customer("释放客户", org_code="SH-LC1")
    login_as("head01").post("/pools/release", data={"customer_id": [dept.id], "to": "public"})
    assert reloaded(dept.id).pool == Pool.PUBLIC
    assert pool_history(dept.id)[-1].reason == MoveReason.RELEASE


@pytest.mark.date_sensitive
def test_city_pool_is_for_city_managers_only(login_as):
    customer = make_customer("过期客户", org_code="SH-LC2", pool=Pool.CITY)
    assert "过期客户" in login_as("manager01").get("/pools/city").get_data(as_text=True)
    assert login_as("head11").get("/pools/city").status_code == 403
    assert "过期客户" not in login_as("head11").get("/pools/department").get_data(as_text=True)
    login_as("manager01").post("/pools/release", data={"customer_id": [customer.id], "to": "department"})
    assert reloaded(customer.id).pool == Pool.DEPARTMENT


def _red_flagged_to_head(login_as, name: str, seat: str = "seat01") -> Customer:
    """A customer red-flagged by head01 and moved to the head's pool by the recycle rule."""
    from app.pools import recycle

    customer = make_customer(name, seat=seat, assigned_days_ago=1)
    login_as("head01").post(f"/pools/customers/{customer.id}/red-flag", data={"reason": "高意向未回访"})
    fresh()
    recycle.sweep(db.session, clock.now() + timedelta(days=4))
    db.session.commit()
    moved = reloaded(customer.id)
    assert moved.pool == Pool.HEAD and moved.prev_seat_id == user(seat).id
    return moved


@pytest.mark.date_sensitive
def test_red_flag_applications_are_limited_to_two_a_month(login_as):
    customers = [_red_flagged_to_head(login_as, f"标红{i}") for i in range(3)]
    seat = login_as("seat01")
    page = seat.get("/pools/personal").get_data(as_text=True)
    assert "标红0" in page and "本月还可申请 <strong id=\"chances-left\">2</strong>/2" in page
    for customer in customers[:2]:
        seat.post(f"/pools/red-flags/{customer.id}/apply", data={"reason": "客户约了下周见面"})
    seat.post(f"/pools/red-flags/{customers[2].id}/apply", data={"reason": "第三次"},
              headers={"Referer": "/pools/personal"})
    assert "本月 2 次标红申请机会已用完" in seat.get("/pools/personal").get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(RedFlagApplication)) == 2
    # A second application for the same customer is refused too.
    seat.post(f"/pools/red-flags/{customers[0].id}/apply", data={"reason": "再次"}, headers={"Referer": "/"})
    assert "已提交过申请" in seat.get("/").get_data(as_text=True) or "已用完" in seat.get("/").get_data(as_text=True)
    # Next month the seat has two chances again.
    next_month = clock.local(clock.now()).replace(day=1) + timedelta(days=32)
    with time_machine.travel(next_month, tick=False):
        fresh()
        assert services.applications_this_month(db.session, user("seat01").id) == 0


def test_head_puts_red_flagged_customers_into_the_public_pool(login_as):
    """标红客户处理 offers all three of seed 001's actions: 返回 (原坐席), 分配, and 放入公共信息池."""
    released, kept = _red_flagged_to_head(login_as, "放公共池"), _red_flagged_to_head(login_as, "留在主管池")
    login_as("seat01").post(f"/pools/red-flags/{released.id}/apply", data={"reason": "请返还"})
    head = login_as("head01")
    page = head.get("/pools/red-flags").get_data(as_text=True)
    assert 'id="head-release"' in page and "所选放入公共信息池" in page
    response = head.post("/pools/release", data={"customer_id": [released.id], "to": "public"},
                         headers={"Referer": "http://localhost/pools/red-flags"})
    assert response.status_code == 302 and response.location.endswith("/pools/red-flags")
    assert "已移入公共信息池 1 个客户" in head.get(response.location).get_data(as_text=True)
    moved = reloaded(released.id)
    assert moved.pool == Pool.PUBLIC and moved.service_seat_id is None
    assert pool_history(released.id)[-1].reason == MoveReason.RELEASE
    assert reloaded(kept.id).pool == Pool.HEAD
    fresh()
    application = db.session.scalar(select(RedFlagApplication).where(RedFlagApplication.customer_id == released.id))
    assert application.status.value == "rejected"  # the seat's pending application is settled, not left open
    # A seat cannot do it.
    assert login_as("seat01").post("/pools/release", data={"customer_id": [kept.id], "to": "public"}).status_code == 403


def test_head_approves_returns_or_rejects(login_as):
    approved, rejected, returned = (_red_flagged_to_head(login_as, n) for n in ("同意我", "驳回我", "直接返回"))
    seat = login_as("seat01")
    seat.post(f"/pools/red-flags/{approved.id}/apply", data={"reason": "已约见面"})
    seat.post(f"/pools/red-flags/{rejected.id}/apply", data={"reason": "请返还"})
    head = login_as("head01")
    assert "已约见面" in head.get("/pools/red-flags").get_data(as_text=True)
    fresh()
    by_customer = {a.customer_id: a.id for a in db.session.scalars(select(RedFlagApplication))}
    head.post(f"/pools/red-flags/applications/{by_customer[approved.id]}", data={"decision": "approve"})
    head.post(f"/pools/red-flags/applications/{by_customer[rejected.id]}", data={"decision": "reject",
                                                                                 "note": "未见跟进计划"})
    head.post(f"/pools/red-flags/customers/{returned.id}/return")
    back = reloaded(approved.id)
    assert back.pool == Pool.PERSONAL and back.service_seat_id == user("seat01").id and back.red_flag_at is None
    assert pool_history(approved.id)[-1].reason == MoveReason.RED_FLAG_RETURN
    assert reloaded(rejected.id).pool == Pool.HEAD
    assert reloaded(returned.id).service_seat_id == user("seat01").id
    statuses = {a.customer_id: a.status for a in db.session.scalars(select(RedFlagApplication))}
    assert statuses == {approved.id: ApplicationStatus.APPROVED, rejected.id: ApplicationStatus.REJECTED}


@pytest.mark.date_sensitive
def test_leaving_employee_puts_every_customer_in_pending_hand_over(login_as):
    """Disabling an account no longer releases its customers: they wait in 离职待交接 (app/pools/handover.py)."""
    from app.org import services as org_services

    kept = [make_customer(f"离职客户{i}", seat="seat02", type_=t) for i, t in enumerate(("new", "valid", "dealt"))]
    login_as("seat02").post(f"/followups/customers/{kept[0].id}/appointments", data={
        "at": (clock.local(clock.now()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    fresh()
    leaver = user("seat02")
    owned = services.owned_count(db.session, leaver.id)
    org_services.mark_left(db.session, leaver)
    db.session.commit()
    fresh()
    assert services.owned_count(db.session, leaver.id) == 0
    for customer in kept:
        moved = reloaded(customer.id)
        assert moved.pool == Pool.HANDOVER and moved.prev_seat_id == leaver.id and moved.service_seat_id is None
        move = pool_history(customer.id)[-1]
        assert (move.reason, move.from_seat_id, move.to_pool) == (MoveReason.USER_LEFT, leaver.id, Pool.HANDOVER)
    assert reloaded(kept[0].id).type == CustomerType.NEW  # not released, so not turned into an intent customer
    moved_rows = db.session.scalar(select(func.count()).where(PoolHistory.reason == MoveReason.USER_LEFT))
    assert moved_rows == owned
    assert db.session.scalar(select(Appointment.status).where(Appointment.customer_id == kept[0].id)) == \
        AppointmentStatus.CANCELLED
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "pools.user_left"))
    assert audit is not None and f"{owned} 个客户转入离职待交接" in audit.summary


def test_pools_api_lists_claims_and_assigns(api_as):
    ids = public_customers(2)
    seat = api_as("seat02")
    listed = seat.get("/api/v1/pools/public", query_string={"per_page": 200}).get_json()
    phones = [p for c in listed["items"] for p in c["phones"]]
    assert listed["total"] >= 2 and all("****" in p for p in phones)
    claimed = seat.post("/api/v1/pools/public/claim", json={"customer_ids": ids}).get_json()
    assert claimed["moved"] == ids and claimed["skipped"] == 0
    again = seat.post("/api/v1/pools/public/claim", json={"customer_ids": ids}).get_json()
    assert again["moved"] == [] and again["skipped"] == 2
    assert seat.get("/api/v1/pools/department").status_code == 403
    fresh()
    dept = make_customer("接口分配", org_code="SH-LC1")
    head = api_as("head01")
    assigned = head.post("/api/v1/pools/assign", json={"customer_ids": [dept.id], "seat_id": user("seat01").id})
    assert assigned.get_json()["moved"] == [dept.id]
    bad = head.post("/api/v1/pools/assign", json={"customer_ids": [dept.id], "seat_id": user("seat11").id})
    assert bad.status_code == 404


def test_assigning_a_red_flagged_customer_elsewhere_settles_the_application(login_as):
    customer = _red_flagged_to_head(login_as, "另行分配")
    login_as("seat01").post(f"/pools/red-flags/{customer.id}/apply", data={"reason": "请返还"})
    login_as("head01").post("/pools/assign", data={"customer_id": [customer.id], "seat_id": user("seat02").id})
    fresh()
    application = db.session.scalar(select(RedFlagApplication).where(RedFlagApplication.customer_id == customer.id))
    assert application.status == ApplicationStatus.REJECTED and application.decision_note == "主管已另行分配"
    assert reloaded(customer.id).service_seat_id == user("seat02").id
