"""Screens of the reports (查询&报表): one page per report with its filters, the summary grouped by the chosen
dimension (with a bar chart whose bars open the detail behind them), the paginated detail list, and the
.xlsx export of either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.exports import xlsx_response
from app.extensions import db
from app.pagination import page_number
from app.performance.period import GRAIN_LABELS
from app.reports import access as _access  # noqa: F401  (permissions and menu)
from app.reports import framework
from app.reports.catalog import LEDGER_KEYS, REPORTS
from app.reports.framework import Context, Report, Summary

bp = Blueprint("reports", __name__, url_prefix="/reports")
CHART_BARS = 20


def _args(**changes: str | None) -> dict[str, Any]:
    """The page's query arguments with some changed (None removes one); page and export always go."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key not in ("page", "export")}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def _drill_url(report: Report, drill: dict[str, str] | None) -> str | None:
    if drill is None:
        return None
    args = _args(**drill)
    if "grain" in drill:
        args.pop("start", None)
        args.pop("end", None)
    return url_for(f"reports.{report.key}", **args) + "#detail"


def chart_option(report: Report, result: Summary) -> dict[str, Any]:
    """Bars of the first measure for the largest groups; each bar opens the detail filtered to its group."""
    measure = report.measures[0]
    groups = result.groups if result.dimension.chronological else result.groups[:CHART_BARS]
    return {"tooltip": {"trigger": "axis"}, "grid": {"left": 60, "right": 20, "top": 30, "bottom": 90},
            "xAxis": {"type": "category", "data": [group.name for group in groups],
                      "axisLabel": {"interval": 0, "rotate": 30 if len(groups) > 6 else 0}},
            "yAxis": {"type": "value", "name": measure.label},
            "series": [{"type": "bar", "name": measure.label, "data": [float(group.values[0]) for group in groups],
                        "barMaxWidth": 60, "itemStyle": {"color": "#3b82f6"}}],
            "links": [_drill_url(report, group.drill) for group in groups]}


def _export(report: Report, ctx: Context, kind: str) -> Any:
    dimension = request.args.get("by", "")
    stamp = ctx.period.label.replace(" ", "")
    if kind == "summary":
        result = framework.summary(report, ctx, dimension)
        headers = [result.dimension.label, *[measure.label for measure in report.measures]]
        return xlsx_response(f"{report.title}_汇总_{stamp}", headers, framework.summary_rows(report, result))
    total = framework.detail_count(report, ctx)
    if total > framework.EXPORT_MAX_ROWS:
        flash(f"明细共 {total:,} 行，超过导出上限 {framework.EXPORT_MAX_ROWS:,} 行，"
              "请缩短统计期间或增加筛选条件后再导出（汇总可直接导出）", "warning")
        return redirect(url_for(f"reports.{report.key}", **_args()))
    return xlsx_response(f"{report.title}_明细_{stamp}", [column.label for column in report.columns],
                         framework.detail_rows(report, ctx))


def _view(report: Report) -> Callable[[], Any]:
    @require(report.permission)
    def view() -> Any:
        ctx = framework.context(db.session, current_user, report, request.args)
        export = request.args.get("export", "")
        if export in ("summary", "detail"):
            return _export(report, ctx, export)
        result = framework.summary(report, ctx, request.args.get("by", ""))
        page = framework.detail_page(report, ctx, page_number(), total=int(result.total[0]))
        options = {spec.name: spec.options(ctx) if spec.options else None for spec in report.filters}
        ledgers = [REPORTS[key] for key in LEDGER_KEYS] if report.key in LEDGER_KEYS else []
        return render_template("reports/report.html", report=report, ctx=ctx, result=result, page=page,
                               options=options, grains=GRAIN_LABELS, chart_data=chart_option(report, result),
                               drill_url=lambda drill: _drill_url(report, drill), args=_args, ledgers=ledgers)
    view.__name__ = report.key
    return view


for _report in REPORTS.values():
    bp.add_url_rule(f"/{_report.key}/", endpoint=_report.key, view_func=_view(_report))
