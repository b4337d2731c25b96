"""Actuals of plans (完成情况) from the task calendar's daily facts, and a seat's target for today (今日目标).

An org's actuals are the sum over the active seats (坐席) of its subtree; a seat's are its own. The facts
are read with ``app.quotas.facts.totals`` for the plan's whole period (days to come have none yet).

今日目标, per metric, from the most specific published plan aimed at the seat that sets that metric:
- a 日计划 for today: its target;
- else the 周计划 of this week, else the 月计划 of this month: what is left of its target after the days
  before today (target − done from the period's first day to yesterday), spread evenly over the working
  days left in the period, today included, rounded up. Working days are the days except the seat's
  excused days (``app.hr.days.excused``: weekly rest days, public holidays, approved leave); today counts
  even when it is a rest day, so the seat who works on one still sees what is left.
- on an excused day (公休, 请假 …) the target is 0 whatever the plan: the task calendar counts it complete.
What is done today does not lower today's target; the panel shows it beside the target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from app.auth.models import User, UserStatus
from app.database import DbSession
from app.hr import days
from app.org.models import Org
from app.plans import periods
from app.plans.models import Plan, PlanStatus
from app.plans.periods import PeriodKind
from app.plans.services import is_seat
from app.quotas import facts
from app.quotas.metrics import Metric


@dataclass(frozen=True)
class Progress:
    """One metric of a plan: target, done and the share done (0–100, capped for the bar)."""

    metric: Metric
    target: int
    done: int

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.target) if self.target else 0

    @property
    def bar(self) -> int:
        return min(100, self.percent)


def seats_of(session: DbSession, plans: Sequence[Plan]) -> dict[int, list[int]]:
    """Per plan, the user ids whose facts count: the seat itself, or an org subtree's active seats."""
    paths = {p.target_org.path for p in plans if p.target_org is not None}
    members: dict[str, list[int]] = defaultdict(list)
    if paths:
        rows = session.execute(select(User.id, Org.path).join(Org, Org.id == User.org_id).where(
            User.status == UserStatus.ACTIVE, is_seat(), or_(*[Org.path.startswith(path) for path in paths])))
        for user_id, path in rows:
            for prefix in paths:
                if path.startswith(prefix):
                    members[prefix].append(user_id)
    return {p.id: [p.target_user_id] if p.target_user_id is not None
            else members.get(p.target_org.path, []) if p.target_org is not None else [] for p in plans}


def done_by_plan(session: DbSession, plans: Sequence[Plan]) -> dict[int, dict[Metric, int]]:
    """Per plan, what its seats did in its period, per metric: one facts query per distinct period."""
    seats = seats_of(session, plans)
    by_period: dict[tuple[date, date], list[Plan]] = defaultdict(list)
    for plan in plans:
        by_period[(plan.period_start, plan.period_end)].append(plan)
    result: dict[int, dict[Metric, int]] = {}
    for (start, end), group in by_period.items():
        totals = facts.totals(session, sorted({u for p in group for u in seats[p.id]}), start, end)
        for plan in group:
            result[plan.id] = {m: sum(totals.get(u, {}).get(m, 0) for u in seats[plan.id]) for m in Metric}
    return result


def progress(session: DbSession, plans: Sequence[Plan]) -> dict[int, list[Progress]]:
    """Per plan, target against done for each metric it sets."""
    done = done_by_plan(session, plans)
    return {p.id: [Progress(m, amount, done[p.id][m]) for m, amount in p.amounts.items()] for p in plans}


@dataclass(frozen=True)
class TodayTarget:
    """One metric of a seat's 今日目标 and where it comes from."""

    metric: Metric
    target: int
    done_today: int
    plan: Plan
    basis: str  # how the figure was reached, in words

    @property
    def complete(self) -> bool:
        return self.done_today >= self.target


def today_targets(session: DbSession, seat: User, today: date) -> list[TodayTarget]:
    """The seat's target for today per metric (see the module docstring), from its own published plans."""
    plans = list(session.scalars(select(Plan).where(
        Plan.target_user_id == seat.id, Plan.status == PlanStatus.PUBLISHED,
        Plan.period_start <= today, Plan.period_end >= today)))
    chosen: dict[Metric, Plan] = {}
    for candidate in sorted(plans, key=lambda p: p.kind.rank):
        for metric in candidate.amounts:
            chosen.setdefault(metric, candidate)
    if not chosen:
        return []
    first = min(p.period_start for p in chosen.values())
    daily = facts.daily(session, [seat.id], first, today)
    last = max(p.period_end for p in chosen.values())
    off = {day: reason for (_user, day), reason in days.excused(session, [seat.id], today, last).items()}

    def done_on(day: date, metric: Metric) -> int:
        return daily.get((seat.id, day), {}).get(metric, 0)

    result = []
    for metric, plan in sorted(chosen.items(), key=lambda item: list(Metric).index(item[0])):
        amount = plan.amounts[metric]
        if today in off:
            result.append(TodayTarget(metric, 0, done_on(today, metric), plan, f"今日{off[today]}，不设目标"))
        elif plan.kind == PeriodKind.DAY:
            result.append(TodayTarget(metric, amount, done_on(today, metric), plan, f"日计划 {amount}"))
        else:
            done = sum(done_on(day, metric) for day in _days(plan.period_start, today - timedelta(days=1)))
            days_left = len(periods.working_days(today + timedelta(days=1), plan.period_end, off)) + 1
            share = periods.share_for_today(amount, done, days_left)
            basis = f"{plan.kind.label} {amount}，此前已完成 {done}，剩余 {days_left} 个工作日（含今天）"
            result.append(TodayTarget(metric, share, done_on(today, metric), plan, basis))
    return result


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
