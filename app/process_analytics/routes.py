"""Screens of process analytics (流程性能): the process list and one process with its heatmap; .xlsx export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app.auth.permissions import require
from app.exports import xlsx_response
from app.extensions import db
from app.performance import period as periods
from app.process_analytics import demo as _demo  # noqa: F401  (registers the demo loader, after the trades')
from app.process_analytics import services
from app.process_analytics.access import ANALYTICS

bp = Blueprint("process_analytics", __name__, url_prefix="/process-analytics")


@bp.get("/")
@require(ANALYTICS)
def index() -> Any:
    period = periods.from_args(request.args)
    return render_template("process_analytics/index.html", period=period, grains=list(periods.Grain),
                           rows=services.processes(db.session, period), duration=services.duration_text)


@bp.get("/<process_key>")
@require(ANALYTICS)
def process(process_key: str) -> Any:
    found = services.process_figures(db.session, process_key, periods.from_args(request.args),
                                     request.args.get("version"))
    payload = {"xml": found.shown.bpmn_xml, **services.heatmap(found.elements)}
    return render_template("process_analytics/process.html", key=process_key, found=found, payload=payload,
                           grains=list(periods.Grain), duration=services.duration_text, period=found.period,
                           models=found.models, chosen=found.chosen)


@bp.get("/<process_key>/export")
@require(ANALYTICS)
def export(process_key: str) -> Any:
    found = services.process_figures(db.session, process_key, periods.from_args(request.args),
                                     request.args.get("version"))
    version = f"v{found.chosen.version}" if found.chosen else "全部版本"
    return xlsx_response(f"流程性能_{process_key}_{version}_{found.period.label}", services.EXPORT_HEADERS,
                         services.export_rows(found.elements))
