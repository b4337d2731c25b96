"""The reporting period read from query arguments, and the points of its line chart."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import ValidationFailed
from app.performance.period import Grain, buckets, from_args, this_month


def test_no_arguments_mean_this_month(app):
    period = from_args({})
    assert period == this_month()
    assert period.grain == Grain.MONTH and period.start.day == 1


@pytest.mark.parametrize(("args", "start", "end", "label"), [
    ({"grain": "day", "value": "2026-06-17"}, date(2026, 6, 17), date(2026, 6, 17), "2026年6月17日"),
    ({"grain": "week", "value": "2026-W25"}, date(2026, 6, 15), date(2026, 6, 21), "2026年第25周（6月15日–6月21日）"),
    ({"grain": "month", "value": "2028-02"}, date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
    ({"grain": "range", "start": "2026-05-20", "end": "2026-06-02"}, date(2026, 5, 20), date(2026, 6, 2),
     "2026-05-20 至 2026-06-02"),
])
def test_each_grain_names_its_days(args, start, end, label):
    period = from_args(args)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert from_args(period.args()) == period


@pytest.mark.parametrize(("args", "message"), [
    ({"grain": "year"}, "统计周期应为"),
    ({"grain": "month", "value": "2026-13"}, "月份格式应为 YYYY-MM"),
    ({"grain": "week", "value": "W25"}, "周的格式"),
    ({"grain": "range", "start": "2026-06-01"}, "请填写开始日期和结束日期"),
    ({"grain": "range", "start": "2026-06-02", "end": "2026-06-01"}, "结束日期不能早于开始日期"),
    ({"grain": "range", "start": "2020-01-01", "end": "2026-06-01"}, "统计区间最长"),
])
def test_bad_periods_are_refused_in_chinese(args, message):
    with pytest.raises(ValidationFailed, match=message):
        from_args(args)


def test_chart_points_are_days_then_weeks_then_months():
    month = from_args({"grain": "month", "value": "2026-02"})
    assert [b.label for b in buckets(month)][:2] == ["2-01", "2-02"] and len(buckets(month)) == 28
    half_year = from_args({"grain": "range", "start": "2026-01-01", "end": "2026-06-30"})
    weeks = buckets(half_year)
    assert weeks[0].start == date(2026, 1, 1) and weeks[0].end == date(2026, 1, 4)  # the ISO week is cut at the range
    assert weeks[-1].end == date(2026, 6, 30) and all(b.end >= b.start for b in weeks)
    assert sum((b.end - b.start).days + 1 for b in weeks) == half_year.days
    two_years = from_args({"grain": "range", "start": "2025-01-15", "end": "2026-12-31"})
    months = buckets(two_years)
    assert months[0].label == "2025-01" and months[0].start == date(2025, 1, 15) and len(months) == 24
