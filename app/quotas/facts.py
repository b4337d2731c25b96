"""Daily facts (每日实绩): per user and Asia/Shanghai day, how many 意向客户, 有效电话, 见客 and 邀约.

Kept current incrementally, in the transaction that logs the follow-up or changes the customer type
(signals ``follow_up_logged`` and ``customer_type_changed``), by one race-safe upsert
(``INSERT … ON CONFLICT DO UPDATE SET n = n + 1``). :func:`rebuild` recomputes a range of days set-based
from the sources (follow_up, quota_intent_mark) — the scheduler's nightly repair and 配额维护's 重算实绩.

What counts (docs/quotas.md):

- 有效电话: a follow-up of kind 电话 that is valid (connected and long enough), on the day of its ``at``.
- 见客: a follow-up of kind 见客 or 来访; 邀约: a follow-up of kind 邀约 (a 沙龙 counts for none).
- 意向客户: a customer whose type becomes 意向 while a seat serves it (提交意向 from a follow-up or the
  edit form, or created as 意向 in the seat's personal pool) counts for that seat on that day, at most once
  per customer, seat and day. Moves by the system (released to the public pool turns 新建 into 意向) do not.

Beside the quota metrics the same rows keep activity counts that have no quota, for staff performance
(业绩查询, app/performance/staff.py): ``call`` every call logged (valid or not), ``incoming_visit`` 来访 and
``salon`` 沙龙 (:data:`ACTIVITY`). A valid call thus adds to both ``call`` and ``valid_call``, a 来访 to both
``visit`` and ``incoming_visit``.

Both reading functions take inclusive day ranges and answer densely: every user asked for (and every day
in the range, for :func:`daily`) is present, with zeros where nothing was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite

from app import clock, signals
from app.customers.models import Customer, CustomerType
from app.database import DbSession
from app.followups.models import FollowUp, FollowUpKind
from app.quotas.metrics import METRICS, Metric
from app.quotas.models import DailyFact, IntentMark

COLUMNS = {metric: getattr(DailyFact, metric.value) for metric in METRICS}
VISIT_KINDS = (FollowUpKind.VISIT, FollowUpKind.INCOMING_VISIT)
ACTIVITY = ("call", "incoming_visit", "salon")  # counts without a quota: every call, 来访, 沙龙
FACT_COLUMNS = (*[metric.value for metric in METRICS], *ACTIVITY)  # every count column of quota_daily_fact


def zero() -> dict[Metric, int]:
    return dict.fromkeys(METRICS, 0)


def metric_of(kind: FollowUpKind, valid: bool) -> Metric | None:
    """The metric a follow-up counts for, if any."""
    if kind == FollowUpKind.CALL:
        return Metric.VALID_CALL if valid else None
    if kind in VISIT_KINDS:
        return Metric.VISIT
    if kind == FollowUpKind.INVITATION:
        return Metric.INVITATION
    return None


def counts_of(kind: FollowUpKind, valid: bool) -> dict[str, int]:
    """Every fact column a follow-up adds one to: its quota metric, if any, and its activity counts."""
    metric = metric_of(kind, valid)
    counts = {metric.value: 1} if metric is not None else {}
    if kind == FollowUpKind.CALL:
        counts["call"] = 1
    elif kind == FollowUpKind.INCOMING_VISIT:
        counts["incoming_visit"] = 1
    elif kind == FollowUpKind.SALON:
        counts["salon"] = 1
    return counts


# --- reading -----------------------------------------------------------------------------------------


def daily(session: DbSession, user_ids: Sequence[int], start: date,
          end: date) -> dict[tuple[int, date], dict[Metric, int]]:
    """Per (user, day) from ``start`` to ``end`` inclusive: the count of each metric (zeros included)."""
    ids = sorted(set(user_ids))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    result = {(user_id, day): dict.fromkeys(METRICS, 0) for user_id in ids for day in days}
    if not ids or end < start:
        return result
    rows = session.execute(select(DailyFact.user_id, DailyFact.day, *COLUMNS.values()).where(
        DailyFact.user_id.in_(ids), DailyFact.day >= start, DailyFact.day <= end))
    for user_id, day, *counts in rows:
        result[(user_id, day)] = dict(zip(METRICS, counts, strict=True))
    return result


def totals(session: DbSession, user_ids: Sequence[int], start: date, end: date) -> dict[int, dict[Metric, int]]:
    """Per user, the sum of each metric from ``start`` to ``end`` inclusive (zeros included)."""
    result = {user_id: zero() for user_id in set(user_ids)}
    ids = sorted(set(user_ids))
    if not ids or end < start:
        return result
    stmt = (select(DailyFact.user_id, *[func.sum(column).label(metric.value) for metric, column in COLUMNS.items()])
            .where(DailyFact.user_id.in_(ids), DailyFact.day >= start, DailyFact.day <= end)
            .group_by(DailyFact.user_id))
    for row in session.execute(stmt):
        result[row.user_id] = {metric: int(getattr(row, metric.value) or 0) for metric in METRICS}
    return result


# --- keeping them current -------------------------------------------------------------------------------


def _insert(session: DbSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def add(session: DbSession, user_id: int, day: date, metric: Metric, amount: int = 1) -> None:
    """Add ``amount`` to one fact in one statement; concurrent callers never lose a count."""
    add_counts(session, user_id, day, {metric.value: amount})


def add_counts(session: DbSession, user_id: int, day: date, counts: dict[str, int]) -> None:
    """Add to several count columns of one (user, day) row in one race-safe upsert."""
    stmt = _insert(session)(DailyFact).values(user_id=user_id, day=day, **dict.fromkeys(FACT_COLUMNS, 0))
    stmt = stmt.values(**counts)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "day"], set_={
        name: getattr(DailyFact, name) + stmt.excluded[name] for name in counts})
    session.execute(stmt)


def record_follow_up(session: DbSession, follow_up: FollowUp) -> None:
    """Count a follow-up just logged for its author on the local day it happened."""
    counts = counts_of(follow_up.kind, follow_up.valid)
    if counts:
        add_counts(session, follow_up.user_id, clock.local(follow_up.at).date(), counts)  # type: ignore[union-attr]


def record_intent(session: DbSession, customer: Customer) -> None:
    """Count a customer that just became 意向 for its service seat today, once per customer, seat and day."""
    if customer.type != CustomerType.INTENT or customer.service_seat_id is None:
        return
    mark = (_insert(session)(IntentMark).values(user_id=customer.service_seat_id, day=clock.today(),
                                                customer_id=customer.id)
            .on_conflict_do_nothing().returning(IntentMark.customer_id))
    if session.execute(mark).first() is not None:  # RETURNING answers only for a row really inserted
        add(session, customer.service_seat_id, clock.today(), Metric.INTENT)


def _on_follow_up_logged(session: DbSession, follow_up: FollowUp, **_: Any) -> None:
    record_follow_up(session, follow_up)


def _on_customer_type_changed(session: DbSession, customer: Customer, **_: Any) -> None:
    record_intent(session, customer)


signals.follow_up_logged.connect(_on_follow_up_logged)
signals.customer_type_changed.connect(_on_customer_type_changed)


# --- rebuilding (repair) ----------------------------------------------------------------------------------


def local_day(session: DbSession, moment: Any) -> Any:
    """SQL for the Asia/Shanghai calendar day of a stored UTC timestamp (China keeps no daylight saving)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Shanghai", moment), Date)
    return func.date(moment, "+8 hours")


