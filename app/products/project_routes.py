"""理财项目维护: search and export, detail with raise figures and the lifecycle diagram, create, edit,
delete, and the stage buttons (发布, 募集成功, 募集失败, 进入收益阶段, 项目完成)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import dictionaries
from app.auth.models import User, UserStatus
from app.auth.permissions import can, require
from app.errors import DomainError, NotFound, refused
from app.exports import xlsx_response
from app.extensions import db
from app.org import scope as data_scope
from app.org import services as org_services
from app.org.scope import Scope
from app.products import categories, lifecycle, services
from app.products.access import INTEREST_SCHEDULE, PROJECT_MANAGE, PROJECT_VIEW, RISK_LEVEL
from app.products.models import Project, ProjectStage
from app.products.services import ProjectData, ProjectFilters
from app.trades.raising import raise_figures
from app.workflow import related as workflow_related
from app.workflow import subjects as workflow_subjects
from app.workflow import views as workflow_views
from forms.base import all_errors, first_error
from forms.products import ProjectForm, StageActionForm

bp = Blueprint("projects", __name__, url_prefix="/products/projects")
PER_PAGE = 30
STAGE_VALUES = {s.value for s in ProjectStage}


def _scope(permission: str = PROJECT_VIEW) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _filters() -> ProjectFilters:
    args = request.args
    stage = args.get("stage", "")
    category = args.get("category", "")
    return ProjectFilters(text=args.get("q", ""), category_id=int(category) if category.isdigit() else None,
                          stage=ProjectStage(stage) if stage in STAGE_VALUES else None, risk_level=args.get("risk", ""))


@bp.get("/")
@require(PROJECT_VIEW)
def index() -> Any:
    page = db.paginate(services.project_query(db.session, _scope(), _filters()), per_page=PER_PAGE, error_out=False)
    return render_template("products/projects.html", page=page, figures=raise_figures(db.session, [p.id for p in page]),
                           stages=list(ProjectStage), tree=categories.category_tree(db.session),
                           risks=dictionaries.choices(db.session, RISK_LEVEL))


@bp.get("/export")
@require(PROJECT_VIEW)
def export() -> Any:
    projects = list(db.session.scalars(services.project_query(db.session, _scope(), _filters())))
    figures = raise_figures(db.session, [p.id for p in projects])
    risks = dict(dictionaries.choices(db.session, RISK_LEVEL))
    schedules = dict(dictionaries.choices(db.session, INTEREST_SCHEDULE))
    headers = ["项目编号", "项目名称", "分类", "管理机构", "阶段", "募集总额", "LP募集额度", "LP募集数量",
               "虚拟LP募集额度", "虚拟LP募集数量", "起购金额", "预期年化收益率(%)", "期限(月)", "付息方式", "风险等级",
               "募集开始", "募集结束", "起息日", "到期日"]
    rows = ((p.code, p.name, p.category.name, p.org.name, p.stage.label, p.raise_target, p.lp_amount, p.lp_count,
             figures[p.id].virtual_amount, figures[p.id].virtual_count, p.min_subscription, p.expected_yield,
             p.term_months, schedules.get(p.interest_schedule, p.interest_schedule),
             risks.get(p.risk_level, p.risk_level), p.raise_start, p.raise_end, p.value_date, p.maturity_date)
            for p in projects)
    return xlsx_response("理财项目", headers, rows)


def _load(project_id: int, permission: str = PROJECT_VIEW) -> Project:
    return services.get_project(db.session, project_id, _scope(permission))


def _openable(project_id: int) -> Project:
    """The project as its detail page would open it for the current user (task and history links)."""
    if not can(PROJECT_VIEW):
        raise NotFound("项目不存在")
    return _load(project_id)


workflow_subjects.opens_with("project", _openable, linkable=True)


def _detail(project: Project, stage_form: StageActionForm | None = None, status: int = 200) -> Any:
    task, outcomes = lifecycle.actions(db.session, project, current_user)
    instance = project.lifecycle_instance
    return render_template(
        "products/project_detail.html", project=project, figures=raise_figures(db.session, [project.id])[project.id],
        task=task, outcomes=outcomes, stage_form=stage_form or StageActionForm(formdata=None),
        risks=dict(dictionaries.choices(db.session, RISK_LEVEL)),
        schedules=dict(dictionaries.choices(db.session, INTEREST_SCHEDULE)),
        history=workflow_views.history(db.session, instance.id) if instance else [],
        diagram_url=url_for("projects.diagram", project_id=project.id) if instance else "",
        can_manage=can(PROJECT_MANAGE) and data_scope.covers(db.session, _scope(PROJECT_MANAGE), project.org_id),
        related=workflow_related.about(db.session, current_user, f"project:{project.id}"),
    ), status


@bp.get("/<int:project_id>")
@require(PROJECT_VIEW)
def detail(project_id: int) -> Any:
    return _detail(_load(project_id))


@bp.get("/<int:project_id>/diagram.json")
@require(PROJECT_VIEW)
def diagram(project_id: int) -> Any:
    project = _load(project_id)
    if project.lifecycle_instance is None:
        raise NotFound("项目没有阶段流程")
    return jsonify(workflow_views.diagram_payload(project.lifecycle_instance))


def _form_choices(form: ProjectForm, scope: Scope, project: Project | None) -> None:
    form.category_id.choices = [(c.id, "　" * c.depth + c.name) for c in categories.category_tree(db.session)]
    allowed = set(data_scope.org_ids(db.session, scope))
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in org_services.org_tree(db.session)
                           if (o.id in allowed and o.active) or (project is not None and o.id == project.org_id)]
    people = data_scope.apply(select(User), scope, User.org_id).where(User.status == UserStatus.ACTIVE)
    form.manager_id.choices = [(0, "（未指定）")] + [(u.id, f"{u.name}（{u.work_no}）")
                                                  for u in db.session.scalars(people.order_by(User.work_no))]
    form.interest_schedule.choices = dictionaries.choices(db.session, INTEREST_SCHEDULE, blank="请选择")
    form.risk_level.choices = dictionaries.choices(db.session, RISK_LEVEL, blank="请选择")


def _data(form: ProjectForm) -> ProjectData:
    values = {f.name: form[f.name].data for f in fields(ProjectData)}
    values["manager_id"] = values["manager_id"] or None
    values["raise_target"] = values["raise_target"] or 0
    for name in ("code", "name", "interest_schedule", "risk_level", "description"):
        values[name] = values[name] or ""
    return ProjectData(**values)


def _edit_page(form: ProjectForm, project: Project | None) -> Any:
    scope = _scope(PROJECT_MANAGE)
    _form_choices(form, scope, project)
    if not form.validate_on_submit():
        if form.is_submitted():
            for message in all_errors(form):  # every problem at once, not one per submit
                flash(message, "danger")
            return render_template("products/project_form.html", form=form, project=project), 422
        return render_template("products/project_form.html", form=form, project=project)
    try:
        if project is None:
            project = services.create_project(db.session, _data(form), scope, current_user)
            message = f"已创建项目“{project.name}”，当前阶段：调研筹备"
        else:
            services.update_project(db.session, project, _data(form), scope)
            message = "项目已保存"
    except DomainError as exc:
        return refused(exc, "products/project_form.html", form=form, project=project)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/new", methods=["GET", "POST"])
@require(PROJECT_MANAGE)
def create() -> Any:
    form = ProjectForm()
    if request.method == "GET":
        form.org_id.data = current_user.org_id
    return _edit_page(form, None)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@require(PROJECT_MANAGE)
def edit(project_id: int) -> Any:
    project = _load(project_id, PROJECT_MANAGE)
    services.check_editable(project)
    form = ProjectForm(obj=project)
    if request.method == "GET":
        form.manager_id.data = project.manager_id or 0
    return _edit_page(form, project)


@bp.post("/<int:project_id>/delete")
@require(PROJECT_MANAGE)
def delete(project_id: int) -> Any:
    project = _load(project_id, PROJECT_MANAGE)
    name = project.name
    services.delete_project(db.session, project, current_user)
    db.session.commit()
    flash(f"已删除项目“{name}”", "success")
    return redirect(url_for("projects.index"))


@bp.post("/<int:project_id>/stage")
@require(PROJECT_MANAGE)
def stage(project_id: int) -> Any:
    project = _load(project_id, PROJECT_MANAGE)
    form = StageActionForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _detail(project, form, 422)
    outcome = request.form.get("outcome", "")
    try:
        lifecycle.advance(db.session, project, current_user, outcome, form.comment.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _detail(_load(project_id, PROJECT_MANAGE), form))
    db.session.commit()
    db.session.refresh(project)
    flash(f"项目“{project.name}”已进入“{project.stage.label}”", "success")
    return redirect(url_for("projects.detail", project_id=project.id))
