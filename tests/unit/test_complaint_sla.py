"""投诉 SLA arithmetic: due time, the timer's ISO duration, the countdown text, and refused hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.complaints import sla

FILED = datetime(2026, 6, 17, 2, 0, tzinfo=UTC)


def test_due_time_is_filing_time_plus_the_category_hours_across_days_and_month_ends():
    assert sla.due_at(FILED, 24) == FILED + timedelta(days=1)
    assert sla.due_at(datetime(2026, 6, 30, 20, 0, tzinfo=UTC), 8) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    assert sla.due_at(datetime(2028, 2, 28, 23, 0, tzinfo=UTC), 2) == datetime(2028, 2, 29, 1, 0, tzinfo=UTC)


def test_timer_duration_is_an_iso_8601_duration_in_hours():
    assert sla.timer_duration(24) == "PT24H"
    assert sla.timer_duration(1) == "PT1H"


@pytest.mark.parametrize("hours", [0, -3, 24 * 90 + 1])
def test_hours_outside_the_allowed_range_are_refused_in_chinese(hours):
    with pytest.raises(ValueError, match="SLA 时限须在 1 到 2160 小时之间"):
        sla.due_at(FILED, hours)


def test_countdown_before_and_after_the_deadline():
    due = FILED + timedelta(hours=5, minutes=20)
    assert sla.countdown(due, FILED) == (False, "剩余 5 小时 20 分")
    assert sla.countdown(due, due + timedelta(days=1, hours=2)) == (True, "已超时 1 天 2 小时")
    assert sla.countdown(due, due - timedelta(minutes=3)) == (False, "剩余 3 分")
