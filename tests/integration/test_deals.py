"""What counts as a deal (成单): confirmed arrival, dated by 到账时间, stops counting when refunded or failed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from app.admin import params
from app.extensions import db
from app.performance import deals
from app.trades.models import Trade, TradeStatus


def _oracle(trades, start, end, threshold):
    """The same figures counted in Python over every trade."""
    count, amount, big = Counter(), Counter(), Counter()
    for trade in trades:
        if (trade.arrival_confirmed and trade.arrival_date and start <= trade.arrival_date <= end
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED)):
            count[trade.seat_id] += 1
            amount[trade.seat_id] += trade.arrival_amount
            big[trade.seat_id] += trade.arrival_amount >= threshold
    return count, amount, big


def test_deals_by_seat_agree_with_counting_every_trade(app):
    trades = list(db.session.scalars(select(Trade)))
    dated = sorted(t.arrival_date for t in trades if t.arrival_date)
    start, end = dated[0], dated[-1]
    seats = sorted({t.seat_id for t in trades})
    threshold = Decimal(min(t.arrival_amount for t in trades if t.arrival_confirmed)) + 1
    params.set_value(db.session, deals.BIG_DEAL_AMOUNT, str(threshold))
    found = deals.by_seat(db.session, seats, start, end)
    count, amount, big = _oracle(trades, start, end, threshold)
    assert sum(count.values()) > 0
    for seat in seats:
        assert (found[seat].count, found[seat].amount, found[seat].big) == (count[seat], amount[seat], big[seat])


def test_a_refunded_deal_stops_counting(app):
    trade = db.session.scalars(select(Trade).where(deals.is_deal())).first()
    assert trade is not None
    before = deals.by_seat(db.session, [trade.seat_id], trade.arrival_date, trade.arrival_date)[trade.seat_id]
    trade.status = TradeStatus.REFUNDED
    db.session.flush()
    after = deals.by_seat(db.session, [trade.seat_id], trade.arrival_date, trade.arrival_date)[trade.seat_id]
    assert after.count == before.count - 1
    assert after.amount == before.amount - trade.arrival_amount
    assert deals.by_seat(db.session, [], trade.arrival_date, trade.arrival_date) == {}
