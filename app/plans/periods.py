"""Plan periods (计划期间) and the arithmetic of today's share; pure functions, no database.

A monthly plan covers a calendar month, a weekly plan an ISO week (Monday–Sunday), a daily plan one day.
Screens and the API name a period as ``2026-06`` (month), ``2026-W25`` or any day of it (week) and
``2026-06-17`` (day).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import date, timedelta

from rules.labelled_enum import LabelledStrEnum


class PeriodKind(LabelledStrEnum):
    """计划类型: the period a plan covers."""

    MONTH = "month", "月计划"
    WEEK = "week", "周计划"
    DAY = "day", "日计划"

    @property
    def rank(self) -> int:
        """Specificity: a daily plan says more about today than a weekly one, a weekly more than a monthly."""
        return {"day": 0, "week": 1, "month": 2}[self.value]


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")


def bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    """The first and last day of the period of this kind that contains ``day``."""
    if kind == PeriodKind.MONTH:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if kind == PeriodKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    return day, day


def parse(kind: PeriodKind, text: str) -> tuple[date, date]:
    """Read a period as screens and the API give it; ValueError when it is not one."""
    text = (text or "").strip()
    if kind == PeriodKind.MONTH:
        found = _MONTH.fullmatch(text)
        if found is None:
            raise ValueError("month")
        return bounds(kind, date(int(found[1]), int(found[2]), 1))
    found = _WEEK.fullmatch(text) if kind == PeriodKind.WEEK else None
    if found is not None:
        return bounds(kind, date.fromisocalendar(int(found[1]), int(found[2]), 1))
    return bounds(kind, date.fromisoformat(text))


def value(kind: PeriodKind, start: date) -> str:
    """The period as a form input holds it (``<input type=month|week|date>``)."""
    if kind == PeriodKind.MONTH:
        return f"{start:%Y-%m}"
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.isoformat()


def label(kind: PeriodKind, start: date) -> str:
    """The period in words: 2026年6月, 2026年第25周（6月15日–6月21日）, 2026年6月17日."""
    if kind == PeriodKind.MONTH:
        return f"{start.year}年{start.month}月"
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        end = start + timedelta(days=6)
        return f"{year}年第{week}周（{start.month}月{start.day}日–{end.month}月{end.day}日）"
    return f"{start.year}年{start.month}月{start.day}日"


def working_days(start: date, end: date, off: Collection[date] = ()) -> list[date]:
    """The days from ``start`` to ``end`` inclusive except those in ``off`` — the seat's excused days
    (``app.hr.days.excused``: weekly rest days, public holidays, leave), so plans and the task calendar agree."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [day for day in days if day not in off]


def share_for_today(target: int, done_before: int, days_left: int) -> int:
    """What is left of a target, spread evenly over the working days left (today included), rounded up."""
    if days_left <= 0:
        return 0
    left = max(0, target - done_before)
    return -(-left // days_left)
