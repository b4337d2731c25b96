"""50 seats claiming from a 1,000-customer public pool at once: no customer is claimed twice.

Each claimer is a thread with its own app context and database session, as separate gunicorn
workers would be. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.admin import params
from app.auth.models import User
from app.customers.models import Customer, Pool
from app.extensions import db
from app.pools import services
from app.pools.models import MoveReason, PoolHistory
from tests.customer_helpers import fresh, make_seats, public_customers
from tests.race import at_once

pytestmark = pytest.mark.db_sensitive

CLAIMERS = 50
POOL_SIZE = 1000


def _race(database_url: str, tmp_path: Path, seat_ids: list[int], work) -> dict[int, list[int]]:
    """Every seat claims in its own thread and app, all at once; ``work(seat_id, seat)`` returns what it won."""
    return at_once(database_url, tmp_path / "race", seat_ids, work,
                   prepare=lambda seat_id: db.session.get(User, seat_id))


def _check_no_double_claims(won: dict[int, list[int]]) -> list[int]:
    """Every claim reported by a thread is the customer's only extraction, and the customer is that seat's."""
    claimed = [cid for cids in won.values() for cid in cids]
    assert len(claimed) == len(set(claimed)), "a customer was claimed twice"
    fresh()
    owners = dict(db.session.execute(select(Customer.id, Customer.service_seat_id)
                                     .where(Customer.service_seat_id.in_(list(won)))).all())
    assert sorted(owners) == sorted(claimed)  # nobody holds a customer their thread did not win
    for seat_id, cids in won.items():
        assert all(owners[cid] == seat_id for cid in cids)
    extracts = dict(db.session.execute(select(PoolHistory.customer_id, func.count()).where(
        PoolHistory.reason == MoveReason.EXTRACT, PoolHistory.actor_id.in_(list(won)))
        .group_by(PoolHistory.customer_id)).all())
    assert sorted(extracts) == sorted(claimed) and set(extracts.values()) <= {1}
    return claimed


@pytest.fixture
def crowded(app):
    """1,000 public-pool customers, 50 seats, limits high enough that only the race decides."""
    ids = public_customers(POOL_SIZE)
    seat_ids = make_seats(CLAIMERS)
    params.set_value(db.session, services.DAILY_EXTRACT_LIMIT, "1000")
    params.set_value(db.session, services.OWNED_CAP, "5000")
    db.session.commit()
    return ids, seat_ids


def test_fifty_seats_grabbing_the_same_customers_never_double_claim(database_url, tmp_path, crowded):
    ids, seat_ids = crowded
    contested = ids[:300]  # everyone fights over the same 300 customers

    def grab(seat_id: int, seat: User) -> list[int]:
        rng = random.Random(seat_id)  # noqa: S311
        mine: list[int] = []
        for _ in range(12):
            result = services.extract(db.session, seat, rng.sample(contested, 5))
            db.session.commit()
            mine.extend(result.moved)
        return mine

    won = _race(database_url, tmp_path, seat_ids, grab)
    claimed = _check_no_double_claims(won)
    assert set(claimed) <= set(contested)
    left = db.session.scalar(select(func.count()).where(Customer.id.in_(contested), Customer.pool == Pool.PUBLIC))
    assert left == len(contested) - len(claimed)


def test_fifty_seats_taking_next_each_get_different_customers(database_url, tmp_path, crowded):
    ids, seat_ids = crowded

    def take(seat_id: int, seat: User) -> list[int]:
        mine = []
        for _ in range(10):
            customer_id = services.take_next(db.session, seat)
            db.session.commit()
            if customer_id is not None:
                mine.append(customer_id)
        return mine

    won = _race(database_url, tmp_path, seat_ids, take)
    claimed = _check_no_double_claims(won)
    assert len(claimed) == CLAIMERS * 10  # the pool is big enough: every take found a customer
