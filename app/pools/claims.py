"""Claiming unassigned customers for a seat (提取, 分配, 返回) with the fewest round trips.

On PostgreSQL one statement locks the candidates, moves them and writes their pool-history rows
(a data-modifying CTE): ``SELECT … FOR UPDATE`` picks and locks the rows still unassigned, the
``UPDATE`` moves exactly those, the ``INSERT`` records each move with the pool it came from. Of two
seats claiming the same customer, the second waits for the first's lock, re-checks the row and
finds it taken. "Take the oldest" skips rows another seat has locked instead of queueing on them.

SQLite has no data-modifying CTEs, but runs in-process and serialises writers (``BEGIN IMMEDIATE``):
the same three steps are three statements there, the ``UPDATE`` re-checking that the rows are unassigned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, insert, literal, null, select, update

from app.auth.models import User
from app.customers.models import Customer, Pool
from app.database import DbSession, UTCDateTime, is_postgres, table_of
from app.pools import history
from app.pools.models import MoveReason, PoolHistory

_HISTORY_COLUMNS = ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason",
                    "actor_id", "note"]


def to_seat_values(seat: User, reason: MoveReason, now: datetime) -> dict[Any, Any]:
    """The columns of a customer that is now the seat's (the one definition, shared by the bulk moves)."""
    return {
        Customer.service_seat_id: seat.id, Customer.service_org_id: seat.org_id, Customer.pool: Pool.PERSONAL,
        Customer.pool_reason: reason.value, Customer.pool_changed_at: now, Customer.assigned_at: now,
        Customer.followup_count: 0, Customer.valid_call_count: 0, Customer.red_flag_at: None,
        Customer.red_flag_reason: "", Customer.updated_at: now,
    }


def move_to_seat(session: DbSession, chosen: ColumnElement[bool], seat: User, reason: MoveReason, actor_id: int,
                 allowed: ColumnElement[bool], now: datetime, note: str = "", oldest_first: bool = False
                 ) -> list[tuple[int, Pool]]:
    """Move the ``chosen`` customers that are unassigned and ``allowed`` to the seat's personal pool, with
    history; return (customer id, pool it came from) of those moved. ``oldest_first`` takes only the one
    longest in its pool (提取下一个)."""
    candidates = select(Customer.id, Customer.pool).where(chosen, allowed)
    if oldest_first:
        # Walks ix_customer_pool_changed in order.
        candidates = candidates.order_by(Customer.pool_changed_at, Customer.id).limit(1)
    values = to_seat_values(seat, reason, now)
    if is_postgres():
        # Only unassigned rows are locked (and skipped when locked), in one order: two seats never deadlock.
        locked = candidates.where(Customer.service_seat_id.is_(None)).order_by(Customer.id)
        return _move_in_one_statement(session, locked.with_for_update(of=Customer, skip_locked=oldest_first),
                                      seat, reason, actor_id, allowed, values, now, note)
    # No "unassigned" condition here: SQLite's planner would take the seat index for it and sort the public
    # pool (8 claims/s instead of 60+); the UPDATE checks it.
    before: dict[int, Pool] = dict(session.execute(candidates).all())
    if not before:
        return []
    won = session.scalars(update(Customer).where(Customer.id.in_(list(before)), Customer.service_seat_id.is_(None),
                                                 allowed).values(values).returning(Customer.id),
                          execution_options={"synchronize_session": False}).all()
    history.record(session, [history.Move(cid, before[cid], Pool.PERSONAL, None, seat.id, seat.org_id) for cid in won],
                   reason, actor_id, now, note)
    return sorted((cid, before[cid]) for cid in won)


def _move_in_one_statement(session: DbSession, locked: Any, seat: User, reason: MoveReason, actor_id: int,
                           allowed: ColumnElement[bool], values: dict[Any, Any], now: datetime, note: str
                           ) -> list[tuple[int, Pool]]:
    before = locked.cte("before")
    customers: Any = table_of(Customer)
    moved = (update(customers).where(customers.c.id == before.c.id, Customer.service_seat_id.is_(None), allowed)
             .values({column.key: value for column, value in values.items()})
             .returning(customers.c.id, before.c.pool.label("from_pool")).cte("moved"))
    written = insert(table_of(PoolHistory)).from_select(_HISTORY_COLUMNS, select(
        moved.c.id, literal(now, UTCDateTime()), moved.c.from_pool, literal(Pool.PERSONAL.value), null(),
        literal(seat.id, Integer()), literal(seat.org_id, Integer()), literal(reason.value),
        literal(actor_id, Integer()), literal(note[:200]))).cte("written")
    rows = session.execute(select(moved.c.id, moved.c.from_pool).add_cte(written)).all()
    return sorted((cid, Pool(pool)) for cid, pool in rows)
