"""Screens of rankings (业绩排名): the month's three boards with their charts, 新员工纪录, and the .xlsx export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.api.routes import query_int
from app.auth.permissions import require
from app.exports import xlsx_response
from app.extensions import db
from app.performance import rankings, rankings_records
from app.performance import rankings_panel as _panel  # noqa: F401  (registers the home-page panel)
from app.performance.metrics import PerfMetric
from app.performance.rankings_access import RANKINGS_VIEW

bp = Blueprint("rankings", __name__, url_prefix="/performance/rankings")

PAGE_ROWS = 20  # rows per board on the page; the export lists every ranked seat
CHART_ROWS = 10


def _request_args() -> tuple[Any, Any]:
    month = rankings.month_of(request.args.get("month", ""))
    return month, rankings.org_of(db.session, query_int("org_id"))


def chart_option(board: rankings.Board) -> dict[str, Any]:
    """ECharts option: the board's top seats as horizontal bars, the first on top (交易金额 in 万元 so the
    bar labels stay short)."""
    top = board.top(CHART_ROWS)
    metric = board.metric
    in_wan = metric == PerfMetric.AMOUNT
    data = [round(float(e.value) / 10000, 2) if in_wan else e.value for e in top]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 56, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": "万元" if in_wan else metric.unit, "minInterval": 1, "splitNumber": 3,
                  "axisLabel": {"hideOverlap": True}},
        "yAxis": {"type": "category", "inverse": True, "data": [f"{e.rank}. {e.seat.name}" for e in top]},
        "series": [{"type": "bar", "name": f"{metric.label}（万元）" if in_wan else metric.label, "data": data,
                    "barMaxWidth": 18, "label": {"show": True, "position": "right"},
                    "itemStyle": {"color": COLOURS[metric]}}],
    }


COLOURS = {PerfMetric.AMOUNT: "#d4a017", PerfMetric.DEALS: "#8a9aa9", PerfMetric.INVITATIONS: "#5470c6"}


@bp.get("/")
@require(RANKINGS_VIEW)
def index() -> Any:
    month, org = _request_args()
    found = rankings.boards(db.session, month.start, month.end, org)
    return render_template(
        "performance/rankings/index.html", month=month, org=org, orgs=rankings.filter_orgs(db.session),
        boards=list(found.values()), rows=PAGE_ROWS, options={m: chart_option(b) for m, b in found.items()},
        previous=(month.start - timedelta(days=1)).strftime("%Y-%m"),
        following=(month.end + timedelta(days=1)).strftime("%Y-%m"), me=current_user.id,
        first_deals=rankings_records.fastest_first_deals(db.session, org),
        big_deals=rankings_records.biggest_deals(db.session, org),
        new_employee_days=rankings_records.new_employee_days(db.session))


@bp.get("/export")
@require(RANKINGS_VIEW)
def export() -> Any:
    month, org = _request_args()
    found = rankings.boards(db.session, month.start, month.end, org)
    headers = ["工号", "姓名", "部门"]
    for metric in rankings.RANKED:
        headers += [f"{metric.label}（{metric.unit}）", f"{metric.label}排名"]
    by_seat = {metric: {e.seat.user_id: e for e in board.entries} for metric, board in found.items()}
    rows = []
    for entry in found[PerfMetric.AMOUNT].entries:
        row: list[Any] = [entry.seat.work_no, entry.seat.name, entry.seat.org_name]
        for metric in rankings.RANKED:
            mine = by_seat[metric][entry.seat.user_id]
            row += [mine.value, mine.rank]
        rows.append(row)
    scope = org.name if org is not None else "全公司"
    return xlsx_response(f"业绩排名_{month.value}_{scope}", headers, rows)
