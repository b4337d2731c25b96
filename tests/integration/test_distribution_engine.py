"""The one distribution engine: the dry-run plan is what the run moves, caps and exclusions hold, history names
the run, and two overlapping runs executed at once never give a customer to two seats."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.admin import params
from app.auth.models import User
from app.customers.models import Customer, CustomerPhone, CustomerType, PhoneBlacklistMark, Pool
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.mining import distribution
from app.mining.run_models import DistributionItem, RunKind, RunStatus
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import services as pools
from app.pools.access import POOLS_ASSIGN
from app.pools.models import MoveReason, PoolHistory
from rules.distribution import Method
from tests.customer_helpers import fresh, make_seats, public_customers, user
from tests.race import at_once

pytestmark = pytest.mark.db_sensitive


def _source(ids: list[int]):
    return select(Customer.id).where(Customer.id.in_(ids))


def _plan(ids, targets, method=Method.AVERAGE, **kw):
    return distribution.plan(db.session, kind=RunKind.MANUAL, method=method, targets=targets, source=_source(ids),
                             actor_id=user("head01").id, title="手动分配", rng=random.Random(7), **kw)


def _head_scope():
    return data_scope.scope_of(db.session, user("head01"), POOLS_ASSIGN)


def _owners(ids):
    return dict(db.session.execute(select(Customer.id, Customer.service_seat_id).where(Customer.id.in_(ids))).all())


@pytest.mark.parametrize("method", list(Method))
def test_preview_is_exactly_what_the_run_moves(app, method):
    ids = public_customers(101)
    seats = make_seats(4)
    db.session.execute(db.update(User).where(User.id == seats[0]).values(weight=5))
    targets = distribution.seat_targets(db.session, _head_scope(), seats)
    run = _plan(ids, targets, method)
    planned = dict(db.session.execute(select(DistributionItem.customer_id, DistributionItem.seat_id)
                                      .where(DistributionItem.run_id == run.id)).all())
    quotas = [t.quota for t in run.targets]
    assert sum(quotas) == run.planned == len(planned) == 101 and run.status == RunStatus.PREVIEWED
    assert all(c.service_seat_id is None for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids))))
    if method == Method.AVERAGE:
        assert max(quotas) - min(quotas) <= 1
    if method == Method.WEIGHT:
        assert quotas[0] == round(101 * 5 / 8)  # 63.125 → 63

    distribution.execute(db.session, run, user("head01").id)
    db.session.commit()
    assert _owners(ids) == planned
    run = distribution.get_run(db.session, run.id)
    assert (run.status, run.moved, run.skipped) == (RunStatus.DONE, 101, 0)
    assert [t.moved for t in run.targets] == quotas
    rows = db.session.scalars(select(PoolHistory).where(PoolHistory.run_id == run.id)).all()
    assert len(rows) == 101
    assert {(r.customer_id, r.to_seat_id) for r in rows} == set(planned.items())
    assert {(r.from_pool, r.to_pool, r.reason) for r in rows} == {(Pool.PUBLIC, Pool.PERSONAL, MoveReason.DISTRIBUTE)}
    assert rows[0].note == f"手动分配（分配记录 #{run.id}）"


def test_org_targets_fill_department_pools_without_a_seat(app):
    ids = public_customers(10)
    group = db.session.scalar(select(Org).where(Org.code == "SH-LC1-A"))
    run = _plan(ids, distribution.org_targets(db.session, _head_scope(), [group.id]))
    distribution.execute(db.session, run, None)
    moved = db.session.scalars(select(Customer).where(Customer.id.in_(ids))).all()
    assert {(c.pool, c.service_seat_id, c.service_org_id) for c in moved} == {(Pool.DEPARTMENT, None, group.id)}


def test_owned_customer_cap_holds_at_plan_and_again_at_execution(app):
    ids = public_customers(30)
    seats = make_seats(2)
    params.set_value(db.session, pools.OWNED_CAP, "10")
    targets = distribution.seat_targets(db.session, _head_scope(), seats)
    run = _plan(ids, targets)
    assert [t.quota for t in run.targets] == [10, 10] and run.over_cap == 10
    # Before the run executes, the first seat takes 4 more customers elsewhere: only 6 of its 10 still fit.
    extra = public_customers(4)
    db.session.execute(db.update(Customer).where(Customer.id.in_(extra))
                       .values(service_seat_id=seats[0], pool=Pool.PERSONAL))
    distribution.execute(db.session, run, None)
    run = distribution.get_run(db.session, run.id)
    assert (run.moved, run.skipped) == (16, 4)
    assert pools.owned_count(db.session, seats[0]) == 10 and pools.owned_count(db.session, seats[1]) == 10


def test_invalid_blacklisted_and_owned_dealt_customers_are_never_moved(app):
    ids = public_customers(6)
    seat = make_seats(1)[0]
    db.session.execute(db.update(Customer).where(Customer.id == ids[0]).values(type=CustomerType.INVALID))
    db.session.execute(db.update(Customer).where(Customer.id == ids[1])
                       .values(type=CustomerType.DEALT, service_seat_id=user("seat01").id, pool=Pool.PERSONAL))
    db.session.add(CustomerPhone(customer_id=ids[2], phone="18600000001", is_primary=True))
    for name in ("seat01", "seat02", "seat11"):
        db.session.add(PhoneBlacklistMark(phone="18600000001", user_id=user(name).id, reason="骚扰"))
    db.session.flush()
    run = _plan(ids, distribution.seat_targets(db.session, _head_scope(), [seat]))
    assert run.source_count == run.planned == 3
    distribution.execute(db.session, run, None)
    assert sorted(cid for cid, sid in _owners(ids).items() if sid == seat) == ids[3:]


def test_a_stale_preview_skips_customers_someone_else_took(app):
    ids = public_customers(5)
    seats = make_seats(2)
    run = _plan(ids, distribution.seat_targets(db.session, _head_scope(), seats[:1]))
    pools.extract(db.session, db.session.get(User, seats[1]), ids[:2])
    distribution.execute(db.session, run, None)
    run = distribution.get_run(db.session, run.id)
    assert (run.moved, run.skipped) == (3, 2)
    assert [sid for _cid, sid in sorted(_owners(ids).items())] == [seats[1]] * 2 + [seats[0]] * 3


def test_bad_targets_and_double_execution_are_refused_in_chinese(app):
    ids = public_customers(3)
    scope = _head_scope()
    with pytest.raises(ValidationFailed, match="请至少添加一个分配目标"):
        _plan(ids, [])
    with pytest.raises(NotFound, match="不在您的管理范围内"):
        distribution.seat_targets(db.session, scope, [user("seat11").id])
    seat = make_seats(1)[0]
    db.session.execute(db.update(User).where(User.id == seat).values(weight=0))
    with pytest.raises(ValidationFailed, match="权重都为 0"):
        _plan(ids, distribution.seat_targets(db.session, scope, [seat]), Method.WEIGHT)
    db.session.execute(db.update(User).where(User.id == seat).values(status="left"))
    with pytest.raises(ValidationFailed, match="已离职"):
        distribution.seat_targets(db.session, scope, [seat])
    run = _plan(ids, distribution.seat_targets(db.session, scope, [user("seat01").id]))
    distribution.execute(db.session, run, None)
    with pytest.raises(Conflict, match="不能重复执行"):
        distribution.execute(db.session, run, None)
    assert db.session.scalar(select(func.count()).where(PoolHistory.run_id == run.id)) == 3


def test_chunked_execution_reports_progress_and_moves_the_same(app):
    ids = public_customers(50)
    seats = make_seats(3)
    run = _plan(ids, distribution.seat_targets(db.session, _head_scope(), seats))
    seen: list[int] = []
    distribution.execute(db.session, run, None, chunk_size=20, after_chunk=lambda r: seen.append(r.moved))
    assert seen == [20, 40]
    assert distribution.get_run(db.session, run.id).moved == 50


def test_two_overlapping_runs_at_once_never_give_a_customer_two_seats(database_url, tmp_path: Path, app):
    ids = public_customers(400)
    seats = make_seats(6)
    params.set_value(db.session, pools.OWNED_CAP, "5000")
    scope = _head_scope()
    runs = [_plan(ids[:300], distribution.seat_targets(db.session, scope, seats[:3])).id,
            _plan(ids[100:], distribution.seat_targets(db.session, scope, seats[3:]), Method.RANDOM).id]
    db.session.commit()

    def run_it(run_id: int, _: None) -> None:
        distribution.execute(db.session, distribution.get_run(db.session, run_id), None, chunk_size=50)
        db.session.commit()

    at_once(database_url, tmp_path / "race", runs, run_it)
    fresh()
    owners = _owners(ids)
    assert all(owners[cid] is not None for cid in ids)  # every customer is with exactly one seat
    moved = [distribution.get_run(db.session, rid) for rid in runs]
    assert sum(r.moved for r in moved) == 400
    assert sum(r.skipped for r in moved) == 200  # the 200 contested ones: one run won each, the other skipped
    history = dict(db.session.execute(select(PoolHistory.customer_id, func.count())
                                      .where(PoolHistory.run_id.in_(runs)).group_by(PoolHistory.customer_id)).all())
    assert sorted(history) == sorted(ids) and set(history.values()) == {1}
    for cid, seat in owners.items():
        run_of_seat = runs[0] if seat in seats[:3] else runs[1]
        assert db.session.scalar(select(PoolHistory.run_id).where(PoolHistory.customer_id == cid)) == run_of_seat
