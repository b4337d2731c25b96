"""Staff performance (业绩查询): every :class:`PerfMetric` per seat over a period, with the total and average
rows, one metric over the period's chart buckets, and the conversion funnel (电话 → 有效电话 → 有效客户 → 有效客户成单).

Where each figure comes from (docs/staff-performance.md):

- activity counts from the daily facts (``quota_daily_fact``, kept by app/quotas/facts.py in the transaction
  that logs a follow-up): 电话量 ``call``, 工作量 ``valid_call``, 见客量 ``visit`` (见客 + 来访), 来访量
  ``incoming_visit``, 沙龙 ``salon``, 邀约量 ``invitation``, 有效客户 ``intent``;
- deals (成单量, 交易金额, 大客户) from app/performance/deals.py, an indexed aggregate over ``trade``;
- 任务完成率 by the task calendar's rules (app/quotas/calendar.py, see :func:`working_days`): days meeting the
  quota / working days, where a working day is a day the calendar judges (up to today, with a quota, not still
  in progress) that is not excused (周末, 公休, 请假 … count as neither);
- 电话→有效客户 = 有效客户 / 电话量; 大客户占比 = 大客户成单 / 成单量;
- 有效客户→成单 = 有效客户成单 / 有效客户, a cohort: of the customers a seat turned 意向 in the period
  (``quota_intent_mark``), those with a deal from the day of the mark to the period's end. It cannot pass 100 %
  (成单量 / 有效客户 would: most deals close customers made 意向 in earlier months).

Ratios are percentages with one decimal, None where there is nothing to divide by. The total row adds the
counts and takes the ratios of the sums; the average row divides the counts and the amount by the number of
seats and averages the seats' ratios (over the seats that have one). A handful of queries whatever the
number of seats: one per source for the table and one per source by day for the chart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.hr import days as hr_days
from app.org.models import Org
from app.performance import deals
from app.performance.deals import ZERO, DealTotals
from app.performance.metrics import PERF_LABELS, RATIOS, PerfMetric
from app.performance.period import Bucket, Period, buckets
from app.quotas import calendar
from app.quotas.calendar import DayStatus
from app.quotas.metrics import METRICS as QUOTA_METRICS
from app.quotas.models import DailyFact, IntentMark
from app.quotas.services import quota_book
from app.trades.models import Trade

METRICS: tuple[PerfMetric, ...] = tuple(PerfMetric)
# The fact column behind each activity count.
FACT_OF = {PerfMetric.CALLS: "call", PerfMetric.VALID_CALLS: "valid_call", PerfMetric.VISITS: "visit",
           PerfMetric.INCOMING_VISITS: "incoming_visit", PerfMetric.SALONS: "salon",
           PerfMetric.INVITATIONS: "invitation", PerfMetric.INTENTS: "intent"}
FUNNEL = (PerfMetric.CALLS, PerfMetric.VALID_CALLS, PerfMetric.INTENTS)  # then 有效客户成单 (the cohort)
FUNNEL_LABELS = {PerfMetric.CALLS: "电话", PerfMetric.VALID_CALLS: "有效电话", PerfMetric.INTENTS: "有效客户"}
DEFAULT_METRIC = PerfMetric.CALLS
PERCENT = Decimal("0.1")
ONE_DECIMAL = Decimal("0.1")
JUDGED = (DayStatus.COMPLETE, DayStatus.INCOMPLETE)  # a working day, judged (excused days are skipped before)


@dataclass(frozen=True)
class Done:
    """What went into one seat's (or the team's) figures over some days."""

    counts: Mapping[str, int]  # fact column → sum
    deal: DealTotals
    complete_days: int = 0
    working_days: int = 0
    converted: int = 0  # of the period's 有效客户, those with a deal since (有效客户成单)


@dataclass(frozen=True)
class Row:
    label: str  # the seat's name, 合计 or 平均
    seat: User | None
    org_name: str
    values: dict[PerfMetric, Any]  # int counts, Decimal amount, float percentages or None


@dataclass(frozen=True)
class Point:
    bucket: Bucket
    value: Any


@dataclass(frozen=True)
class StaffReport:
    period: Period
    metric: PerfMetric  # the one the charts draw
    rows: list[Row]
    total: Row
    average: Row
    series: list[Point]  # the team's (or the one seat's) ``metric`` per chart bucket; None for days to come
    funnel: list[tuple[str, int]]

    @property
    def seats(self) -> list[User]:
        return [row.seat for row in self.rows if row.seat is not None]


def metric_arg(text: str | None) -> PerfMetric:
    """The metric a chart draws, from its code; the default when empty."""
    if not text:
        return DEFAULT_METRIC
    try:
        return PerfMetric(text.strip())
    except ValueError:
        raise ValidationFailed("指标不存在，请从列表中选择") from None


def _percent(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part * 100) / Decimal(whole)).quantize(PERCENT, ROUND_HALF_UP))


def figures(done: Done) -> dict[PerfMetric, Any]:
    """Every metric from the counts, deals and calendar days behind them."""
    values: dict[PerfMetric, Any] = {metric: int(done.counts.get(column, 0)) for metric, column in FACT_OF.items()}
    values[PerfMetric.DEALS] = done.deal.count
    values[PerfMetric.AMOUNT] = done.deal.amount
    values[PerfMetric.BIG_RATIO] = _percent(done.deal.big, done.deal.count)
    values[PerfMetric.CALL_CONVERSION] = _percent(values[PerfMetric.INTENTS], values[PerfMetric.CALLS])
    values[PerfMetric.DEAL_CONVERSION] = _percent(done.converted, values[PerfMetric.INTENTS])
    values[PerfMetric.QUOTA_COMPLETION] = _percent(done.complete_days, done.working_days)
    return {metric: values[metric] for metric in METRICS}


def _sum(items: Iterable[Done]) -> Done:
    counts: dict[str, int] = dict.fromkeys(FACT_OF.values(), 0)
    count, amount, big, complete, working, converted = 0, ZERO, 0, 0, 0, 0
    for item in items:
        converted += item.converted
        for column in counts:
            counts[column] += int(item.counts.get(column, 0))
        count, amount, big = count + item.deal.count, amount + item.deal.amount, big + item.deal.big
        complete, working = complete + item.complete_days, working + item.working_days
    return Done(counts, DealTotals(count, amount, big), complete, working, converted)


def _average(rows: Sequence[Row]) -> dict[PerfMetric, Any]:
    n = len(rows)
    values: dict[PerfMetric, Any] = {}
    for metric in METRICS:
        column = [row.values[metric] for row in rows]
        if metric in RATIOS:
            known = [value for value in column if value is not None]
            values[metric] = round(sum(known) / len(known), 1) if known else None
        elif metric == PerfMetric.AMOUNT:
            values[metric] = (sum(column, ZERO) / n).quantize(ZERO, ROUND_HALF_UP) if n else ZERO
        else:
            values[metric] = float((Decimal(sum(column)) / n).quantize(ONE_DECIMAL, ROUND_HALF_UP)) if n else 0.0
    return values


# --- reading the sources ----------------------------------------------------------------------------------


def _fact_sums(session: DbSession, ids: Sequence[int], start: date, end: date, by: Any) -> dict[Any, dict[str, int]]:
    columns = list(FACT_OF.values())
    stmt = (select(by.label("key"), *[func.sum(getattr(DailyFact, c)).label(c) for c in columns])
            .where(DailyFact.user_id.in_(ids), DailyFact.day >= start, DailyFact.day <= end).group_by(by))
    return {row.key: {c: int(getattr(row, c) or 0) for c in columns} for row in session.execute(stmt)}


def _converted(session: DbSession, ids: Sequence[int], start: date, end: date, by: Any) -> dict[Any, int]:
    """有效客户成单 by ``by`` (the mark's seat or day): customers marked 意向 from ``start`` to ``end`` with a deal
    from the day of the mark to ``end`` — one EXISTS per mark over the trade's customer index."""
    deal_since = (select(Trade.id).where(Trade.customer_id == IntentMark.customer_id, deals.is_deal(),
                                         Trade.arrival_date >= IntentMark.day, Trade.arrival_date <= end).exists())
    stmt = (select(by.label("key"), func.count()).where(IntentMark.user_id.in_(ids), IntentMark.day >= start,
                                                         IntentMark.day <= end, deal_since).group_by(by))
    return {row[0]: int(row[1]) for row in session.execute(stmt)}


def _deals_by_day(session: DbSession, ids: Sequence[int], start: date, end: date) -> dict[date, DealTotals]:
    stmt = (select(Trade.arrival_date, *deals.aggregates(session))
            .where(deals.in_period(start, end), Trade.seat_id.in_(ids)).group_by(Trade.arrival_date))
    return {row.arrival_date: deals.totals_of(row) for row in session.execute(stmt)}


def working_days(session: DbSession, people: Sequence[User], start: date,
                 end: date) -> dict[int, dict[date, bool]]:
    """Per seat, its working days from ``start`` to ``end`` (see the module docstring) and whether each met the
    quota — the task calendar's rules (its 层级 × 级别 per day, quota book, excused days and :func:`calendar.judge`)
    without building its day objects, so a thousand seats over a month stay fast."""
    result: dict[int, dict[date, bool]] = {person.id: {} for person in people}
    today = clock.today()
    last = min(end, today)
    if not people or start > last:
        return result
    ids = list(result)
    levels = calendar.levels_on(session, people, start, last)
    book = quota_book(session, set(levels.values()), last)
    excused = hr_days.excused(session, ids, start, last)
    quota_columns = [getattr(DailyFact, metric.value) for metric in QUOTA_METRICS]
    done = {(row[0], row[1]): dict(zip(QUOTA_METRICS, row[2:], strict=True)) for row in session.execute(
        select(DailyFact.user_id, DailyFact.day, *quota_columns).where(
            DailyFact.user_id.in_(ids), DailyFact.day >= start, DailyFact.day <= last))}
    nothing = dict.fromkeys(QUOTA_METRICS, 0)
    for (user_id, day), (level, tier) in levels.items():
        if (user_id, day) in excused:
            continue
        status = calendar.judge(day, today, book.on(level, tier, day), done.get((user_id, day), nothing), "")
        if status in JUDGED:
            result[user_id][day] = status == DayStatus.COMPLETE
    return result


# --- the report -------------------------------------------------------------------------------------------


def narrow(found: Sequence[User], seat_id: int | None) -> list[User]:
    """The seats the page shows: all ``found`` in the viewer's scope, or the one seat asked for — a seat outside
    the scope is "not found", like a missing one."""
    if seat_id is None:
        return list(found)
    chosen = [seat for seat in found if seat.id == seat_id]
    if not chosen:
        raise NotFound("坐席不存在或不在您的数据范围内")
    return chosen


def report(session: DbSession, people: Sequence[User], period: Period,
           metric: PerfMetric = DEFAULT_METRIC) -> StaffReport:
    """The staff performance of ``people`` over ``period``, with ``metric`` drawn over the chart buckets."""
    ids = [person.id for person in people]
    start, end = period.start, period.end
    org_names = dict(session.execute(select(Org.id, Org.name).where(Org.id.in_({p.org_id for p in people}))).all()
                     ) if people else {}
    per_seat = _fact_sums(session, ids, start, end, DailyFact.user_id) if ids else {}
    seat_deals = deals.by_seat(session, ids, start, end)
    worked = working_days(session, people, start, end)
    converted = _converted(session, ids, start, end, IntentMark.user_id) if ids else {}
    done = {person.id: Done(per_seat.get(person.id, {}), seat_deals[person.id], sum(worked[person.id].values()),
                            len(worked[person.id]), converted.get(person.id, 0)) for person in people}
    rows = [Row(person.name, person, org_names.get(person.org_id, ""), figures(done[person.id])) for person in people]
    total = Row("合计", None, "", figures(_sum(done.values())))
    average = Row("平均", None, "", _average(rows))

    per_day = _fact_sums(session, ids, start, end, DailyFact.day) if ids else {}
    day_deals = _deals_by_day(session, ids, start, end) if ids else {}
    day_converted = _converted(session, ids, start, end, IntentMark.day) if ids else {}
    complete_on: Counter[date] = Counter()
    working_on: Counter[date] = Counter()
    for seat_days in worked.values():
        working_on.update(seat_days.keys())
        complete_on.update(day for day, met in seat_days.items() if met)
    series = []
    today = clock.today()
    for bucket in buckets(period):
        if bucket.start > today:  # not a zero but nothing yet: a gap in the line, left out of its average
            series.append(Point(bucket, None))
            continue
        days = [bucket.start + timedelta(days=i) for i in range((bucket.end - bucket.start).days + 1)]
        summed = _sum(Done(per_day.get(day, {}), day_deals.get(day, DealTotals()), complete_on[day], working_on[day],
                           day_converted.get(day, 0)) for day in days)
        series.append(Point(bucket, figures(summed)[metric]))
    funnel = [(FUNNEL_LABELS[m], int(total.values[m])) for m in FUNNEL]
    funnel.append(("有效客户成单", sum(converted.values())))
    return StaffReport(period, metric, rows, total, average, series, funnel)


def display(metric: PerfMetric, value: Any) -> str:
    """A figure as the page shows it: 12.5%, 1,200,000.00, 3 (— when there is no ratio)."""
    if value is None:
        return "—"
    if metric in RATIOS:
        return f"{value:.1f}%"
    if metric == PerfMetric.AMOUNT:
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def header(metric: PerfMetric) -> str:
    """The column title with its unit: 电话量（次）, 任务完成率（%）."""
    return f"{PERF_LABELS[metric]}（{metric.unit}）"
