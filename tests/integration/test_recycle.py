"""Timed recycling, each rule proven with a clock the test controls; the preview, the reminder and the job.

Customers are assigned at a moment the test holds still (time_machine): the session's pinned "now", so
`make test-dates` proves the day counts across a month end, a year end and 29 February. The sweep then runs at
chosen later moments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from app import clock
from app.admin import params
from app.audit.models import AuditLog
from app.customers.models import Customer, CustomerType, Pool
from app.extensions import db
from app.followups import services as followups
from app.mining import invalid
from app.org import scope as data_scope
from app.pools import recycle, services
from app.pools.models import MoveReason, PoolHistory
from scheduler.registry import JOBS
from tests.customer_helpers import fresh, make_customer, reloaded, user

pytestmark = [pytest.mark.db_sensitive, pytest.mark.date_sensitive]

T0 = clock.local(clock.now()).replace(second=0, microsecond=0)  # the moment test customers are assigned
SETTINGS = recycle.RecycleSettings(no_call_days=7, max_followups=5, check_days=30, required_followups=3,
                                   red_flag_days=3, city_after_recycles=3)


@pytest.fixture
def at_t0(app) -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield



def _assigned(name: str, seat: str = "seat01", type_: str = "intent") -> Customer:
    """A customer assigned to a seat at the current (travelled) time."""
    customer = make_customer(name, seat=seat, type_=type_, phones=None)
    return customer


def _call(customer: Customer, seat: str = "seat01", valid: bool = True, when: datetime | None = None) -> None:
    fresh()
    with time_machine.travel(when or clock.now(), tick=False):
        followups.log_follow_up(db.session, reloaded(customer.id), user(seat), followups.FollowUpInput(
            kind="call", connected=valid, duration_seconds=120 if valid else 0,
            result="interested" if valid else "no_answer"))
        db.session.commit()


def _sweep(when: datetime, settings: recycle.RecycleSettings = SETTINGS) -> recycle.RecycleResult:
    fresh()
    with time_machine.travel(when, tick=False):
        result = recycle.sweep(db.session, clock.now(), settings)
        db.session.commit()
    return result


def _moves(customer_id: int) -> list[PoolHistory]:
    fresh()
    return list(db.session.scalars(select(PoolHistory).where(PoolHistory.customer_id == customer_id)
                                   .order_by(PoolHistory.id)))


def test_no_valid_phone_follow_up_within_n_days_returns_to_the_public_pool(at_t0):
    silent = _assigned("七天无电话", type_="new")
    called = _assigned("有有效电话")
    unanswered = _assigned("只打不通")
    _call(called, when=T0 + timedelta(days=2))
    _call(unanswered, valid=False, when=T0 + timedelta(days=2))
    _sweep(T0 + timedelta(days=6, hours=23))
    assert reloaded(silent.id).pool == Pool.PERSONAL  # not yet: one hour before the seventh day ends
    _sweep(T0 + timedelta(days=7, minutes=1))
    moved = reloaded(silent.id)
    assert moved.pool == Pool.PUBLIC and moved.service_seat_id is None and moved.prev_seat_id == user("seat01").id
    assert moved.type == CustomerType.INTENT and moved.recycle_count == 1
    history = _moves(silent.id)[-1]
    assert (history.reason, history.from_pool, history.to_pool, history.from_seat_id, history.actor_id) == (
        MoveReason.RECYCLE_NO_CALL, Pool.PERSONAL, Pool.PUBLIC, user("seat01").id, None)
    assert history.at == T0 + timedelta(days=7, minutes=1)
    assert reloaded(called.id).pool == Pool.PERSONAL
    assert reloaded(unanswered.id).pool == Pool.PUBLIC  # unanswered calls are not valid follow-ups


def test_reaching_the_maximum_follow_ups_returns_the_customer(at_t0):
    busy = _assigned("跟进满五次")
    for day in range(1, 6):
        _call(busy, when=T0 + timedelta(days=day))
    four = _assigned("跟进四次")
    for day in range(1, 5):
        _call(four, when=T0 + timedelta(days=day))
    _sweep(T0 + timedelta(days=6))
    assert reloaded(busy.id).pool == Pool.PUBLIC
    assert _moves(busy.id)[-1].reason == MoveReason.RECYCLE_MAX_FOLLOWUPS
    assert reloaded(four.id).pool == Pool.PERSONAL


def test_too_few_follow_ups_within_m_days_returns_the_customer(at_t0):
    lazy = _assigned("三十天两次")
    _call(lazy, when=T0 + timedelta(days=1))
    _call(lazy, when=T0 + timedelta(days=20))
    diligent = _assigned("三十天三次")
    for day in (1, 10, 20):
        _call(diligent, when=T0 + timedelta(days=day))
    _sweep(T0 + timedelta(days=29))
    assert reloaded(lazy.id).pool == Pool.PERSONAL
    _sweep(T0 + timedelta(days=30, minutes=1))
    assert reloaded(lazy.id).pool == Pool.PUBLIC
    assert _moves(lazy.id)[-1].reason == MoveReason.RECYCLE_FEW_FOLLOWUPS
    assert reloaded(diligent.id).pool == Pool.PERSONAL


def test_follow_ups_before_the_current_assignment_do_not_count(at_t0):
    customer = _assigned("重新提取")
    _call(customer, when=T0 + timedelta(days=1))
    _sweep(T0 + timedelta(days=31))  # two follow-ups short of three: back to the public pool
    assert reloaded(customer.id).pool == Pool.PUBLIC
    fresh()
    with time_machine.travel(T0 + timedelta(days=32), tick=False):
        assert services.extract(db.session, user("seat02"), [customer.id]).moved == [customer.id]
        db.session.commit()
    again = reloaded(customer.id)
    assert again.followup_count == 0 and again.valid_call_count == 0
    _sweep(T0 + timedelta(days=32 + 7, minutes=1))
    assert reloaded(customer.id).pool == Pool.PUBLIC  # the old valid call did not protect it


def test_unhandled_red_flag_goes_to_the_heads_pool_and_a_valid_call_clears_it(at_t0):
    ignored = _assigned("标红未处理")
    handled = _assigned("标红已处理")
    fresh()
    for customer in (ignored, handled):
        services.flag_red(db.session, user("head01"), db.session.get(Customer, customer.id), "重点客户")
    db.session.commit()
    _call(handled, when=T0 + timedelta(days=1))
    assert reloaded(handled.id).red_flag_at is None
    _sweep(T0 + timedelta(days=3, minutes=1))
    flagged = reloaded(ignored.id)
    assert flagged.pool == Pool.HEAD and flagged.red_flag_at is not None and flagged.recycle_count == 0
    assert _moves(ignored.id)[-1].reason == MoveReason.RED_FLAG
    assert reloaded(handled.id).pool == Pool.PERSONAL


def test_a_customer_that_expired_with_several_seats_goes_to_the_city_managers_pool(at_t0):
    tired = _assigned("第三次回收")
    fresh()
    reloaded(tired.id).recycle_count = 2
    db.session.commit()
    _sweep(T0 + timedelta(days=8))
    moved = reloaded(tired.id)
    assert moved.pool == Pool.CITY and moved.recycle_count == 3
    assert _moves(tired.id)[-1].to_pool == Pool.CITY


def test_dealt_and_invalid_customers_are_never_recycled(at_t0):
    dealt = _assigned("已成交", type_="dealt")
    legacy = _assigned("无效客户")
    legacy.type = CustomerType.INVALID  # typed 无效 in a seat's pool: data from before the invalid pool
    marked = _assigned("标记无效客户")
    db.session.commit()
    seat = user("seat01")
    invalid.mark_invalid(db.session, seat, data_scope.scope_of(db.session, seat, "customers.edit"), marked.id, "other")
    db.session.commit()
    _sweep(T0 + timedelta(days=60))
    assert reloaded(dealt.id).pool == Pool.PERSONAL and reloaded(legacy.id).pool == Pool.PERSONAL
    assert reloaded(marked.id).pool == Pool.INVALID


def test_disabled_rules_move_nothing(at_t0):
    silent = _assigned("规则关闭")
    off = recycle.RecycleSettings(0, 0, 0, 0, 0, 0)
    assert _sweep(T0 + timedelta(days=90), off).total == 0
    assert reloaded(silent.id).pool == Pool.PERSONAL


def test_the_preview_lists_exactly_what_the_sweep_then_moves(at_t0):
    for i in range(3):
        _assigned(f"预览{i}")
    when = T0 + timedelta(days=40)
    fresh()
    everyone = data_scope.scope_of(db.session, user("admin"))
    with time_machine.travel(when, tick=False):
        preview = {(c.id, reason) for c, reason in db.session.execute(recycle.preview_query(everyone, SETTINGS, when))}
        counts = recycle.preview_counts(db.session, everyone, SETTINGS, when)
    result = _sweep(when)
    fresh()
    moved = set(db.session.execute(select(PoolHistory.customer_id, PoolHistory.reason)
                                   .where(PoolHistory.at == when)).all())
    assert {(cid, MoveReason(reason)) for cid, reason in preview} == moved
    assert {reason: n for reason, n in counts.items() if n} == result.by_reason()
    # Running again at the same moment finds nothing left to move: no double history.
    assert _sweep(when).total == 0


def test_the_sweep_is_set_based(at_t0):
    for i in range(30):
        _assigned(f"批量{i}")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    fresh()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = _sweep(T0 + timedelta(days=10))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.total >= 30
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE CUSTOMER", "INSERT INTO POOL_HISTORY"))]
    assert len(writes) == 2, writes  # one UPDATE of the customers, one INSERT … SELECT of history


def test_seats_are_reminded_of_customers_due_within_the_reminder_days(login_as):
    soon = make_customer("即将回收", seat="seat01", assigned_days_ago=5)
    later = make_customer("还早", seat="seat01", assigned_days_ago=1)
    fresh()
    rows = db.session.execute(recycle.due_soon_query(services.personal_pool(user("seat01").id),
                                                     recycle.RecycleSettings.load(db.session), clock.now(), 3)).all()
    due = {c.id: MoveReason(reason) for c, reason in rows}
    assert due.get(soon.id) == MoveReason.RECYCLE_NO_CALL and later.id not in due
    home = login_as("seat01").get("/").get_data(as_text=True)
    assert "即将回收的客户" in home and "即将回收（" in home
    assert "即将回收" in login_as("seat01").get("/pools/personal").get_data(as_text=True)


def test_recycle_preview_screen_for_heads(login_as):
    make_customer("预览屏", seat="seat01", assigned_days_ago=9)
    page = login_as("head01").get("/pools/recycle").get_data(as_text=True)
    assert "预览屏" in page and "无有效电话跟进" in page
    filtered = login_as("head01").get("/pools/recycle", query_string={"reason": "recycle_max_followups"})
    assert "预览屏" not in filtered.get_data(as_text=True)
    export = login_as("head01").get("/pools/recycle/export")
    assert export.status_code == 200
    assert "预览屏" not in login_as("head11").get("/pools/recycle").get_data(as_text=True)


def test_the_job_is_registered_and_reports_in_chinese(at_t0):
    job = JOBS["pools.recycle"]
    assert job.name == "数据池客户自动回收" and job.interval_seconds == 3600
    _assigned("任务回收")
    fresh()
    for key, value in (("pools.recycle_no_call_days", "7"),):
        params.set_value(db.session, key, value)
    db.session.commit()
    fresh()
    summary = job.func(db.session, T0 + timedelta(days=8))
    db.session.commit()
    assert summary.startswith("回收 ") and "期限内无有效电话跟进" in summary
    fresh()
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "pools.recycle")) == 1
    assert job.func(db.session, T0 + timedelta(days=8)) == "没有需要回收的客户"
