"""The metrics the task calendar tracks: a daily quota per 层级 × 级别 against what each seat did."""

from __future__ import annotations

from rules.labelled_enum import LabelledStrEnum


class Metric(LabelledStrEnum):
    INTENT = "intent", "意向客户"
    VALID_CALL = "valid_call", "有效电话"
    VISIT = "visit", "见客"
    INVITATION = "invitation", "邀约"

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self]


METRIC_LABELS = Metric.labels()
METRIC_UNITS = {Metric.INTENT: "个", Metric.VALID_CALL: "个", Metric.VISIT: "次", Metric.INVITATION: "次"}
METRICS: tuple[Metric, ...] = tuple(Metric)  # iterating a tuple is much cheaper than iterating the enum
