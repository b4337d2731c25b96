"""Rankings (业绩排名): every active seat ranked by 成单量 / 邀约量 / 交易金额, ties share a rank, and the figures
agree with counting the trades and follow-ups one by one."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User, UserStatus
from app.extensions import db
from app.followups.models import FollowUp, FollowUpKind
from app.performance import period, rankings
from app.performance.metrics import PerfMetric
from app.trades.models import Trade, TradeStatus
from tests.conftest import user_named
from tests.customer_helpers import fresh, make_customer

pytestmark = pytest.mark.date_sensitive


def seat_ids() -> set[int]:
    return {u.id for u in db.session.scalars(select(User).where(User.status == UserStatus.ACTIVE))
            if "seat" in u.role_codes}


def oracle(metric: PerfMetric, start, end) -> Counter:
    """The figure per seat, counted in Python over every trade / follow-up row."""
    found: Counter = Counter()
    if metric == PerfMetric.INVITATIONS:
        for follow_up in db.session.scalars(select(FollowUp)):
            if follow_up.kind == FollowUpKind.INVITATION and start <= clock.local(follow_up.at).date() <= end:
                found[follow_up.user_id] += 1
        return found
    for trade in db.session.scalars(select(Trade)):
        if (trade.arrival_confirmed and trade.arrival_date and start <= trade.arrival_date <= end
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED)):
            found[trade.seat_id] += 1 if metric == PerfMetric.DEALS else trade.arrival_amount
    return found


def expected_ranks(values: dict[int, object]) -> dict[int, int]:
    """Competition rank: one more than the number of seats with a strictly higher figure."""
    return {seat: 1 + sum(1 for other in values.values() if other > value) for seat, value in values.items()}


@pytest.mark.parametrize("metric", rankings.RANKED)
def test_board_ranks_every_active_seat_by_the_counted_figure(login_as, metric):
    month = period.this_month()
    customer = make_customer("排名甲", seat="seat02", type_="new")
    response = login_as("seat02").post(f"/followups/customers/{customer.id}", data={"kind": "invitation",
                                                                                    "content": "邀约参加沙龙"})
    assert response.status_code in (200, 302)
    fresh()
    found = rankings.board(db.session, metric, month.start, month.end)
    seats = seat_ids()
    assert {entry.seat.user_id for entry in found.entries} == seats
    counted = oracle(metric, month.start, month.end)
    values = {seat: counted.get(seat, 0) for seat in seats}
    assert {entry.seat.user_id: entry.value for entry in found.entries} == values
    assert {entry.seat.user_id: entry.rank for entry in found.entries} == expected_ranks(values)
    assert [entry.value for entry in found.entries] == sorted(values.values(), reverse=True)
    seat01 = user_named("seat01")
    assert rankings.rank_of(db.session, seat01, metric, month.start, month.end) == (
        expected_ranks(values)[seat01.id], len(seats))
    assert rankings.rank_of(db.session, user_named("head01"), metric, month.start, month.end) is None


def test_ties_share_a_rank_and_are_listed_by_work_no():
    seats = [rankings.RankedSeat(i, f"坐席{i}", f"S{i:04d}", "部", "/1/") for i in (4, 3, 2, 1)]
    entries = rankings.rank(seats, {1: 5, 2: Decimal("3.00"), 3: 3, 4: 0})
    assert [(e.seat.user_id, e.rank) for e in entries] == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_a_board_narrowed_to_a_department_ranks_only_its_seats(app):
    month = period.this_month()
    department = user_named("seat01").org
    found = rankings.board(db.session, PerfMetric.AMOUNT, month.start, month.end, department)
    assert {entry.seat.work_no for entry in found.entries} == {"S0001", "S0002"}
    whole = rankings.board(db.session, PerfMetric.AMOUNT, month.start, month.end)
    assert whole.total > found.total


def _hire(username: str, day) -> None:
    from dataclasses import replace

    from app.hr import staff

    seat = user_named(username)
    staff.save_profile(db.session, seat, replace(staff.ProfileInput.of(staff.profile_of(db.session, seat)),
                                                 hire_date=day))
    db.session.commit()


def _counted_deals() -> dict[int, list[Trade]]:
    found: dict[int, list[Trade]] = {}
    for trade in db.session.scalars(select(Trade).order_by(Trade.id)):
        if (trade.arrival_confirmed and trade.arrival_date
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED)):
            found.setdefault(trade.seat_id, []).append(trade)
    return found


def test_new_employee_records_count_deals_inside_the_new_employee_period(app):
    from datetime import timedelta

    from app.admin import params
    from app.performance import rankings_records

    deals_of = _counted_deals()
    seat01, seat02, seat11 = (user_named(name) for name in ("seat01", "seat02", "seat11"))
    assert all(deals_of.get(seat.id) for seat in (seat01, seat02, seat11))
    first = {seat.id: min(t.arrival_date for t in deals_of[seat.id]) for seat in (seat01, seat02, seat11)}
    hired = {seat01.id: first[seat01.id] - timedelta(days=3), seat02.id: first[seat02.id] - timedelta(days=10),
             seat11.id: first[seat11.id] - timedelta(days=91)}  # seat11's first deal comes too late
    for seat in (seat01, seat02, seat11):
        _hire(seat.username, hired[seat.id])

    records = rankings_records.fastest_first_deals(db.session)
    assert [(r.seat.user_id, r.days) for r in records] == [(seat01.id, 3), (seat02.id, 10)]
    assert records[0].first_deal_on == first[seat01.id] and records[0].hired_on == hired[seat01.id]

    def inside(trade: Trade, days: int) -> bool:
        start = hired.get(trade.seat_id)
        return start is not None and start <= trade.arrival_date <= start + timedelta(days=days)

    expected = sorted((t for ts in deals_of.values() for t in ts if inside(t, 90)),
                      key=lambda t: (-t.arrival_amount, t.arrival_date, t.id))
    big = rankings_records.biggest_deals(db.session)
    assert [(r.trade_id, r.amount) for r in big] == [(t.id, t.arrival_amount) for t in expected][:10]
    assert big and all(r.seat.user_id in (seat01.id, seat02.id) for r in big)

    params.set_value(db.session, rankings_records.NEW_EMPLOYEE_DAYS, "5")
    assert [r.seat.user_id for r in rankings_records.fastest_first_deals(db.session)] == [seat01.id]
    department = seat01.org
    assert {r.seat.user_id for r in rankings_records.biggest_deals(db.session, department)} <= {seat01.id, seat02.id}
