"""Screens of performance (业绩): 业绩查询 — the seats' figures over a period with charts, and its .xlsx export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from app.api.routes import query_int
from app.auth.models import User
from app.auth.permissions import require
from app.exports import xlsx_response
from app.extensions import db
from app.performance import period as periods
from app.performance import seats as performance_seats
from app.performance import staff, staff_charts
from app.performance.access import PERFORMANCE_VIEW
from app.performance.metrics import PerfMetric
from app.performance.period import Bucket, Grain

bp = Blueprint("performance", __name__, url_prefix="/performance")


@dataclass(frozen=True)
class StaffQuery:
    period: periods.Period
    metric: PerfMetric  # the one the charts draw
    org_id: int | None
    seat_id: int | None
    in_scope: list[User]  # the seats of the viewer's scope (of org_id)
    people: list[User]  # those shown: all in scope, or the one seat asked for


def staff_query() -> StaffQuery:
    """Read the period, the org / seat narrowing and the charted metric (shared by the page, export and API);
    an org or seat outside the viewer's data scope is "not found"."""
    period = periods.from_args(request.args)
    metric = staff.metric_arg(request.args.get("metric"))
    org_id, seat_id = query_int("org_id"), query_int("seat_id")
    in_scope = performance_seats.seats(db.session, current_user, PERFORMANCE_VIEW, org_id)
    return StaffQuery(period, metric, org_id, seat_id, in_scope, staff.narrow(in_scope, seat_id))


def _bucket_args(bucket: Bucket) -> dict[str, str]:
    if bucket.start == bucket.end:
        return {"grain": Grain.DAY.value, "value": bucket.start.isoformat()}
    return {"grain": Grain.RANGE.value, "start": bucket.start.isoformat(), "end": bucket.end.isoformat()}


@bp.get("/", endpoint="staff")
@require(PERFORMANCE_VIEW)
def staff_page() -> Any:
    query = staff_query()
    report = staff.report(db.session, query.people, query.period, query.metric)
    narrowing = {key: value for key, value in (("org_id", query.org_id), ("seat_id", query.seat_id))
                 if value is not None}
    here: dict[str, Any] = {**query.period.args(), **narrowing, "metric": query.metric.value}
    point_links = [url_for(".staff", **{**here, **_bucket_args(p.bucket)}) for p in report.series]
    # One url_for for every seat: building a thousand URLs one by one costs more than the figures.
    seat_base = url_for(".staff", **{key: value for key, value in here.items() if key != "seat_id"}) + "&seat_id="
    seat_links = [f"{seat_base}{seat.id}" for seat in report.seats]
    charts = {"line": staff_charts.line(report, "", point_links), "bars": staff_charts.bars(report, seat_links),
              "funnel": staff_charts.funnel(report)}
    return render_template("performance/staff.html", report=report, query=query, charts=charts, here=here,
                           grains=list(Grain), metrics=staff.METRICS, metric_choices=staff_charts.METRIC_CHOICES,
                           orgs=performance_seats.orgs(db.session, current_user, PERFORMANCE_VIEW),
                           seat_base=seat_base, header=staff.header, table=[_cells(row) for row in report.rows],
                           footer=[_cells(report.total), _cells(report.average)])


def _cells(row: staff.Row) -> tuple[staff.Row, list[tuple[str, str]]]:
    """A table row with its figures as displayed, formatted here (a thousand rows render much faster)."""
    return row, [(metric.value, staff.display(metric, row.values[metric])) for metric in staff.METRICS]


@bp.get("/export.xlsx", endpoint="export")
@require(PERFORMANCE_VIEW)
def staff_export() -> Any:
    query = staff_query()
    report = staff.report(db.session, query.people, query.period, query.metric)
    headers = ["工号", "姓名", "部门", *[staff.header(m) for m in staff.METRICS]]
    rows = [[row.seat.work_no if row.seat else "", row.label, row.org_name,
             *[row.values[m] for m in staff.METRICS]] for row in [*report.rows, report.total, report.average]]
    return xlsx_response(f"业绩查询_{query.period.label}", headers, rows)
