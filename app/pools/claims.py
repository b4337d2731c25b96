"""Claiming unassigned customers for a seat (提取, 分配, 返回) with the fewest round trips.

On PostgreSQL one statement locks the candidates, moves them and writes their pool-history rows
(a data-modifying CTE): ``SELECT … FOR UPDATE`` picks and locks the rows still unassigned, the
``UPDATE`` moves exactly those, the ``INSERT`` records each move with the pool it came from. Of two
seats claiming the same customer, the second waits for the first's lock, re-checks the row and
finds it taken. "Take the oldest" skips rows another seat has locked instead of queueing on them.

SQLite has no data-modifying CTEs, but runs in-process and serialises writers (``BEGIN IMMEDIATE``):
the same three steps are three statements there, the ``UPDATE`` re-checking that the rows are unassigned.

A seat claiming from its branch's public pool (提取, 提取下一个) is the sales floor's hot path: its statements
are built once and bound per claim (:func:`claim_public`), because building and compiling them took most of
a claim's time — 3 of 3.4 ms were SQLAlchemy's Python, 0.3 ms the database (issue 16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, insert, literal, null, select, update

from app.auth.models import User
from app.customers.models import Customer, Pool
from app.database import DbSession, UTCDateTime, is_postgres, table_of
from app.org import scope as data_scope
from app.pools import history
from app.pools.models import MoveReason, PoolHistory

_HISTORY_COLUMNS = ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason",
                    "actor_id", "note"]


def to_seat_values(seat: User, reason: MoveReason, now: datetime) -> dict[Any, Any]:
    """The columns of a customer that is now the seat's (the one definition, shared by the bulk moves)."""
    return _to_seat(seat.id, seat.org_id, reason.value, now)


def _to_seat(seat_id: Any, org_id: Any, reason: Any, now: Any) -> dict[Any, Any]:
    return {
        Customer.service_seat_id: seat_id, Customer.service_org_id: org_id, Customer.pool: Pool.PERSONAL,
        Customer.pool_reason: reason, Customer.pool_changed_at: now, Customer.assigned_at: now,
        Customer.followup_count: 0, Customer.valid_call_count: 0, Customer.red_flag_at: None,
        Customer.red_flag_reason: "", Customer.updated_at: now,
    }


def move_to_seat(session: DbSession, chosen: ColumnElement[bool], seat: User, reason: MoveReason, actor_id: int,
                 allowed: ColumnElement[bool], now: datetime, note: str = "") -> list[tuple[int, Pool]]:
    """Move the ``chosen`` customers that are unassigned and ``allowed`` to the seat's personal pool, with
    history; return (customer id, pool it came from) of those moved."""
    candidates = select(Customer.id, Customer.pool).where(chosen, allowed)
    values = to_seat_values(seat, reason, now)
    if is_postgres():
        # Only unassigned rows are locked, in one order: two seats never deadlock.
        locked = candidates.where(Customer.service_seat_id.is_(None)).order_by(Customer.id)
        return _move_in_one_statement(session, locked.with_for_update(of=Customer),
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


# --- a seat claiming from its branch's public pool: statements built once ---------------------------------

_customers: Any = table_of(Customer)
_NOW = bindparam("p_now", type_=UTCDateTime())
_PUBLIC_OF_BRANCH = and_(_customers.c.pool == Pool.PUBLIC.value, _customers.c.service_seat_id.is_(None),
                         _customers.c.service_org_id.in_(data_scope.BRANCH_ORG_IDS))
_TO_SEAT = {column.key: value for column, value in
            _to_seat(bindparam("p_seat"), bindparam("p_seat_org"), bindparam("p_reason"), _NOW).items()}
_CHOSEN = select(_customers.c.id).where(_customers.c.id.in_(bindparam("p_ids", expanding=True)), _PUBLIC_OF_BRANCH)
_OLDEST = (select(_customers.c.id).where(_PUBLIC_OF_BRANCH)
           .order_by(_customers.c.pool_changed_at, _customers.c.id).limit(1))
_WRITE_HISTORY = insert(table_of(PoolHistory))


def _claim_on_postgres(candidates: Any) -> Any:
    """Lock the candidates, move them, record them: one statement (every value a named parameter)."""
    locked = candidates.cte("locked")
    moved = (update(_customers).where(_customers.c.id == locked.c.id, _customers.c.service_seat_id.is_(None),
                                      _customers.c.pool == Pool.PUBLIC.value)
             .values(_TO_SEAT).returning(_customers.c.id).cte("moved"))
    written = insert(table_of(PoolHistory)).from_select(_HISTORY_COLUMNS, select(
        moved.c.id, _NOW, bindparam("p_from"), bindparam("p_to"), null(), bindparam("p_seat"),
        bindparam("p_seat_org"), bindparam("p_reason"), bindparam("p_actor"), bindparam("p_note"))).cte("written")
    return select(moved.c.id).add_cte(written)


_PG_CHOSEN = _claim_on_postgres(_CHOSEN.order_by(_customers.c.id).with_for_update(of=_customers))
_PG_OLDEST = _claim_on_postgres(_OLDEST.with_for_update(of=_customers, skip_locked=True))
# SQLite: the candidates as a subquery of the UPDATE, read through the index that finds them — the primary key
# for chosen ids, the pool's (pool, pool_changed_at) index for the oldest (its planner, left alone, scanned the
# public pool through another index for both).
_SQLITE_CHOSEN = (update(_customers).where(_customers.c.id.in_(
    _CHOSEN.with_hint(_customers, "NOT INDEXED", dialect_name="sqlite")))
    .values(_TO_SEAT).returning(_customers.c.id))
_SQLITE_OLDEST = (update(_customers).where(_customers.c.id == _OLDEST.with_hint(
    _customers, "INDEXED BY ix_customer_pool_changed", dialect_name="sqlite").scalar_subquery())
    .values(_TO_SEAT).returning(_customers.c.id))


def claim_public(session: DbSession, seat: User, customer_ids: list[int] | None, reason: MoveReason, now: datetime,
                 ) -> list[int]:
    """Move the chosen customers (None: the one longest in the pool) from the public pool of the seat's branch
    to the seat, those still unassigned; return the ids moved, ascending. Room and limits are the caller's."""
    params: dict[str, Any] = {"p_seat": seat.id, "p_seat_org": seat.org_id, "p_reason": reason.value, "p_now": now,
                              **data_scope.branch_params(seat.org)}
    if customer_ids is not None:
        params["p_ids"] = customer_ids
    conn = session.connection()
    if is_postgres():
        statement = _PG_OLDEST if customer_ids is None else _PG_CHOSEN
        return sorted(conn.execute(statement, {**params, "p_from": Pool.PUBLIC.value, "p_to": Pool.PERSONAL.value,
                                               "p_actor": seat.id, "p_note": ""}).scalars())
    statement = _SQLITE_OLDEST if customer_ids is None else _SQLITE_CHOSEN
    won = sorted(conn.execute(statement, params).scalars())
    if won:
        conn.execute(_WRITE_HISTORY, [
            {"customer_id": cid, "at": now, "from_pool": Pool.PUBLIC.value, "to_pool": Pool.PERSONAL.value,
             "from_seat_id": None, "to_seat_id": seat.id, "org_id": seat.org_id, "reason": reason.value,
             "actor_id": seat.id, "note": ""} for cid in won])
    return won
