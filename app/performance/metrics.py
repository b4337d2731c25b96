"""The figures of staff performance (业绩) with their Chinese names and units — the one label map that
performance pages, rankings, cockpits, reports and their exports use."""

from __future__ import annotations

from rules.labelled_enum import LabelledStrEnum


class PerfMetric(LabelledStrEnum):
    CALLS = "calls", "电话量"  # 电话量: every call logged
    VALID_CALLS = "valid_calls", "工作量（有效电话）"  # 工作量: valid calls (connected and long enough)
    VISITS = "visits", "见客量"  # 见客量: 见客 and 来访 follow-ups
    INCOMING_VISITS = "incoming_visits", "来访量"  # 来访量: of which the customer came to us
    SALONS = "salons", "沙龙"  # 沙龙
    INVITATIONS = "invitations", "邀约量"  # 邀约量
    INTENTS = "intents", "有效客户（意向）"  # 意向客户: customers turned 意向 (有效客户)
    DEALS = "deals", "成单量"  # 成单量
    AMOUNT = "amount", "交易金额"  # 交易金额 (到账金额 of deals)
    BIG_RATIO = "big_ratio", "大客户占比"  # 大客户占比
    CALL_CONVERSION = "call_conversion", "电话→有效客户转化率"  # 电话→有效客户 转化率
    DEAL_CONVERSION = "deal_conversion", "有效客户→成单转化率"  # 有效客户→成单 转化率
    QUOTA_COMPLETION = "quota_completion", "任务完成率"  # 任务完成率 (days meeting the quota / working days)

    @property
    def unit(self) -> str:
        return PERF_UNITS[self]


PERF_LABELS = PerfMetric.labels()
PERF_UNITS = {metric: "次" for metric in PerfMetric} | {
    PerfMetric.INTENTS: "个", PerfMetric.DEALS: "单", PerfMetric.AMOUNT: "元", PerfMetric.BIG_RATIO: "%",
    PerfMetric.CALL_CONVERSION: "%", PerfMetric.DEAL_CONVERSION: "%", PerfMetric.QUOTA_COMPLETION: "%"}
RATIOS = (PerfMetric.BIG_RATIO, PerfMetric.CALL_CONVERSION, PerfMetric.DEAL_CONVERSION, PerfMetric.QUOTA_COMPLETION)
