"""任务日历: per seat and day, the quota that applied (by the seat's 层级 × 级别 that day) against the daily facts.

A day is complete (已完成) when what was done reaches the quota for every metric that has one; a weekly rest day,
a public holiday or an attendance type that does not count (周末, 公休, 请假, 病假 … — app/hr/days.excused) is
complete whatever was done, with its reason. Future days show what will be required and are not judged; a day
whose 层级 × 级别 has no quota is 无配额. About six queries whatever the number of seats and days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app import clock
from app.auth.models import User, UserLevelChange
from app.database import DbSession
from app.errors import ValidationFailed
from app.hr import days as hr_days
from app.org import scope as data_scope
from app.org.models import Org
from app.performance import seats as performance_seats
from app.quotas import facts
from app.quotas.access import CALENDAR_VIEW
from app.quotas.metrics import METRIC_LABELS, METRICS, Metric
from app.quotas.services import quota_book
from rules.labelled_enum import LabelledStrEnum

MAX_RANGE_DAYS = 92  # a FullCalendar month view asks for six weeks; a quarter is the most any screen needs


class DayStatus(LabelledStrEnum):
    COMPLETE = "complete", "已完成"
    INCOMPLETE = "incomplete", "未完成"
    IN_PROGRESS = "in_progress", "进行中"
    EXCUSED = "excused", "视为完成"
    FUTURE = "future", "未开始"
    NO_QUOTA = "no_quota", "无配额"


STATUS_LABELS = DayStatus.labels()


@dataclass(slots=True)
class MetricDay:
    metric: Metric
    required: int | None  # None: no quota for this metric that day
    done: int

    @property
    def met(self) -> bool:
        return self.required is None or self.done >= self.required

    @property
    def shortfall(self) -> int:
        return max(0, (self.required or 0) - self.done)


@dataclass(slots=True)
class CalendarDay:
    user_id: int
    day: date
    level: str
    tier: str
    status: DayStatus
    reason: str  # why an excused day counts as complete: 公休, 请假, 病假 …
    metrics: tuple[MetricDay, ...]
    judged: bool  # counts in "complete days / days": up to today, with a quota or excused, and not still open

    @property
    def complete(self) -> bool:
        return self.status in (DayStatus.COMPLETE, DayStatus.EXCUSED)

    @property
    def shortfalls(self) -> list[MetricDay]:
        return [m for m in self.metrics if m.required is not None and not m.met]

    @property
    def reminder(self) -> str:
        """"今天还差 5 个有效电话、1 个意向客户" — empty when nothing is short."""
        short = "、".join(f"{m.shortfall} {m.metric.unit}{m.metric.label}" for m in self.shortfalls)
        return f"还差 {short}" if short else ""

    @property
    def summary(self) -> str:
        """One line per metric under the day and its status, for a tooltip."""
        lines = [f"{self.day.isoformat()} {self.reason or STATUS_LABELS[self.status]}"]
        lines += [f"{METRIC_LABELS[m.metric]} {m.done}" + ("" if m.required is None else f"/{m.required}")
                  for m in self.metrics]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        # StrEnum members serialise as their values; labels come from plain dicts (enum properties are slow).
        return {"user_id": self.user_id, "day": self.day.isoformat(), "level": self.level, "tier": self.tier,
                "status": self.status, "status_label": STATUS_LABELS[self.status], "complete": self.complete,
                "reason": self.reason, "judged": self.judged,
                "metrics": [{"metric": m.metric, "label": METRIC_LABELS[m.metric], "required": m.required,
                             "done": m.done, "shortfall": m.shortfall, "met": m.met} for m in self.metrics]}


def check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(f"一次最多查看 {MAX_RANGE_DAYS} 天")


LevelChange = tuple[date, str, str, str, str]  # local day, from level, from tier, to level, to tier


def level_on(changes: Sequence[LevelChange], day: date, current: tuple[str, str]) -> tuple[str, str]:
    """A user's 层级 × 级别 on ``day`` from its promotion history (升降级记录, oldest first): a change applies from
    the day it was made; before the first change the user had its ``from`` level; without changes, the current."""
    applied = [change for change in changes if change[0] <= day]
    if applied:
        return applied[-1][3], applied[-1][4]
    if changes:
        return changes[0][1], changes[0][2]
    return current


def levels_on(session: DbSession, users: Sequence[User], start: date,
              end: date) -> dict[tuple[int, date], tuple[str, str]]:
    """Each user's 层级 × 级别 on each day from ``start`` to ``end``, in one query."""
    changes: dict[int, list[LevelChange]] = {user.id: [] for user in users}
    for row in session.execute(select(UserLevelChange).where(UserLevelChange.user_id.in_(list(changes)))
                               .order_by(UserLevelChange.changed_at, UserLevelChange.id)).scalars():
        changes[row.user_id].append((clock.local(row.changed_at).date(), row.from_level,  # type: ignore[union-attr]
                                     row.from_tier, row.to_level, row.to_tier))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    result: dict[tuple[int, date], tuple[str, str]] = {}
    for user in users:
        user_id, history, current = user.id, changes[user.id], (user.level, user.tier)
        result.update(((user_id, day), level_on(history, day, current) if history else current) for day in days)
    return result


