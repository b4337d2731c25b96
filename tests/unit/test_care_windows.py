"""客户关怀 date windows without a database: which month-days fall in the next N days, across the year end,
with 2月29日 kept on 2月28日 in common years; ages and years on the day kept; the pinned clock's window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.care import windows


def _days(today: date, days: int) -> dict[int, tuple[date, int]]:
    return {key: (o.on, o.ahead) for key, o in windows.window(today, days).items()}


def test_the_pinned_clock_window_is_seven_days_from_today():
    today = clock.today()  # LICAI_TEST_NOW: 2026-06-17 unless set
    found = _days(today, 7)
    last, after = today + timedelta(days=6), today + timedelta(days=7)
    assert found[windows.month_day(today)] == (today, 0) and found[windows.month_day(last)] == (last, 6)
    assert windows.month_day(after) not in found
    assert windows.month_day(today - timedelta(days=1)) not in found


def test_the_window_wraps_from_december_into_january():
    found = _days(date(2026, 12, 28), 7)
    assert sorted(found) == [101, 102, 103, 1228, 1229, 1230, 1231]
    assert found[103] == (date(2027, 1, 3), 6)
    assert found[1231] == (date(2026, 12, 31), 3)
    born = date(1980, 1, 2)
    assert windows.next_occurrence(born, date(2026, 12, 28)) == date(2027, 1, 2)
    assert windows.years_at(born, date(2027, 1, 2)) == 47  # the age reached in the new year, not 46


def test_february_29_is_kept_on_the_28th_in_a_common_year():
    found = _days(date(2027, 2, 25), 7)  # 2027 is a common year
    assert found[windows.LEAP_DAY] == (date(2027, 2, 28), 3) == found[228]
    assert found[301] == (date(2027, 3, 1), 4)
    leap_born = date(1988, 2, 29)
    assert windows.next_occurrence(leap_born, date(2027, 2, 25)) == date(2027, 2, 28)
    assert windows.kept_on(leap_born, 2027) == date(2027, 2, 28)
    assert windows.years_at(leap_born, date(2027, 2, 28)) == 39


def test_february_29_is_its_own_day_in_a_leap_year():
    found = _days(date(2028, 2, 27), 3)
    assert found[228] == (date(2028, 2, 28), 1) and found[windows.LEAP_DAY] == (date(2028, 2, 29), 2)
    assert 301 not in found
    assert windows.next_occurrence(date(1988, 2, 29), date(2028, 2, 27)) == date(2028, 2, 29)
    # On 2028-03-01 the leap day has passed: the next one kept is 2029-02-28.
    assert windows.next_occurrence(date(1988, 2, 29), date(2028, 3, 1)) == date(2029, 2, 28)


def test_a_window_ending_on_february_28_of_a_common_year_includes_leap_births():
    found = _days(date(2027, 2, 22), 7)  # 22 … 28
    assert found[windows.LEAP_DAY] == (date(2027, 2, 28), 6)


def test_a_one_day_window_is_today_only():
    assert _days(date(2026, 6, 17), 1) == {617: (date(2026, 6, 17), 0)}


@pytest.mark.parametrize("days", [0, -1, windows.MAX_DAYS + 1])
def test_a_window_outside_the_allowed_lengths_is_refused(days):
    with pytest.raises(ValueError):
        windows.window(date(2026, 6, 17), days)
