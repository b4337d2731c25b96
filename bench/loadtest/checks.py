"""SQL invariants the load test proves at the end: no lost or doubled work.

Pure SQLAlchemy Core on a connection (PostgreSQL or SQLite), so a fast test can run them on a small fixture
database (tests/unit/test_loadtest_checks.py). Each check returns the offending rows; an empty list is a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from app.database import UTCDateTime

LIVE = ("running", "waiting")
TIMER_PROCESS = "loadtest_timer"


def _q(sql: str) -> TextClause:
    """A text query whose :s / :now parameters are UTC moments, stored the way each database stores them."""
    clause = text(sql)
    names = [name for name in ("s", "now") if f":{name}" in sql]
    return clause.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in names))


@dataclass
class Result:
    name: str
    description: str
    count: int  # how many things the check looked at
    bad: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad


def completions(conn: Connection, since: datetime) -> Result:
    """Every 'complete' event matches exactly one completed task row of that instance and element."""
    rows = conn.execute(_q("""
        SELECT e.instance_id, e.element_id, e.n, COALESCE(t.n, 0)
        FROM (SELECT instance_id, element_id, COUNT(*) AS n FROM instance_event WHERE kind = 'complete'
              GROUP BY instance_id, element_id) e
        LEFT JOIN (SELECT instance_id, element_id, COUNT(*) AS n FROM workflow_task WHERE status = 'completed'
                   GROUP BY instance_id, element_id) t
          ON t.instance_id = e.instance_id AND t.element_id = e.element_id
        WHERE e.n > COALESCE(t.n, 0)""")).all()
    count = conn.execute(_q("SELECT COUNT(*) FROM workflow_task WHERE status = 'completed' AND completed_at >= :s"),
                         {"s": since}).scalar_one()
    bad = [tuple(r) for r in rows]
    bad += [("completed without completer", r[0]) for r in conn.execute(_q(
        "SELECT id FROM workflow_task WHERE status = 'completed' AND completed_by_id IS NULL AND completed_at >= :s"),
        {"s": since})]
    return Result("completions", "no task completed twice (complete events = completed task rows)", count, bad)


def claims(conn: Connection, since: datetime) -> Result:
    """Replay claim/release/delegate/complete events per task: no claim while held, completer = holder,
    and every open task's assignee is its last claimant."""
    events = conn.execute(_q("""
        SELECT instance_id, element_id, kind, actor_id FROM instance_event
        WHERE kind IN ('claim', 'release', 'delegate', 'complete')
          AND instance_id IN (SELECT DISTINCT instance_id FROM instance_event WHERE kind = 'claim' AND at >= :s)
        ORDER BY id"""), {"s": since}).all()
    holder: dict[tuple[int, str], int | None] = {}
    bad: list[Any] = []
    claimed = 0
    for instance_id, element_id, kind, actor_id in events:
        key = (instance_id, element_id)
        held = holder.get(key)
        if kind == "claim":
            claimed += 1
            if held is not None:
                bad.append(("claimed while held", instance_id, element_id, held, actor_id))
            holder[key] = actor_id
        elif kind == "complete":
            if held not in (None, -1) and held != actor_id:
                bad.append(("completed by another", instance_id, element_id, held, actor_id))
            holder[key] = None
        elif kind == "release":
            holder.pop(key, None)
        else:  # delegate: the delegate becomes the assignee, but the event names the delegator
            holder[key] = -1
    open_rows = conn.execute(_q("""
        SELECT instance_id, element_id, assignee_id FROM workflow_task
        WHERE status = 'open' AND instance_id IN
          (SELECT DISTINCT instance_id FROM instance_event WHERE kind = 'claim' AND at >= :s)"""), {"s": since})
    for instance_id, element_id, assignee_id in open_rows:
        held = holder.get((instance_id, element_id))
        if held not in (None, -1) and held != assignee_id:
            bad.append(("assignee is not the claimant", instance_id, element_id, held, assignee_id))
    return Result("claims", "each claim has exactly one assignee (no claim of a held task)", claimed, bad)


