"""Reports API: one GET per report (``/api/v1/reports/<report>``) answering the summary grouped by ``by`` with its
total and one page of the detail — the same figures as the screen and its exports (money as strings to the cent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api import spec
from app.api.routes import bp, page_args
from app.auth.permissions import require
from app.extensions import db
from app.reports import framework
from app.reports.catalog import REPORTS
from app.reports.framework import Report

TAG = "查询&报表"
_VALUE = {"oneOf": [{"type": "integer", "nullable": True}, {"type": "string"}],
          "description": "整数（笔数、次数）或字符串（金额，两位小数；日期、时间、名称）；空值为 null"}
REPORT = spec.schema("Report", {
    "type": "object", "required": ["report", "title", "period", "by", "measures", "groups", "total", "truncated",
                                   "columns", "items", "page", "per_page", "total_rows"],
    "properties": {
        "report": {"type": "string"}, "title": {"type": "string"},
        "period": {"type": "object", "required": ["start", "end", "label"],
                   "properties": {"start": {"type": "string", "format": "date"},
                                  "end": {"type": "string", "format": "date", "description": "含当天"},
                                  "label": {"type": "string"}}},
        "by": {"type": "string", "description": "汇总维度"},
        "measures": {"type": "array", "items": {"type": "object", "required": ["label", "money"], "properties": {
            "label": {"type": "string"}, "money": {"type": "boolean"}}}},
        "groups": {"type": "array", "items": {"type": "object", "required": ["name", "values"], "properties": {
            "name": {"type": "string"}, "values": {"type": "array", "items": _VALUE}}}},
        "total": {"type": "array", "items": _VALUE, "description": "全部数据的合计，顺序同 measures"},
        "truncated": {"type": "boolean", "description": f"分组超过 {framework.MAX_GROUPS} 个时只返回前面的分组"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "items": {"type": "array", "items": {"type": "array", "items": _VALUE}, "description": "明细（本页）"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total_rows": {"type": "integer"},
    },
})
PERIOD_PARAMS = [spec.query_param("grain", "统计周期", enum=["day", "week", "month", "range"]),
                 spec.query_param("value", "日 YYYY-MM-DD / 周 YYYY-Www / 月 YYYY-MM；缺省为本期"),
                 spec.query_param("start", "自定义区间开始 YYYY-MM-DD"),
                 spec.query_param("end", "自定义区间结束（含）")]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return clock.local(value).isoformat(timespec="seconds")  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _view(report: Report) -> Callable[[], Any]:
    @require(report.permission)
    def view() -> Any:
        ctx = framework.context(db.session, current_user, report, request.args)
        result = framework.summary(report, ctx, request.args.get("by", ""))
        page, per_page = page_args()
        rows = framework.detail_page(report, ctx, page, per_page, total=int(result.total[0]))
        return jsonify({
            "report": report.key, "title": report.title, "by": result.dimension.key,
            "period": {"start": ctx.period.start.isoformat(), "end": ctx.period.end.isoformat(),
                       "label": ctx.period.label},
            "measures": [{"label": m.label, "money": m.money} for m in report.measures],
            "groups": [{"name": g.name, "values": [_json(v) for v in g.values]} for g in result.groups],
            "total": [_json(v) for v in result.total], "truncated": result.truncated,
            "columns": [column.label for column in report.columns],
            "items": [[_json(v) for v in row] for row in rows.items], "page": rows.page, "per_page": per_page,
            "total_rows": rows.total})
    view.__name__ = f"report_{report.key}"
    return view


for _report in REPORTS.values():
    _filters = [spec.query_param(f.name, f.label) for f in _report.filters]
    spec.operation("get", f"/reports/{_report.key}", summary=f"{_report.title}：汇总与明细（{_report.intro}）", tag=TAG,
                   response=REPORT, errors=(401, 403, 404, 422),
                   parameters=[*PERIOD_PARAMS, *_filters,
                               spec.query_param("by", "汇总维度", enum=[d.key for d in _report.dimensions]),
                               *spec.PAGE_PARAMS])
    bp.add_url_rule(f"/reports/{_report.key}", endpoint=f"report_{_report.key}", view_func=_view(_report))
