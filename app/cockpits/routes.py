"""Screens: 指导驾驶舱 (leadership), 客户经理驾驶舱 (manager), and the leadership cockpit's month lists
(pool moves, income records, interest lines) its charts open."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from app.auth.permissions import can, require
from app.cockpits import charts, details, leadership, manager
from app.cockpits.access import LEADERSHIP, MANAGER
from app.extensions import db
from app.org import scope as data_scope
from app.performance import period as report_period
from app.pools.models import MOVE_REASON_LABELS, MoveReason
from app.trades.access import TRADE_MONITOR

bp = Blueprint("cockpits", __name__, url_prefix="/cockpits")
PER_PAGE = 50


def _leadership_scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, LEADERSHIP)


@bp.get("/leadership")
@require(LEADERSHIP)
def leadership_page() -> Any:
    period = report_period.from_args(request.args)
    lead = leadership.cached(db.session, _leadership_scope(), period, current_app.extensions.setdefault(
        "cockpits.leadership", {}), fresh=request.args.get("fresh") == "1")
    options = {"months": charts.monthly(lead), "projects": charts.deal_bars(lead.by_project, period, "project"),
               "branches": charts.deal_bars(lead.by_branch, period, "org"),
               "seats": charts.deal_bars(lead.top_seats, period, "seat"), "income": charts.income(lead),
               "holdings": charts.holdings(lead), "pools": charts.pools(lead), "flows": charts.flows(lead)}
    deals_url = charts.deal_link(period)
    return render_template("cockpits/leadership.html", lead=lead, period=period, options=options,
                           grains=list(report_period.Grain), deals_url=deals_url,
                           cache_minutes=leadership.CACHE_SECONDS // 60)


@bp.get("/leadership/moves")
@require(LEADERSHIP)
def moves() -> Any:
    period = report_period.from_args(request.args)
    raw = request.args.get("reason", "")
    reason = MoveReason(raw) if raw in MOVE_REASON_LABELS else None
    page = db.paginate(details.moves(_leadership_scope(), period, reason), per_page=PER_PAGE, error_out=False)
    return render_template("cockpits/moves.html", page=page, period=period, reason=reason)


@bp.get("/leadership/incomes")
@require(LEADERSHIP)
def incomes() -> Any:
    month = report_period.from_args(request.args)
    page = db.paginate(details.incomes(_leadership_scope(), month), per_page=PER_PAGE, error_out=False)
    return render_template("cockpits/incomes.html", page=page, month=month)


@bp.get("/leadership/interest")
@require(LEADERSHIP)
def interest() -> Any:
    month = report_period.from_args(request.args)
    page = db.paginate(details.interest(_leadership_scope(), month), per_page=PER_PAGE, error_out=False)
    return render_template("cockpits/interest.html", page=page, month=month)


@bp.get("/manager")
@require(MANAGER)
def manager_page() -> Any:
    raw = request.args.get("seat", "")
    desk = manager.desk(db.session, current_user, int(raw) if raw.isdigit() and len(raw) < 10 else None)
    monitor = can(TRADE_MONITOR)
    options = {"types": charts.customer_types(desk), "pipeline": charts.pipeline(desk, monitor)}
    return render_template("cockpits/manager.html", desk=desk, options=options,
                           deals_url=charts.desk_deals_link(desk, monitor))
