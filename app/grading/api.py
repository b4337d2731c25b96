"""客户评级 API: customers per grade, the graded list, one customer's grade with reasons and changes, and 立即评级.

Bearer-token auth like every /api/v1 endpoint; the same data scope as the screens: a customer outside it is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select

from app import clock
from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import require
from app.customers import services as customer_services
from app.errors import ValidationFailed
from app.extensions import db
from app.grading import scoring, services
from app.grading.access import RUN, VIEW
from app.grading.models import CustomerGradeHistory, CustomerGrading, GradingRun, RunTrigger
from app.grading.routes import NO_GRADE_LABEL, grade_choices

TAG = "客户评级"
_STAMP = {"type": "string", "format": "date-time", "nullable": True}
RUN_SCHEMA = spec.schema("GradingRun", {
    "type": "object", "required": ["id", "trigger", "trigger_label", "started_at", "customer_count", "changed_count",
                                   "summary"],
    "properties": {
        "id": {"type": "integer"}, "trigger": {"type": "string", "enum": [t.value for t in RunTrigger]},
        "trigger_label": {"type": "string"}, "actor_id": {"type": "integer", "nullable": True},
        "score_version": {"type": "integer", "description": "评分表版本（0：随系统发布的 rules/customer_grading.dmn）"},
        "band_version": {"type": "integer",
                         "description": "分档表版本（0：随系统发布的 rules/customer_grade_bands.dmn）"},
        "started_at": {"type": "string", "format": "date-time"}, "finished_at": _STAMP,
        "duration_ms": {"type": "integer"}, "customer_count": {"type": "integer"},
        "changed_count": {"type": "integer", "description": "等级发生变化的客户数"}, "summary": {"type": "string"},
    },
})
INPUTS_SCHEMA = {"type": "object", "description": "评分依据", "properties": {
    "holding": {"type": "string", "description": scoring.INPUTS["holding"]},
    **{name: {"type": "integer", "description": text} for name, text in scoring.INPUTS.items() if name != "holding"}}}
GRADED = spec.schema("GradedCustomer", {
    "type": "object", "required": ["customer_id", "number", "name", "grade", "grade_label", "score", "computed_at"],
    "properties": {
        "customer_id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
        "grade": {"type": "string", "description": "客户等级代码（基础数据 customer_grade），空为未评级"},
        "grade_label": {"type": "string"}, "score": {"type": "integer", "description": "价值评分"},
        "fired": {"type": "array", "items": {"type": "integer"}, "description": "命中的评分规则行号"},
        "inputs": INPUTS_SCHEMA, "computed_at": {"type": "string", "format": "date-time"},
    },
})
SUMMARY = spec.schema("GradingSummary", {
    "type": "object", "required": ["counts", "total"],
    "properties": {
        "counts": {"type": "array", "items": {"type": "object", "required": ["grade", "label", "count"], "properties": {
            "grade": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}}},
        "total": {"type": "integer"}, "latest_run": {"allOf": [{"$ref": RUN_SCHEMA}], "nullable": True},
    },
})
CUSTOMER_GRADE = spec.schema("CustomerGrade", {
    "type": "object", "required": ["customer_id", "grade", "grade_label", "reasons", "history"],
    "properties": {
        "customer_id": {"type": "integer"}, "grade": {"type": "string"}, "grade_label": {"type": "string"},
        "score": {"type": "integer", "nullable": True}, "computed_at": _STAMP,
        "inputs": {"allOf": [INPUTS_SCHEMA], "nullable": True},
        "rules_changed": {"type": "boolean", "description": "评分规则表在评级后已更新"},
        "reasons": {"type": "array", "items": {"type": "object", "required": ["number", "description", "points"],
                                               "properties": {"number": {"type": "integer"},
                                                              "description": {"type": "string"},
                                                              "points": {"type": "number"}}}},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "old_grade": {"type": "string"}, "new_grade": {"type": "string"}, "score": {"type": "integer"},
            "changed_at": {"type": "string", "format": "date-time"}}}},
    },
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _labels() -> dict[str, str]:
    return dict(grade_choices(db.session))


def run_json(run: GradingRun) -> dict[str, Any]:
    return {"id": run.id, "trigger": run.trigger.value, "trigger_label": run.trigger.label, "actor_id": run.actor_id,
            "score_version": run.score_version, "band_version": run.band_version,
            "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
            "duration_ms": run.duration_ms, "customer_count": run.customer_count,
            "changed_count": run.changed_count, "summary": run.summary}


def _inputs(row: CustomerGrading) -> dict[str, Any]:
    return {"holding": str(row.holding), "collection_rate": row.collection_rate, "years": row.years,
            "products": row.products, "activity": row.activity}


def graded_json(row: CustomerGrading, labels: dict[str, str]) -> dict[str, Any]:
    grade = row.customer.grade
    return {"customer_id": row.customer_id, "number": row.customer.number, "name": row.customer.name,
            "grade": grade, "grade_label": labels.get(grade, NO_GRADE_LABEL), "score": row.score,
            "fired": row.fired_numbers, "inputs": _inputs(row), "computed_at": _iso(row.computed_at)}


def _history_json(change: CustomerGradeHistory) -> dict[str, Any]:
    return {"old_grade": change.old_grade, "new_grade": change.new_grade, "score": change.score,
            "changed_at": _iso(change.changed_at)}


spec.operation("get", "/grading/summary", summary="各等级客户数（数据范围内）与最近一次评级", tag=TAG,
               response=SUMMARY, errors=(403,))


@bp.get("/grading/summary")
@require(VIEW)
def grading_summary() -> Any:
    counts = services.grade_counts(db.session, current_user)
    choices = [*grade_choices(db.session), ("", NO_GRADE_LABEL)]
    latest = services.latest_run(db.session)
    rows = [{"grade": code, "label": label, "count": counts.get(code, 0)} for code, label in choices]
    return jsonify({"counts": rows,
                    "total": sum(counts.values()), "latest_run": run_json(latest) if latest else None})


spec.operation("get", "/grading/customers", summary="评级名单：价值评分从高到低，可按等级筛选", tag=TAG,
               response=spec.page_of(GRADED), errors=(403, 422), parameters=[
                   spec.query_param("grade", "客户等级代码（如 A）"), *spec.PAGE_PARAMS])


@bp.get("/grading/customers")
@require(VIEW)
def graded_customers() -> Any:
    labels = _labels()
    grade = request.args.get("grade", "")
    if grade and grade not in labels:
        raise ValidationFailed(f"客户等级只能是 {'、'.join(labels)}", details={"field": "grade"})
    page, per_page = page_args()
    stmt = services.graded_listing(db.session, current_user, grade)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.order_by(*services.LIST_ORDER).limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([graded_json(row, labels) for row in rows], page, per_page, total))


spec.operation("get", "/customers/{customer_id}/grading",
               summary="客户等级、价值评分、得分原因（命中的评分规则行）与等级变更记录", tag=TAG,
               response=CUSTOMER_GRADE, parameters=[spec.path_param("customer_id")])


@bp.get("/customers/<int:customer_id>/grading")
@require(VIEW)
def customer_grading(customer_id: int) -> Any:
    customer = customer_services.get_customer(db.session, services.scope_of(db.session, current_user), customer_id)
    found = services.customer_grade(db.session, customer)
    labels, row = _labels(), found.grading
    return jsonify({
        "customer_id": customer.id, "grade": customer.grade, "grade_label": labels.get(customer.grade, NO_GRADE_LABEL),
        "score": row.score if row else None, "computed_at": _iso(row.computed_at) if row else None,
        "inputs": _inputs(row) if row else None, "rules_changed": found.rules_changed,
        "reasons": [{"number": r.number, "description": r.description, "points": r.points} for r in found.reasons],
        "history": [_history_json(change) for change in found.history]})


spec.operation("post", "/grading/runs", summary="立即评级：按现行规则表重算全部客户的价值评分与等级", tag=TAG,
               response=RUN_SCHEMA, status=201, errors=(403, 422))


@bp.post("/grading/runs")
@require(RUN)
def run_grading() -> Any:
    run = services.grade_customers(db.session, clock.now(), RunTrigger.MANUAL, current_user)
    db.session.commit()
    response = jsonify(run_json(run))
    response.status_code = 201
    return response
