"""Set-based moves shared by hand-over, transfer and recovery: one UPDATE, then one INSERT … SELECT of history.

The UPDATE marks what it moved with a fresh ``pool_move_batch`` number; :func:`app.pools.history.record_batch`
then writes exactly one history row per moved customer. A customer another transaction moved first no
longer matches the UPDATE's condition (PostgreSQL re-checks it after the row lock; SQLite runs writers
one at a time), so two heads moving the same customers at once each move a customer at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from app.auth.models import User
from app.customers.models import Customer, Pool
from app.database import DbSession
from app.pools import history
from app.pools.claims import to_seat_values
from app.pools.models import MoveReason


@dataclass(frozen=True)
class Moved:
    batch: int
    count: int

    def ids(self, session: DbSession) -> list[int]:
        return list(session.scalars(select(Customer.id).where(Customer.pool_move_batch == self.batch)
                                    .order_by(Customer.id)))

    def by(self, session: DbSession, column: Any) -> dict[Any, int]:
        """Count the moved customers by one column (type, previous seat …)."""
        rows = session.execute(select(column, func.count()).where(Customer.pool_move_batch == self.batch)
                               .group_by(column))
        return {key: int(n) for key, n in rows}


def to_seat(seat: User, reason: MoveReason, now: datetime) -> dict[Any, Any]:
    """SET values giving customers to a seat's personal pool; the seat they came from stays in prev_seat_id."""
    return {**to_seat_values(seat, reason, now),
            Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id)}


def to_pool(pool: Pool, reason: MoveReason, now: datetime, org_id: int | None = None) -> dict[Any, Any]:
    """SET values putting customers in an unassigned pool (a department's when ``org_id`` is given)."""
    values: dict[Any, Any] = {
        Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id),
        Customer.service_seat_id: None, Customer.pool: pool, Customer.pool_reason: reason.value,
        Customer.pool_changed_at: now, Customer.assigned_at: None, Customer.red_flag_at: None,
        Customer.red_flag_reason: "", Customer.updated_at: now,
    }
    if org_id is not None:
        values[Customer.service_org_id] = org_id
    return values


def move(session: DbSession, condition: ColumnElement[bool], values: dict[Any, Any], *, from_pool: Pool,
         actor_id: int | None, now: datetime, note: str = "") -> Moved:
    """Move every customer matching ``condition`` with one UPDATE and write their history rows."""
    batch = history.new_batch(session)
    count = session.execute(
        update(Customer).where(condition).values({**values, Customer.pool_move_batch: batch}),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if count:
        history.record_batch(session, batch, now, from_pool, actor_id, note)
    return Moved(batch, int(count))
