"""The ECharts options of staff performance (业绩查询), built here so the page only draws them: the chosen metric
over the period with its average line, the metric per seat, and the conversion funnel."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from app.performance.metrics import PERF_LABELS, PerfMetric
from app.performance.staff import StaffReport

COLOURS = ["#2f6fde", "#f08c2e", "#28a06a", "#d04848"]
AVERAGE_LINE = {"data": [{"type": "average", "name": "平均"}], "symbol": "none",
                "label": {"formatter": "平均 {c}", "position": "insideEndTop"}, "lineStyle": {"type": "dashed"}}


def _number(value: Any) -> Any:
    """A figure as ECharts takes it: a number, or null (a gap) where there is none."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def line(report: StaffReport, title: str, links: Sequence[str]) -> dict[str, Any]:
    """The chosen metric per bucket of the period, with the average of the buckets as a dashed line."""
    name = PERF_LABELS[report.metric]
    return {
        "color": COLOURS[:1], "tooltip": {"trigger": "axis"}, "legend": {"data": [name], "top": 0},
        "grid": {"left": 60, "right": 40, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "boundaryGap": False, "data": [p.bucket.label for p in report.series]},
        "yAxis": {"type": "value", "name": report.metric.unit},
        "series": [{"name": name, "type": "line", "data": [_number(p.value) for p in report.series],
                    "connectNulls": True, "markLine": AVERAGE_LINE}],
        "title": {"show": False, "text": title}, "links": list(links),
    }


def bars(report: StaffReport, links: Sequence[str]) -> dict[str, Any]:
    """The chosen metric per seat, with the seats' average as a dashed line; a bar opens that seat alone."""
    name = PERF_LABELS[report.metric]
    return {
        "color": COLOURS[1:2], "tooltip": {"trigger": "axis"}, "legend": {"data": [name], "top": 0},
        "grid": {"left": 60, "right": 40, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": [row.label for row in report.rows],
                  "axisLabel": {"interval": 0, "rotate": 30 if len(report.rows) > 8 else 0}},
        "yAxis": {"type": "value", "name": report.metric.unit},
        "series": [{"name": name, "type": "bar", "barMaxWidth": 40,
                    "data": [_number(row.values[report.metric]) for row in report.rows], "markLine": AVERAGE_LINE}],
        "links": list(links),
    }


def funnel(report: StaffReport) -> dict[str, Any]:
    """电话 → 有效电话 → 有效客户 → 成单 over the seats shown, widest first."""
    top = max((value for _label, value in report.funnel), default=0) or 1
    return {
        "color": COLOURS, "tooltip": {"trigger": "item", "formatter": "{b}：{c}"},
        "series": [{"name": "转化漏斗", "type": "funnel", "left": "10%", "width": "80%", "top": 10, "bottom": 10,
                    "sort": "none", "min": 0, "max": top, "minSize": "8%", "gap": 2,
                    "label": {"show": True, "position": "inside", "formatter": "{b} {c}"},
                    "data": [{"name": label, "value": value} for label, value in report.funnel]}],
    }


METRIC_CHOICES = [(metric.value, PERF_LABELS[metric]) for metric in PerfMetric]
