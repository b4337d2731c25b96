"""Project API: list and detail — the maintainer's scope, or for sellers the raising projects they may sell."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import Select, func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.permissions import can, require
from app.errors import NotFound
from app.extensions import db
from app.org import scope as data_scope
from app.products import services
from app.products.access import PROJECT_VIEW
from app.products.models import Project, ProjectStage
from app.trades.access import TRADE_CREATE
from app.trades.raising import RaiseFigures, raise_figures

MONEY = {"type": "string", "description": "金额（元），十进制字符串，如 \"1000000.00\""}
PROJECT = spec.schema("Project", {
    "type": "object",
    "required": ["id", "code", "name", "category", "org_id", "stage", "lp_amount", "lp_count", "min_subscription",
                 "expected_yield", "term_months", "virtual_lp_amount", "virtual_lp_count"],
    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "category": {"type": "string"}, "org_id": {"type": "integer"},
        "stage": {"type": "string", "enum": [s.value for s in ProjectStage]}, "stage_label": {"type": "string"},
        "raise_target": MONEY, "lp_amount": MONEY, "lp_count": {"type": "integer"}, "min_subscription": MONEY,
        "expected_yield": {"type": "string", "description": "预期年化收益率（%），如 \"6.5000\""},
        "term_months": {"type": "integer"}, "interest_schedule": {"type": "string"}, "risk_level": {"type": "string"},
        "raise_start": {"type": "string", "format": "date", "nullable": True},
        "raise_end": {"type": "string", "format": "date", "nullable": True},
        "value_date": {"type": "string", "format": "date", "nullable": True},
        "maturity_date": {"type": "string", "format": "date", "nullable": True},
        "virtual_lp_amount": MONEY, "virtual_lp_count": {"type": "integer"},
        "failure_reason": {"type": "string"},
    },
})


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def project_json(project: Project, figures: RaiseFigures) -> dict[str, Any]:
    return {
        "id": project.id, "code": project.code, "name": project.name, "category": project.category.name,
        "org_id": project.org_id, "stage": project.stage.value, "stage_label": project.stage.label,
        "raise_target": str(project.raise_target), "lp_amount": str(project.lp_amount), "lp_count": project.lp_count,
        "min_subscription": str(project.min_subscription), "expected_yield": str(project.expected_yield),
        "term_months": project.term_months, "interest_schedule": project.interest_schedule,
        "risk_level": project.risk_level, "raise_start": _date(project.raise_start),
        "raise_end": _date(project.raise_end), "value_date": _date(project.value_date),
        "maturity_date": _date(project.maturity_date), "virtual_lp_amount": str(figures.virtual_amount),
        "virtual_lp_count": figures.virtual_count, "failure_reason": project.failure_reason,
    }


def _visible() -> Select[Any]:
    """Maintainers see the projects of their scope; sellers the raising projects they may sell."""
    if can(PROJECT_VIEW):
        stage = request.args.get("stage", "")
        filters = services.ProjectFilters(text=request.args.get("q", ""),
                                          stage=ProjectStage(stage) if stage in {s.value for s in ProjectStage}
                                          else None)
        return services.project_query(db.session, data_scope.scope_of(db.session, current_user, PROJECT_VIEW),
                                      filters)
    return services.offered_to(db.session, current_user)


spec.operation("get", "/projects", summary="理财项目列表：维护人员按数据范围；坐席为可认购（资金募集中）的项目",
               tag="理财项目",
               response=spec.page_of(PROJECT), errors=(403,), parameters=[
                   spec.query_param("q", "项目名称或编号"), spec.query_param("stage", "阶段代码，如 raising"),
                   *spec.PAGE_PARAMS])


@bp.get("/projects")
@require(PROJECT_VIEW, TRADE_CREATE)
def projects() -> Any:
    page, per_page = page_args()
    stmt = _visible()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    figures = raise_figures(db.session, [p.id for p in rows])
    return jsonify(page_body([project_json(p, figures[p.id]) for p in rows], page, per_page, total))


spec.operation("get", "/projects/{project_id}", summary="理财项目详情（含虚拟LP募集额度/数量）", tag="理财项目",
               response=PROJECT, parameters=[spec.path_param("project_id")])


@bp.get("/projects/<int:project_id>")
@require(PROJECT_VIEW, TRADE_CREATE)
def project_detail(project_id: int) -> Any:
    project = db.session.scalar(_visible().where(Project.id == project_id))
    if project is None:
        raise NotFound("项目不存在或您无权查看")
    return jsonify(project_json(project, raise_figures(db.session, [project.id])[project.id]))
