"""Performance API: 业绩查询 — the seats' figures over a period, the total and average rows, the chart series
and the conversion funnel, exactly as the 业绩查询 page shows them (same data scope, same figures)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import jsonify

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.extensions import db
from app.performance import staff
from app.performance.access import PERFORMANCE_VIEW
from app.performance.metrics import PERF_LABELS, RATIOS, PerfMetric
from app.performance.period import Grain
from app.performance.routes import staff_query

TAG = "业绩"


def _figure_schema(metric: PerfMetric) -> dict[str, Any]:
    description = f"{PERF_LABELS[metric]}（{metric.unit}）"
    if metric == PerfMetric.AMOUNT:
        return {"type": "string", "description": f"{description}，十进制字符串，如 \"1000000.00\""}
    if metric in RATIOS:
        return {"type": "number", "nullable": True,
                "description": f"{description}，百分数保留一位小数；无分母时为 null"}
    return {"type": "number", "description": f"{description}；平均行保留一位小数"}


FIGURES = spec.schema("PerformanceFigures", {
    "type": "object", "required": [m.value for m in PerfMetric],
    "properties": {m.value: _figure_schema(m) for m in PerfMetric},
})
STAFF = spec.schema("StaffPerformance", {
    "type": "object", "required": ["period", "metric", "seats", "total", "average", "series", "funnel"],
    "properties": {
        "period": {"type": "object", "required": ["grain", "start", "end", "label"], "properties": {
            "grain": {"type": "string", "enum": [g.value for g in Grain]},
            "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
            "label": {"type": "string"}}},
        "metric": {"type": "string", "enum": [m.value for m in PerfMetric], "description": "图表指标"},
        "seats": {"type": "array", "items": {
            "type": "object", "required": ["user_id", "name", "work_no", "org_id", "org_name", "figures"],
            "properties": {"user_id": {"type": "integer"}, "name": {"type": "string"}, "work_no": {"type": "string"},
                           "org_id": {"type": "integer"}, "org_name": {"type": "string"},
                           "figures": {"$ref": FIGURES}}}},
        "total": {"$ref": FIGURES}, "average": {"$ref": FIGURES},
        "series": {"type": "array", "description": "图表指标按日/周/月（合计）", "items": {
            "type": "object", "required": ["label", "start", "end", "value"],
            "properties": {"label": {"type": "string"}, "start": {"type": "string", "format": "date"},
                           "end": {"type": "string", "format": "date"},
                           "value": {"type": "number", "nullable": True}}}},
        "funnel": {"type": "array", "description": "电话 → 有效电话 → 有效客户 → 有效客户成单", "items": {
            "type": "object", "required": ["label", "value"],
            "properties": {"label": {"type": "string"}, "value": {"type": "integer"}}}},
    },
})


def figures_json(values: dict[PerfMetric, Any]) -> dict[str, Any]:
    return {metric.value: str(value) if isinstance(value, Decimal) else value for metric, value in values.items()}


spec.operation("get", "/performance/staff", summary="业绩查询：数据范围内坐席在某期间的业绩（默认本月）", tag=TAG,
               response=STAFF, errors=(401, 403, 404, 422),
               parameters=[spec.query_param("grain", "统计周期（默认按月）", enum=[g.value for g in Grain]),
                           spec.query_param("value", "日 YYYY-MM-DD、周 YYYY-Www 或月 YYYY-MM（默认当前）"),
                           spec.query_param("start", "自定义区间开始日期 YYYY-MM-DD"),
                           spec.query_param("end", "自定义区间结束日期 YYYY-MM-DD（含）"),
                           spec.query_param("org_id", "只看该组织及下级的坐席", "integer"),
                           spec.query_param("seat_id", "只看该坐席（须在数据范围内）", "integer"),
                           spec.query_param("metric", "图表指标（默认电话量）", enum=[m.value for m in PerfMetric])])


@bp.get("/performance/staff")
@require(PERFORMANCE_VIEW)
def staff_performance() -> Any:
    query = staff_query()
    report = staff.report(db.session, query.people, query.period, query.metric)
    period = query.period
    return jsonify({
        "period": {"grain": period.grain.value, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": period.label},
        "metric": report.metric.value,
        "seats": [{"user_id": row.seat.id, "name": row.seat.name, "work_no": row.seat.work_no,
                   "org_id": row.seat.org_id, "org_name": row.org_name, "figures": figures_json(row.values)}
                  for row in report.rows if row.seat is not None],
        "total": figures_json(report.total.values), "average": figures_json(report.average.values),
        "series": [{"label": p.bucket.label, "start": p.bucket.start.isoformat(), "end": p.bucket.end.isoformat(),
                    "value": float(p.value) if isinstance(p.value, Decimal) else p.value} for p in report.series],
        "funnel": [{"label": label, "value": value} for label, value in report.funnel],
    })
