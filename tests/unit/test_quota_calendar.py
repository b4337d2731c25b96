"""Task-calendar rules without a database: which quota applied on a day (dated changes, level history) and
when a day is complete (every metric with a quota reached; excused days complete; future days not judged)."""

from __future__ import annotations

from datetime import date

import pytest

from app.quotas.calendar import DayStatus, MetricDay, judge, level_on
from app.quotas.metrics import Metric
from app.quotas.models import Quota
from app.quotas.services import QuotaBook

TODAY = date(2026, 6, 17)
NONE = dict.fromkeys(Metric)


def counts(**values: int) -> dict[Metric, int]:
    return {metric: values.get(metric.value, 0) for metric in Metric}


def targets(**values: int) -> dict[Metric, int | None]:
    return {metric: values.get(metric.value) for metric in Metric}


@pytest.mark.parametrize(("day", "required", "done", "reason", "status"), [
    (date(2026, 6, 16), targets(valid_call=20), counts(valid_call=20), "", DayStatus.COMPLETE),
    (date(2026, 6, 16), targets(valid_call=20), counts(valid_call=19), "", DayStatus.INCOMPLETE),
    (TODAY, targets(valid_call=20), counts(valid_call=19), "", DayStatus.IN_PROGRESS),
    (TODAY, targets(valid_call=20, intent=2), counts(valid_call=25, intent=1), "", DayStatus.IN_PROGRESS),
    (TODAY, targets(valid_call=20, intent=2), counts(valid_call=20, intent=2, visit=3), "", DayStatus.COMPLETE),
    (TODAY, targets(valid_call=0), counts(), "", DayStatus.COMPLETE),  # a quota of 0 is met by doing nothing
    (date(2026, 6, 16), NONE, counts(valid_call=5), "", DayStatus.NO_QUOTA),
    (date(2026, 6, 18), targets(valid_call=20), counts(), "", DayStatus.FUTURE),
    (date(2026, 6, 18), targets(valid_call=20), counts(), "公休", DayStatus.EXCUSED),
    (date(2026, 6, 16), targets(valid_call=20), counts(), "病假", DayStatus.EXCUSED),
])
def test_a_day_is_complete_when_every_metric_with_a_quota_is_reached(day, required, done, reason, status):
    assert judge(day, TODAY, required, done, reason) == status


def test_the_shortfall_names_what_is_missing():
    assert MetricDay(Metric.VALID_CALL, 20, 15).shortfall == 5
    assert MetricDay(Metric.VALID_CALL, 20, 25).shortfall == 0 and MetricDay(Metric.VISIT, None, 3).met


def quota(level: str, tier: str, start: date, **values: int) -> Quota:
    return Quota(level=level, tier=tier, effective_from=start, **{m.value: values.get(m.value) for m in Metric})


def test_each_day_keeps_the_quota_in_force_that_day():
    book = QuotaBook([quota("初级", "P1", date(2026, 6, 20), valid_call=25),
                      quota("初级", "P1", date(2026, 5, 1), valid_call=15, intent=2),
                      quota("初级", "P1", date(2026, 6, 17), valid_call=20),
                      quota("初级", "P2", date(2026, 1, 1), valid_call=99)])
    assert book.on("初级", "P1", date(2026, 4, 30)) == NONE
    assert book.on("初级", "P1", date(2026, 6, 16)) == targets(valid_call=15, intent=2)
    assert book.on("初级", "P1", date(2026, 6, 17)) == targets(valid_call=20)
    assert book.on("初级", "P1", date(2026, 6, 19)) == targets(valid_call=20)
    assert book.on("初级", "P1", date(2026, 7, 1)) == targets(valid_call=25)
    assert book.on("中级", "P1", date(2026, 7, 1)) == NONE


def test_a_promotion_applies_from_the_day_it_was_made_and_earlier_days_keep_the_old_level():
    history = [(date(2026, 6, 10), "初级", "P1", "中级", "P2"), (date(2026, 6, 15), "中级", "P2", "高级", "P3")]
    assert level_on(history, date(2026, 6, 9), ("高级", "P3")) == ("初级", "P1")
    assert level_on(history, date(2026, 6, 10), ("高级", "P3")) == ("中级", "P2")
    assert level_on(history, date(2026, 6, 14), ("高级", "P3")) == ("中级", "P2")
    assert level_on(history, date(2026, 6, 30), ("高级", "P3")) == ("高级", "P3")
    assert level_on([], date(2026, 6, 1), ("初级", "P1")) == ("初级", "P1")