def judge(day: date, today: date, required: Mapping[Metric, int | None], done: Mapping[Metric, int],
          excused_reason: str) -> DayStatus:
    """The status of one day: excused days are complete whatever was done; future days are not judged; a day
    is complete when every metric with a quota reached it (today, not yet: 进行中)."""
    if excused_reason:
        return DayStatus.EXCUSED
    if day > today:
        return DayStatus.FUTURE
    if all(value is None for value in required.values()):
        return DayStatus.NO_QUOTA
    if all(done[metric] >= value for metric, value in required.items() if value is not None):
        return DayStatus.COMPLETE
    return DayStatus.IN_PROGRESS if day == today else DayStatus.INCOMPLETE


def calendars(session: DbSession, users: Sequence[User], start: date, end: date) -> dict[int, list[CalendarDay]]:
    """The task calendar of each user from ``start`` to ``end`` inclusive, day by day."""
    check_range(start, end)
    today = clock.today()
    ids = [user.id for user in users]
    levels = levels_on(session, users, start, end)
    book = quota_book(session, set(levels.values()), end)
    done = facts.daily(session, ids, start, end)
    excused = hr_days.excused(session, ids, start, end)
    result: dict[int, list[CalendarDay]] = {user_id: [] for user_id in ids}
    for (user_id, day), (level, tier) in levels.items():  # user by user, day by day
        required, did = book.on(level, tier, day), done[(user_id, day)]
        metrics = tuple([MetricDay(metric, required[metric], did[metric]) for metric in METRICS
                         if required[metric] is not None or did[metric]])
        reason = excused.get((user_id, day), "")
        status = judge(day, today, required, did, reason)
        judged = day <= today and status in (DayStatus.COMPLETE, DayStatus.INCOMPLETE, DayStatus.EXCUSED)
        result[user_id].append(CalendarDay(user_id, day, level, tier, status, reason, metrics, judged))
    return result


def calendar_of(session: DbSession, user: User, start: date, end: date) -> list[CalendarDay]:
    return calendars(session, [user], start, end)[user.id]


def visible_user(session: DbSession, viewer: User, user_id: int | None) -> User:
    """The user whose calendar ``viewer`` asked for: himself by default; another only inside his data scope
    (a seat only itself, a head the seats of his orgs); anything else is "not found"."""
    if user_id is None or user_id == viewer.id:
        return viewer
    scope = data_scope.scope_of(session, viewer, CALENDAR_VIEW)
    return data_scope.get_or_404(session, User, user_id, scope, org_attr="org_id", owner_attr="id")


def team_seats(session: DbSession, viewer: User, org_id: int | None = None) -> list[User]:
    """The active seats in the viewer's data scope, by 工号; with ``org_id``, those of that org and below."""
    return performance_seats.seats(session, viewer, CALENDAR_VIEW, org_id)


def team_orgs(session: DbSession, viewer: User) -> list[Org]:
    """The orgs a head may narrow his team view to: those in his data scope, in tree order."""
    return performance_seats.orgs(session, viewer, CALENDAR_VIEW)


def current_month() -> tuple[date, date]:
    return month_range(clock.today().strftime("%Y-%m"))


def month_range(month: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM."""
    try:
        first = date.fromisoformat(f"{month}-01")
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    except ValueError as exc:  # also December of the year 9999, whose next month does not exist
        raise ValidationFailed("月份格式应为 YYYY-MM") from exc
    return first, following - timedelta(days=1)
