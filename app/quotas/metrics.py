"""The metrics the task calendar tracks: a daily quota per 层级 × 级别 against what each seat did."""

from __future__ import annotations

from enum import StrEnum


class Metric(StrEnum):
    INTENT = "intent"
    VALID_CALL = "valid_call"
    VISIT = "visit"
    INVITATION = "invitation"

    @property
    def label(self) -> str:
        return METRIC_LABELS[self]

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self]


METRIC_LABELS = {Metric.INTENT: "意向客户", Metric.VALID_CALL: "有效电话", Metric.VISIT: "见客",
                 Metric.INVITATION: "邀约"}
METRIC_UNITS = {Metric.INTENT: "个", Metric.VALID_CALL: "个", Metric.VISIT: "次", Metric.INVITATION: "次"}
METRICS: tuple[Metric, ...] = tuple(Metric)  # iterating a tuple is much cheaper than iterating the enum
