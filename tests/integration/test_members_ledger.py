"""The points ledger's invariant under any sequence of credits, debits and expiry runs: the sum of the ledger
equals the member's balance, the balance never goes below zero, and every row's balance_after is the running
total (property test with hypothesis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import clock
from app.errors import Conflict
from app.extensions import db
from app.members import ledger
from app.members.models import PointsEntry, PointsKind
from tests.customer_helpers import make_customer

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive

operations = st.lists(st.one_of(
    st.tuples(st.just("credit"), st.integers(1, 500)),
    st.tuples(st.just("debit"), st.integers(1, 600)),
    st.tuples(st.just("expire"), st.just(0)),
    st.tuples(st.just("wait"), st.integers(1, 400)),  # days pass
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_the_ledger_sum_is_the_balance_and_never_negative(app, ops):
    customer_id = make_customer("积分性质测试", seat="seat01", commit=False).id
    now = clock.now() - timedelta(days=3000)
    try:
        for op, amount in ops:
            if op == "credit":
                ledger.post(db.session, customer_id, amount, PointsKind.REFERRAL, "积分", now=now)
            elif op == "debit":
                before = ledger.balance(db.session, customer_id)
                try:
                    ledger.post(db.session, customer_id, -amount, PointsKind.ADJUSTMENT, "扣减", now=now)
                except Conflict:
                    assert amount > before  # refused only when it would go below zero …
                    assert ledger.balance(db.session, customer_id) == before  # … and then nothing moved
            elif op == "expire":
                ledger.expire(db.session, now)
            else:
                now += timedelta(days=amount)
            now += timedelta(seconds=1)
            rows = list(db.session.scalars(select(PointsEntry).where(PointsEntry.customer_id == customer_id)
                                           .order_by(PointsEntry.id)))
            balance = ledger.balance(db.session, customer_id)
            assert balance >= 0
            assert sum(r.delta for r in rows) == balance
            running = 0
            for row in rows:
                running += row.delta
                assert row.balance_after == running >= 0
        # expiry never takes more than the credits that expired and were not spent
        expired = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.customer_id == customer_id, PointsEntry.kind == PointsKind.EXPIRY))
        assert -expired <= sum(a for o, a in ops if o == "credit")
    finally:
        db.session.rollback()