def timer_fires(conn: Connection, since: datetime) -> Result:
    """No timer fired twice: at most one 'timer' event per instance and due moment."""
    rows = conn.execute(_q("""
        SELECT instance_id, CAST(data AS TEXT), COUNT(*) FROM instance_event WHERE kind = 'timer'
        GROUP BY instance_id, CAST(data AS TEXT) HAVING COUNT(*) > 1""")).all()
    count = conn.execute(_q("SELECT COUNT(*) FROM instance_event WHERE kind = 'timer' AND at >= :s"),
                         {"s": since}).scalar_one()
    return Result("timer_fires", "every timer fired at most once (no duplicate timer events)", count,
                  [tuple(r) for r in rows])


def due_timers(conn: Connection, now: datetime) -> Result:
    """Every timer due before ``now`` has fired: no live instance still waits on a past timer."""
    rows = conn.execute(_q(f"""
        SELECT id, next_timer_at, lock_owner FROM process_instance
        WHERE status IN {LIVE} AND next_timer_at <= :now"""), {"now": now}).all()
    fired = conn.execute(_q("""
        SELECT COUNT(*) FROM process_instance p WHERE p.process_key = :k AND p.status = 'completed'
          AND (SELECT COUNT(*) FROM instance_event e WHERE e.instance_id = p.id AND e.kind = 'timer') = 1"""),
                         {"k": TIMER_PROCESS}).scalar_one()
    return Result("due_timers", "every due timer fired (none lost)", fired, [tuple(r) for r in rows])


def expired_locks(conn: Connection, now: datetime) -> Result:
    """No live instance is stuck behind an expired engine lock (a dead scheduler's claim)."""
    rows = conn.execute(_q(f"""
        SELECT id, lock_owner, lock_expires_at FROM process_instance
        WHERE lock_owner IS NOT NULL AND lock_expires_at < :now AND status IN {LIVE}"""), {"now": now}).all()
    held = conn.execute(_q("SELECT COUNT(*) FROM process_instance WHERE lock_owner IS NOT NULL")).scalar_one()
    return Result("expired_locks", "no instance stuck with an expired lock", held, [tuple(r) for r in rows])


def pool_extractions(conn: Connection, since: datetime) -> Result:
    """No customer extracted from the public pool twice, and each is held by the seat that extracted it."""
    doubles = conn.execute(_q("""
        SELECT customer_id, COUNT(*) FROM pool_history WHERE reason = 'extract' AND at >= :s
        GROUP BY customer_id HAVING COUNT(*) > 1"""), {"s": since}).all()
    strays = conn.execute(_q("""
        SELECT h.customer_id, h.to_seat_id, c.service_seat_id
        FROM pool_history h JOIN customer c ON c.id = h.customer_id
        WHERE h.reason = 'extract' AND h.at >= :s AND (c.service_seat_id IS NULL OR c.service_seat_id <> h.to_seat_id)
          AND NOT EXISTS (SELECT 1 FROM pool_history later WHERE later.customer_id = h.customer_id
                          AND later.id > h.id)"""), {"s": since}).all()
    count = conn.execute(_q("SELECT COUNT(*) FROM pool_history WHERE reason = 'extract' AND at >= :s"),
                         {"s": since}).scalar_one()
    return Result("pool_extractions", "each extracted customer has exactly one seat", count,
                  [("twice", *r) for r in doubles] + [("not held", *r) for r in strays])


def review_rounds(conn: Connection, since: datetime) -> Result:
    """No trade has two live review rounds (a double submit or a doubled resubmission)."""
    rows = conn.execute(_q(f"""
        SELECT business_key, COUNT(*) FROM process_instance WHERE process_key = 'trade_review' AND status IN {LIVE}
        GROUP BY business_key HAVING COUNT(*) > 1""")).all()
    count = conn.execute(_q("SELECT COUNT(*) FROM process_instance WHERE process_key = 'trade_review'")).scalar_one()
    return Result("review_rounds", "one live review round per trade", count, [tuple(r) for r in rows])


CHECKS: list[Callable[[Connection, datetime, datetime], Result]] = [
    lambda c, since, now: completions(c, since),
    lambda c, since, now: claims(c, since),
    lambda c, since, now: timer_fires(c, since),
    lambda c, since, now: due_timers(c, now),
    lambda c, since, now: expired_locks(c, now),
    lambda c, since, now: pool_extractions(c, since),
    lambda c, since, now: review_rounds(c, since),
]


def run_all(conn: Connection, since: datetime, now: datetime) -> list[Result]:
    """Run every invariant; ``since`` is the load test's start, ``now`` the moment due timers must have fired by."""
    return [check(conn, since, now) for check in CHECKS]