def rebuild(session: DbSession, start: date, end: date) -> int:
    """Recompute every fact (quota metrics and activity counts) from ``start`` to ``end`` inclusive from follow_up
    and the intent marks, set-based.

    On PostgreSQL the facts table is locked against concurrent upserts first, so a follow-up logged while
    the rebuild runs is counted once: either the rebuild sees it or its upsert lands after the rebuild.
    Returns the number of (user, day) rows written.
    """
    if end < start:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE quota_daily_fact IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(DailyFact).where(DailyFact.day >= start, DailyFact.day <= end),
                    execution_options={"synchronize_session": False})
    lo = datetime.combine(start, time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=clock.SHANGHAI)
    valid_call = and_(FollowUp.kind == FollowUpKind.CALL, FollowUp.valid.is_(True))
    visit = FollowUp.kind.in_(VISIT_KINDS)
    invitation = FollowUp.kind == FollowUpKind.INVITATION
    follow_ups = (select(FollowUp.user_id.label("user_id"), local_day(session, FollowUp.at).label("day"),
                         literal(0).label("intent"), case((valid_call, 1), else_=0).label("valid_call"),
                         case((visit, 1), else_=0).label("visit"), case((invitation, 1), else_=0).label("invitation"),
                         *[case((FollowUp.kind == FollowUpKind(name), 1), else_=0).label(name) for name in ACTIVITY])
                  .where(FollowUp.at >= lo, FollowUp.at < hi))  # every kind counts for something now (沙龙, 电话)
    marks = select(IntentMark.user_id, IntentMark.day, literal(1), *[literal(0)] * (len(FACT_COLUMNS) - 1)).where(
        IntentMark.day >= start, IntentMark.day <= end)
    both = union_all(follow_ups, marks).subquery()
    names = ["user_id", "day", *FACT_COLUMNS]
    summed = (select(both.c.user_id, both.c.day, *[func.sum(both.c[name]) for name in FACT_COLUMNS])
              .group_by(both.c.user_id, both.c.day))
    session.execute(insert(DailyFact).from_select(names, summed))
    # Counted, not taken from the cursor: psycopg reports -1 for this INSERT … SELECT.
    return int(session.scalar(select(func.count()).select_from(DailyFact).where(
        DailyFact.day >= start, DailyFact.day <= end)) or 0)
