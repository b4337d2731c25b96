"""Screens of process analytics (流程性能): the process list and one process with its heatmap; .xlsx export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app.auth.permissions import require
from app.exports import xlsx_response
from app.extensions import db
from app.performance import period as periods
from app.process_analytics import figures, services
from app.process_analytics.access import ANALYTICS

bp = Blueprint("process_analytics", __name__, url_prefix="/process-analytics")


@bp.get("/")
@require(ANALYTICS)
def index() -> Any:
    period = periods.from_args(request.args)
    return render_template("process_analytics/index.html", period=period, grains=list(periods.Grain),
                           rows=services.processes(db.session, period), duration=services.duration_text)


def _process(process_key: str) -> dict[str, Any]:
    """Everything the process page and its export show, for the period and version in the query arguments."""
    period = periods.from_args(request.args)
    models = services.versions(db.session, process_key)
    chosen = services.chosen_version(models, request.args.get("version"))
    elements = figures.element_figures(db.session, process_key, period, chosen.id if chosen else None)
    return {"period": period, "models": models, "chosen": chosen, "elements": elements,
            "per_version": figures.instance_figures(db.session, period, process_key, by_version=True),
            "totals": figures.instance_figures(db.session, period, process_key).get(process_key,
                                                                                    figures.InstanceFigures())}


@bp.get("/<process_key>")
@require(ANALYTICS)
def process(process_key: str) -> Any:
    found = _process(process_key)
    shown = found["chosen"] or found["models"][0]  # all versions are drawn on the newest diagram
    payload = {"xml": shown.bpmn_xml, **services.heatmap(found["elements"])}
    query = {**found["period"].args(), **({"version": str(found["chosen"].version)} if found["chosen"] else {})}
    return render_template("process_analytics/process.html", key=process_key, shown=shown, payload=payload,
                           query=query, grains=list(periods.Grain), duration=services.duration_text, **found)


@bp.get("/<process_key>/export")
@require(ANALYTICS)
def export(process_key: str) -> Any:
    found = _process(process_key)
    version = f"v{found['chosen'].version}" if found["chosen"] else "全部版本"
    return xlsx_response(f"流程性能_{process_key}_{version}_{found['period'].label}", services.EXPORT_HEADERS,
                         services.export_rows(found["elements"]))
