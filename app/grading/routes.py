"""客户评级 screens: the overview (customers per grade as a chart, the graded list filterable by grade, the last
run, 立即评级) and the 客户 360 section (grade, score, the scoring rows that fired, grade changes)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock, labels
from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import links, sections
from app.customers.access import CUSTOMER_GRADE
from app.customers.models import Customer
from app.database import DbSession
from app.errors import DomainError, refused
from app.extensions import db
from app.grading import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.grading import scoring, services
from app.grading.access import RUN, VIEW
from app.grading.models import CustomerGradeHistory, CustomerGrading, RunTrigger
from app.pagination import keyset_page

bp = Blueprint("grading", __name__, url_prefix="/grading")
PER_PAGE = 30
NO_GRADE_LABEL = "未评级"
# A merged customer's grade changes follow it; its latest grading row goes only where the survivor has none
# (the next run recomputes the survivor anyway).
links.register("等级变更记录", CustomerGradeHistory.__table__.c.customer_id)
links.register("客户评级", CustomerGrading.__table__.c.customer_id, unique_with=CustomerGrading.__table__.c.rules_key)


def grade_choices(session: DbSession) -> list[tuple[str, str]]:
    return dictionaries.choices(session, CUSTOMER_GRADE)


def chart_option(counts: dict[str, int], choices: list[tuple[str, str]]) -> dict[str, Any]:
    """ECharts bars: customers per grade (and 未评级), each bar a link to the list of that grade."""
    names = [label for _code, label in choices] + [NO_GRADE_LABEL]
    data = [counts.get(code, 0) for code, _label in choices] + [counts.get("", 0)]
    return {"tooltip": {"trigger": "axis"}, "grid": {"left": 50, "right": 20, "top": 20, "bottom": 30},
            "xAxis": {"type": "category", "data": names}, "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"name": "客户数", "type": "bar", "data": data, "label": {"show": True, "position": "top"}}],
            "links": [url_for("grading.overview", grade=code) for code, _label in choices] + [None]}


def _overview_context() -> dict[str, Any]:
    choices = grade_choices(db.session)
    grade = request.args.get("grade", "")
    if grade not in {code for code, _label in choices}:
        grade = ""
    counts = services.grade_counts(db.session, current_user)
    stmt = services.graded_listing(db.session, current_user, grade)
    return {"choices": choices, "grade": grade, "counts": counts, "total": sum(counts.values()),
            "option": chart_option(counts, choices), "latest": services.latest_run(db.session),
            "page": keyset_page(stmt, services.LIST_ORDER, PER_PAGE), "inputs": scoring.INPUTS}


@bp.get("/")
@require(VIEW)
def overview() -> Any:
    return render_template("grading/overview.html", **_overview_context())


@bp.post("/run")
@require(RUN)
def run_now() -> Any:
    """立即评级: grade every customer now with the tables in force."""
    try:
        run = services.grade_customers(db.session, clock.now(), RunTrigger.MANUAL, current_user)
    except DomainError as exc:
        return refused(exc, lambda: redirect(url_for("grading.overview")))
    db.session.commit()
    flash(f"评级完成：{run.summary}（用时 {run.duration_ms / 1000:.1f} 秒）", "success")
    return redirect(url_for("grading.overview"))


def _customer_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    """客户 360: the grade with its score and reasons, and the grade changes."""
    found = services.customer_grade(session, customer)
    return {"grading": found.grading, "reasons": found.reasons, "history": found.history,
            "rules_changed": found.rules_changed, "grade_label": _grade_label}


def _grade_label(code: str) -> str:
    return labels.label(code, "customer_grade") or NO_GRADE_LABEL if code else NO_GRADE_LABEL


sections.add("grading", "客户等级", "grading/_customer_section.html", _customer_section, permission=VIEW, order=15)
