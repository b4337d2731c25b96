"""The one distribution engine (分配引擎): rule runs, manual distribution, hand-over spreads and mining tasks use it.

A run has two steps. :func:`plan` counts the eligible customers of a source query, works out each
target's share (``rules.distribution``) and writes the plan in two set-based statements: one row per
target with its share and its range of sequence numbers, and one INSERT … SELECT placing every customer
of the shuffled source on a target. That plan is the dry-run preview. :func:`execute` then moves exactly
the planned customers with one UPDATE … FROM the plan, marks what moved and writes a pool-history row
per customer naming the run — never a Python loop over customers.

Safety while executing:
- a customer moves only if it is still where the plan found it (same pool, same seat): of two runs
  planning the same customer, the second finds it moved and skips it;
- the target seats' rows are locked and their room under the owned-customer cap is counted again,
  so a seat that filled up since the preview gets only what still fits;
- on PostgreSQL executions take one transaction-level advisory lock, so two runs never deadlock on
  each other's customers; SQLite serialises writers anyway.

Execution may go in chunks of sequence numbers (``chunk_size``); each chunk is a consistent unit
(moves, history, counters), so a progress bar can follow a committed run and a process killed
between chunks leaves every moved customer with its history.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from app import clock
from app.admin import params
from app.auth.models import User, UserStatus
from app.customers.blacklist import THRESHOLD
from app.customers.models import Customer, CustomerPhone, CustomerType, PhoneBlacklistMark, Pool
from app.database import DbSession, UTCDateTime, is_postgres
from app.errors import Conflict, NotFound, ValidationFailed
from app.mining.run_models import DistributionItem, DistributionRun, DistributionRunTarget, RunKind, RunStatus
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import history
from app.pools.models import MoveReason, PoolHistory
from app.pools.services import OWNED_CAP
from rules.distribution import Method, NoShares, Slot, shares

ADVISORY_KEY = 7_340_012  # pg_advisory_xact_lock key of distribution executions
Progress = Callable[[DistributionRun], None]


@dataclass(frozen=True)
class Target:
    """A seat (its personal pool receives) or an org (its department pool receives, seat empty)."""

    seat_id: int | None
    org_id: int
    weight: int = 1
    label: str = ""


def seat_targets(session: DbSession, scope: data_scope.Scope, seat_ids: Sequence[int]) -> list[Target]:
    """Active seats inside the scope as targets, each with its 权重; refuse a seat who left or is out of scope."""
    wanted = list(dict.fromkeys(seat_ids))
    seats = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    targets = []
    for seat_id in wanted:
        seat = seats.get(seat_id)
        if seat is None or not data_scope.covers(session, scope, seat.org_id):
            raise NotFound("分配目标坐席不存在或不在您的管理范围内")
        if seat.status != UserStatus.ACTIVE:
            raise ValidationFailed(f"坐席 {seat.name}（{seat.work_no}）已离职，不能作为分配目标")
        targets.append(Target(seat.id, seat.org_id, seat.weight, f"{seat.name}（{seat.work_no}）"))
    return targets


def org_targets(session: DbSession, scope: data_scope.Scope, org_ids: Sequence[int]) -> list[Target]:
    """Orgs inside the scope as targets; an org's weight is the sum of its active seats' weights (at least 1)."""
    wanted = list(dict.fromkeys(org_ids))
    orgs = {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(wanted)))}
    weights = dict(session.execute(
        select(User.org_id, func.sum(User.weight)).where(User.org_id.in_(wanted), User.status == UserStatus.ACTIVE)
        .group_by(User.org_id)).all())
    targets = []
    for org_id in wanted:
        org = orgs.get(org_id)
        if org is None or not data_scope.covers(session, scope, org.id):
            raise NotFound("分配目标组织不存在或不在您的管理范围内")
        targets.append(Target(None, org.id, max(1, int(weights.get(org.id) or 0)), org.name))
    return targets


def blacklisted() -> ColumnElement[bool]:
    """TRUE for a customer with a phone marked by at least the blacklist threshold of seats."""
    listed = (select(PhoneBlacklistMark.phone).group_by(PhoneBlacklistMark.phone)
              .having(func.count() >= params.get_int(THRESHOLD)))
    return exists().where(CustomerPhone.customer_id == Customer.id, CustomerPhone.phone.in_(listed))


def eligible(include_dealt: bool = False) -> ColumnElement[bool]:
    """Customers a run may move: never invalid (无效) or blacklisted ones; dealt (成交) ones with a seat only
    when a hand-over passes them on."""
    condition = and_(Customer.type != CustomerType.INVALID, not_(blacklisted()))
    if not include_dealt:
        condition = and_(condition, or_(Customer.service_seat_id.is_(None), Customer.type != CustomerType.DEALT))
    return condition


def _owned(session: DbSession, seat_ids: list[int]) -> dict[int, int]:
    if not seat_ids:
        return {}
    return {seat: int(n) for seat, n in session.execute(
        select(Customer.service_seat_id, func.count()).where(Customer.service_seat_id.in_(seat_ids))
        .group_by(Customer.service_seat_id)) if seat is not None}


def _rooms(session: DbSession, targets: Sequence[Target]) -> list[int | None]:
    cap = params.get_int(OWNED_CAP, session)
    owned = _owned(session, [t.seat_id for t in targets if t.seat_id is not None])
    return [None if t.seat_id is None else max(0, cap - owned.get(t.seat_id, 0)) for t in targets]


def plan(session: DbSession, *, kind: RunKind, method: Method, targets: Sequence[Target], source: Select[Any],
         actor_id: int | None, title: str, rule_id: int | None = None, limit: int | None = None,
         include_dealt: bool = False, rng: random.Random | None = None) -> DistributionRun:
    """Plan a run (the dry-run preview): each eligible customer of ``source`` (one column of customer ids)
    placed on a target. Nothing moves until :func:`execute`."""
    if not targets:
        raise ValidationFailed("请至少添加一个分配目标")
    if len({(t.seat_id, t.org_id if t.seat_id is None else None) for t in targets}) != len(targets):
        raise ValidationFailed("分配目标重复，请去掉重复的坐席或组织")
    src = source.subquery("src")
    candidates = (select(Customer.id, Customer.pool, Customer.service_seat_id)
                  .join(src, src.c[0] == Customer.id).where(eligible(include_dealt)))
    matched = int(session.scalar(select(func.count()).select_from(candidates.subquery())) or 0)
    wanted = matched if limit is None else min(matched, max(0, limit))
    rooms = _rooms(session, targets)
    try:
        quotas = shares(wanted, [Slot(t.weight, room) for t, room in zip(targets, rooms, strict=True)], method,
                        rng or random.Random())  # noqa: S311  (fairness, not secrecy)
    except NoShares as exc:
        raise ValidationFailed(str(exc)) from exc
    now = clock.now()
    run = DistributionRun(kind=kind, method=method, rule_id=rule_id, title=title[:200], source_count=matched,
                          planned=sum(quotas), created_by_id=actor_id, created_at=now)
    session.add(run)
    session.flush()
    rows, hi = [], 0
    for position, (target, room, quota) in enumerate(zip(targets, rooms, quotas, strict=True), start=1):
        rows.append({"run_id": run.id, "position": position, "seat_id": target.seat_id, "org_id": target.org_id,
                     "label": target.label[:100], "weight": target.weight, "room": room, "quota": quota,
                     "lo": hi + 1, "hi": hi + quota, "moved": 0})
        hi += quota
    session.execute(insert(DistributionRunTarget), rows)
    if run.planned:
        _write_items(session, run, candidates)
    return run


def _write_items(session: DbSession, run: DistributionRun, candidates: Any) -> None:
    """One INSERT … SELECT: shuffle and number the candidates, and join number n to the slot n of the target
    whose range lo..hi holds it — the slots come from a recursive CTE over the targets, so placing a customer
    is an equi-join, not a search among the targets per customer."""
    numbered = candidates.add_columns(func.row_number().over(order_by=func.random()).label("seq")).subquery("n")
    target = DistributionRunTarget
    first = (select(target.position.label("position"), target.lo.label("seq"), target.hi.label("hi"))
             .where(target.run_id == run.id, target.quota > 0).cte("slots", recursive=True))
    slots = first.union_all(select(first.c.position, first.c.seq + 1, first.c.hi).where(first.c.seq < first.c.hi))
    rows = (select(literal(run.id, Integer()), numbered.c.id, numbered.c.seq, slots.c.position, target.seat_id,
                   target.org_id, numbered.c.pool, numbered.c.service_seat_id, false())
            .join(slots, slots.c.seq == numbered.c.seq)
            .join(target, and_(target.run_id == run.id, target.position == slots.c.position)))
    session.execute(insert(DistributionItem).from_select(
        ["run_id", "customer_id", "seq", "position", "seat_id", "org_id", "from_pool", "from_seat_id", "moved"],
        rows))


def get_run(session: DbSession, run_id: int) -> DistributionRun:
    run = session.get(DistributionRun, run_id)
    if run is None:
        raise NotFound("分配记录不存在")
    return run


def discard(session: DbSession, run: DistributionRun) -> None:
    """Drop a preview that will not be executed."""
    claimed = session.execute(update(DistributionRun).where(DistributionRun.id == run.id,
                                                            DistributionRun.status == RunStatus.PREVIEWED)
                              .values(status=RunStatus.DISCARDED, finished_at=clock.now())).rowcount  # type: ignore[attr-defined]
    if not claimed:
        raise Conflict("该分配已执行或已放弃")
    session.refresh(run)


def execute(session: DbSession, run: DistributionRun, actor_id: int | None, *,
            reason: MoveReason = MoveReason.DISTRIBUTE, chunk_size: int | None = None,
            after_chunk: Progress | None = None) -> DistributionRun:
    """Move the planned customers of a previewed run; return the run with its counts.

    ``after_chunk`` (e.g. a commit for a progress bar) is called after each chunk of ``chunk_size``
    sequence numbers; without a chunk size the whole run is one chunk.
    """
    now = clock.now()
    claimed = session.execute(update(DistributionRun).where(DistributionRun.id == run.id,
                                                            DistributionRun.status == RunStatus.PREVIEWED)
                              .values(status=RunStatus.RUNNING, started_at=now, executed_by_id=actor_id)
                              ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        raise Conflict("该分配已执行或已放弃，不能重复执行")
    session.refresh(run)
    size = chunk_size or max(1, run.planned)
    first = 1
    while first <= run.planned:
        last = min(run.planned, first + size - 1)
        _execute_chunk(session, run, first, last, actor_id, reason)
        first = last + 1
        if after_chunk is not None and first <= run.planned:
            after_chunk(run)
    counts = [{"run_id": run.id, "position": position, "moved": moved} for position, moved in session.execute(
        select(DistributionItem.position, func.count()).where(DistributionItem.run_id == run.id,
                                                              DistributionItem.moved.is_(True))
        .group_by(DistributionItem.position)).all()]
    if counts:
        session.execute(update(DistributionRunTarget), counts)
    run.status = RunStatus.DONE
    run.finished_at = clock.now()
    session.flush()
    session.expire_all()
    return run


def _lock_for_execution(session: DbSession, seat_ids: list[int]) -> None:
    if is_postgres():
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_KEY)))
    if seat_ids:
        session.execute(select(User.id).where(User.id.in_(sorted(seat_ids))).order_by(User.id).with_for_update())


def _allow_within_room(session: DbSession, run: DistributionRun, first: int, last: int) -> bool:
    """Set each target's ``allowed`` upper sequence number for this chunk (a seat gets only what still fits);
    tell whether any target is held back, i.e. whether the move must consult the limits at all."""
    target = DistributionRunTarget
    targets = session.execute(select(target.position, target.seat_id, target.lo, target.hi)
                              .where(target.run_id == run.id, target.lo <= last, target.hi >= first)).all()
    seats = [t.seat_id for t in targets if t.seat_id is not None]
    _lock_for_execution(session, seats)
    cap = params.get_int(OWNED_CAP, session)
    owned = _owned(session, seats)
    limits = [{"run_id": run.id, "position": t.position, "allowed": t.hi if t.seat_id is None
               else min(t.hi, max(t.lo, first) + cap - owned.get(t.seat_id, 0) - 1)} for t in targets]
    ranges = {t.position: t.hi for t in targets}
    held = [row for row in limits if row["allowed"] < ranges[row["position"]]]
    if held:
        session.execute(update(target), limits)
    return bool(held)


def _execute_chunk(session: DbSession, run: DistributionRun, first: int, last: int, actor_id: int | None,
                   reason: MoveReason) -> None:
    item, target = DistributionItem, DistributionRunTarget
    held_back = _allow_within_room(session, run, first, last)
    now = clock.now()
    batch = history.new_batch(session)
    where = [item.run_id == run.id, item.seq.between(first, last), item.customer_id == Customer.id,
             Customer.pool == item.from_pool, Customer.service_seat_id.is_not_distinct_from(item.from_seat_id)]
    if held_back:  # only then does the move read the targets' limits
        where += [target.run_id == run.id, target.position == item.position, item.seq <= target.allowed]
    moved = session.execute(
        update(Customer).where(*where)
        .values({
            Customer.prev_seat_id: func.coalesce(Customer.service_seat_id, Customer.prev_seat_id),
            Customer.service_seat_id: item.seat_id,
            Customer.service_org_id: item.org_id,
            Customer.pool: case((item.seat_id.is_(None), literal(Pool.DEPARTMENT.value)),
                                else_=literal(Pool.PERSONAL.value)),
            Customer.pool_reason: reason.value,
            Customer.pool_changed_at: now,
            Customer.pool_move_batch: batch,
            Customer.assigned_at: case((item.seat_id.is_(None), None), else_=literal(now, UTCDateTime())),
            Customer.followup_count: 0, Customer.valid_call_count: 0,
            Customer.red_flag_at: None, Customer.red_flag_reason: "",
            Customer.updated_at: now,
        }),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if moved:
        # Driven by the batch's customers, each probing the plan's primary key (run_id, customer_id): a fresh
        # batch number has no statistics, and a plan driven by the chunk's sequence range would rescan it.
        session.execute(update(item).where(item.run_id == run.id, item.customer_id == Customer.id,
                                           Customer.pool_move_batch == batch)
                        .values(moved=True), execution_options={"synchronize_session": False})
        note = f"{run.title}（分配记录 #{run.id}）"[:200]
        to_pool = case((item.seat_id.is_(None), literal(Pool.DEPARTMENT.value)), else_=literal(Pool.PERSONAL.value))
        rows = (select(item.customer_id, literal(now, UTCDateTime()), item.from_pool, to_pool, item.from_seat_id,
                       item.seat_id, item.org_id, literal(reason.value), literal(actor_id, Integer()), literal(note),
                       literal(run.id, Integer()))
                .where(item.run_id == run.id, item.seq.between(first, last), item.moved.is_(True)))
        session.execute(insert(PoolHistory).from_select(
            ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason",
             "actor_id", "note", "run_id"], rows))
    run.moved += int(moved)
    run.skipped += (last - first + 1) - int(moved)
    session.flush()
