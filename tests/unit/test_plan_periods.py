"""Plan periods (计划期间) and today's share of what is left of a target."""

from __future__ import annotations

from datetime import date

import pytest

from app.plans import periods
from app.plans.periods import PeriodKind


@pytest.mark.parametrize(("kind", "text", "start", "end"), [
    (PeriodKind.MONTH, "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    (PeriodKind.MONTH, "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    (PeriodKind.WEEK, "2026-W25", date(2026, 6, 15), date(2026, 6, 21)),
    (PeriodKind.WEEK, "2026-06-17", date(2026, 6, 15), date(2026, 6, 21)),
    (PeriodKind.WEEK, "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),  # 2026 has 53 ISO weeks
    (PeriodKind.DAY, "2026-06-17", date(2026, 6, 17), date(2026, 6, 17)),
])
def test_periods_read_as_screens_and_the_api_give_them(kind, text, start, end):
    assert periods.parse(kind, text) == (start, end)
    assert periods.parse(kind, periods.value(kind, start)) == (start, end)


@pytest.mark.parametrize(("kind", "text"), [
    (PeriodKind.MONTH, "2026-13"), (PeriodKind.MONTH, "六月"), (PeriodKind.WEEK, "2026-W60"),
    (PeriodKind.DAY, "2026-02-30"), (PeriodKind.DAY, ""),
])
def test_what_is_not_a_period_is_refused(kind, text):
    with pytest.raises(ValueError):
        periods.parse(kind, text)


def test_labels():
    assert periods.label(PeriodKind.MONTH, date(2026, 6, 1)) == "2026年6月"
    assert periods.label(PeriodKind.WEEK, date(2026, 6, 29)) == "2026年第27周（6月29日–7月5日）"
    assert periods.label(PeriodKind.DAY, date(2026, 6, 17)) == "2026年6月17日"


def test_working_days_are_the_days_except_the_days_off():
    june = periods.working_days(date(2026, 6, 1), date(2026, 6, 30))
    assert len(june) == 30 and june[0] == date(2026, 6, 1) and june[-1] == date(2026, 6, 30)
    weekend = {date(2026, 6, 6), date(2026, 6, 7)}  # what excused() gives with 6,7 as weekly rest days
    assert len(periods.working_days(date(2026, 6, 1), date(2026, 6, 30), weekend | {date(2026, 6, 19)})) == 27
    assert periods.working_days(date(2026, 6, 6), date(2026, 6, 7), weekend) == []


@pytest.mark.parametrize(("target", "done", "days", "share"), [
    (400, 40, 10, 36), (400, 41, 10, 36), (400, 39, 10, 37), (400, 500, 5, 0), (7, 0, 1, 7), (7, 0, 0, 0),
])
def test_today_s_share_spreads_what_is_left_rounding_up(target, done, days, share):
    assert periods.share_for_today(target, done, days) == share
