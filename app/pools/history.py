"""Writing pool-history rows (流转记录): one per move, in bulk, naming the person or the rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, insert, literal, null, select

from app.customers.models import Customer, Pool
from app.database import DbSession, UTCDateTime, table_of
from app.pools.models import MoveReason, PoolHistory
from app.sequences import allocate


@dataclass(frozen=True)
class Move:
    customer_id: int
    from_pool: Pool | None
    to_pool: Pool
    from_seat_id: int | None
    to_seat_id: int | None
    org_id: int | None


def record(session: DbSession, moves: Iterable[Move], reason: MoveReason, actor_id: int | None, at: datetime,
           note: str = "") -> int:
    """Insert one history row per move in a single statement; return how many were written."""
    rows: list[dict[str, Any]] = [
        {"customer_id": m.customer_id, "at": at, "from_pool": m.from_pool, "to_pool": m.to_pool,
         "from_seat_id": m.from_seat_id, "to_seat_id": m.to_seat_id, "org_id": m.org_id,
         "reason": reason, "actor_id": actor_id, "note": note[:200]}
        for m in moves
    ]
    if rows:
        session.execute(insert(table_of(PoolHistory)), rows)
    return len(rows)


MOVE_BATCH_SEQUENCE = "pool_move_batch"


def new_batch(session: DbSession) -> int:
    """A number no other set-based move has used, to mark the rows one UPDATE moves."""
    return allocate(session, MOVE_BATCH_SEQUENCE)


def record_batch(session: DbSession, batch: int, at: datetime, from_pool: Pool, actor_id: int | None,
                 note: str = "") -> int:
    """Write one history row per customer a set-based UPDATE just moved and marked with ``batch``.

    The new seat (if the move gave the customer one) is the row's service seat; ``note`` names the
    successor, the transfer reason or the recovery run.

    The UPDATE sets ``pool_move_batch``, ``pool_reason`` and keeps the old seat in ``prev_seat_id``;
    its rows stay locked by this transaction until commit, so this INSERT … SELECT sees exactly
    the rows that UPDATE moved — never a row moved by an earlier run at the same moment.
    """
    source = select(
        Customer.id, literal(at, UTCDateTime()), literal(from_pool.value), Customer.pool, Customer.prev_seat_id,
        Customer.service_seat_id, Customer.service_org_id, Customer.pool_reason,
        literal(actor_id, Integer()) if actor_id else null(), literal(note[:200]),
    ).where(Customer.pool_move_batch == batch)
    columns = ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason",
               "actor_id", "note"]
    result = session.execute(insert(PoolHistory).from_select(columns, source))
    return int(result.rowcount)  # type: ignore[attr-defined]
