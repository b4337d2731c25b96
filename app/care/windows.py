"""Which birthdays and anniversaries fall in the next days (生日 / 纪念日窗口), as pure date arithmetic.

A window is ``days`` calendar days starting today (1 = today only). Each day's month-day key (month × 100 + day)
maps to how many days ahead it lies and in which year it falls, so the database compares one integer per row
(``month * 100 + day`` of a stored date) against a short IN list and reads the offset from a CASE: set-based,
the same SQL on SQLite and PostgreSQL, and the year wrap (12月 → 1月) is nothing special.

2月29日 births and anniversaries are kept on 2月28日 in common years (the usual custom, and the day still
belongs to February); in leap years they are kept on the 29th.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 60
LEAP_DAY = 229  # month-day key of 2月29日


@dataclass(frozen=True)
class Occurrence:
    """One month-day in the window: the date it is kept on this time, and how many days from today."""

    key: int
    on: date
    ahead: int


def month_day(value: date) -> int:
    return value.month * 100 + value.day


def window(today: date, days: int) -> dict[int, Occurrence]:
    """Month-day key → its occurrence within ``days`` days from ``today`` (inclusive of today)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    found: dict[int, Occurrence] = {}
    for ahead in range(days):
        day = today + timedelta(days=ahead)
        found[month_day(day)] = Occurrence(month_day(day), day, ahead)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            found[LEAP_DAY] = Occurrence(LEAP_DAY, day, ahead)  # 2月29日 kept on the 28th in a common year
    return found


def next_occurrence(origin: date, today: date) -> date:
    """The next date (today or later) on which ``origin``'s month-day is kept."""
    for year in (today.year, today.year + 1, today.year + 2):
        kept = kept_on(origin, year)
        if kept >= today:
            return kept
    raise AssertionError("unreachable")  # pragma: no cover


def kept_on(origin: date, year: int) -> date:
    """The date in ``year`` on which ``origin``'s month-day is kept (2月29日 → 2月28日 in a common year)."""
    if origin.month == 2 and origin.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return origin.replace(year=year)


def years_at(origin: date, on: date) -> int:
    """Age (周岁) or completed years on the day it is kept."""
    return on.year - origin.year
