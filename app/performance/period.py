"""The reporting period (统计期间) of performance pages, cockpits and reports, read from query arguments.

``grain`` is 日 / 周 / 月 or 自定义区间; ``value`` names the day, ISO week or month as the matching
``<input type=date|week|month>`` gives it (see :mod:`app.plans.periods`); a custom range reads ``start``
and ``end``. Missing arguments mean this month. :func:`buckets` splits a period into the points of a
line chart: days for a day, week or month, weeks for a range up to 92 days, months beyond.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app import clock
from app.errors import ValidationFailed
from app.plans import periods
from app.plans.periods import PeriodKind
from rules.labelled_enum import LabelledStrEnum

MAX_RANGE_DAYS = 732  # two years: longer ranges are reports, not screens


class Grain(LabelledStrEnum):
    DAY = "day", "按日"
    WEEK = "week", "按周"
    MONTH = "month", "按月"
    RANGE = "range", "自定义区间"


GRAIN_LABELS = Grain.labels()
FORMATS = {Grain.DAY: "日期格式应为 YYYY-MM-DD", Grain.WEEK: "周的格式应为 YYYY-Www（如 2026-W25）",
           Grain.MONTH: "月份格式应为 YYYY-MM"}


@dataclass(frozen=True)
class Period:
    grain: Grain
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        """The period in words: 2026年6月, 2026年第25周（…）, 2026年6月17日, 2026-06-01 至 2026-06-17."""
        if self.grain == Grain.RANGE:
            return f"{self.start.isoformat()} 至 {self.end.isoformat()}"
        return periods.label(PeriodKind(self.grain.value), self.start)

    @property
    def value(self) -> str:
        """The period as its form input holds it (empty for a custom range, which uses start and end)."""
        return "" if self.grain == Grain.RANGE else periods.value(PeriodKind(self.grain.value), self.start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def args(self) -> dict[str, str]:
        """Query arguments that name this period again (links, exports, drill-downs)."""
        if self.grain == Grain.RANGE:
            return {"grain": self.grain.value, "start": self.start.isoformat(), "end": self.end.isoformat()}
        return {"grain": self.grain.value, "value": self.value}


def this_month(today: date | None = None) -> Period:
    start, end = periods.bounds(PeriodKind.MONTH, today or clock.today())
    return Period(Grain.MONTH, start, end)


def of(grain: Grain, day: date) -> Period:
    """The day, week or month containing ``day``."""
    start, end = periods.bounds(PeriodKind(grain.value), day)
    return Period(grain, start, end)


def from_args(args: Mapping[str, str]) -> Period:
    """Read the period from query arguments; ValidationFailed with a Chinese message when they are wrong."""
    raw = (args.get("grain") or "").strip() or Grain.MONTH.value
    try:
        grain = Grain(raw)
    except ValueError:
        raise ValidationFailed("统计周期应为 按日 / 按周 / 按月 / 自定义区间") from None
    if grain == Grain.RANGE:
        try:
            start = date.fromisoformat((args.get("start") or "").strip())
            end = date.fromisoformat((args.get("end") or "").strip())
        except ValueError:
            raise ValidationFailed("请填写开始日期和结束日期（格式 YYYY-MM-DD）") from None
        if end < start:
            raise ValidationFailed("结束日期不能早于开始日期")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise ValidationFailed(f"统计区间最长 {MAX_RANGE_DAYS} 天，请缩短区间或使用报表导出")
        return Period(grain, start, end)
    text = (args.get("value") or "").strip()
    if not text:
        return of(grain, clock.today())
    try:
        start, end = periods.parse(PeriodKind(grain.value), text)
    except ValueError:
        raise ValidationFailed(FORMATS[grain]) from None
    return Period(grain, start, end)


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # inclusive
    label: str


def buckets(period: Period) -> list[Bucket]:
    """The points of a line chart over ``period``: days up to 92 days, then ISO weeks up to a year, then months."""
    if period.days <= 92:
        return [Bucket(day, day, f"{day.month}-{day.day:02d}")
                for day in (period.start + timedelta(days=i) for i in range(period.days))]
    step = PeriodKind.WEEK if period.days <= 366 else PeriodKind.MONTH
    result: list[Bucket] = []
    cursor = period.start
    while cursor <= period.end:
        first, last = periods.bounds(step, cursor)
        first, last = max(first, period.start), min(last, period.end)
        label = (f"{first.isocalendar()[1]}周" if step == PeriodKind.WEEK else f"{first.year}-{first.month:02d}")
        result.append(Bucket(first, last, label))
        cursor = last + timedelta(days=1)
    return result
