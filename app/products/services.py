"""理财项目维护: create, edit, delete and search projects; stage changes go through the lifecycle diagram."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app import workflow
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from app.products import categories
from app.products.models import Project, ProjectStage

LIFECYCLE_PROCESS = "project_lifecycle"
# Stages in which the terms a trade is judged by (limits, minimum, yield, term) may still change.
TERMS_EDITABLE = (ProjectStage.PREPARING, ProjectStage.RAISING)
FROZEN = (ProjectStage.FAILED, ProjectStage.COMPLETED)
TERM_FIELDS = ("raise_target", "lp_amount", "lp_count", "min_subscription", "expected_yield", "term_months",
               "interest_schedule", "risk_level", "raise_start", "raise_end")


@dataclass
class ProjectData:
    """What the maintenance form and the API submit."""

    code: str
    name: str
    category_id: int
    org_id: int
    manager_id: int | None
    raise_target: Decimal
    lp_amount: Decimal
    lp_count: int
    min_subscription: Decimal
    expected_yield: Decimal
    term_months: int
    interest_schedule: str = ""
    risk_level: str = ""
    raise_start: date | None = None
    raise_end: date | None = None
    value_date: date | None = None
    maturity_date: date | None = None
    description: str = ""


def _check(session: DbSession, data: ProjectData, scope: Scope, project: Project | None) -> None:
    data.code, data.name = data.code.strip(), data.name.strip()
    if not data.code or not data.name:
        raise ValidationFailed("请填写项目编号和项目名称")
    clash = session.scalar(select(Project.id).where(Project.code == data.code))
    if clash is not None and (project is None or clash != project.id):
        raise Conflict(f"项目编号 {data.code} 已存在")
    categories.get_category(session, data.category_id)
    if session.get(Org, data.org_id) is None or not data_scope.covers(session, scope, data.org_id):
        raise ValidationFailed("管理机构不在您的数据范围内")
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise ValidationFailed("项目经理不存在")
    for name, label in (("lp_amount", "LP募集额度"), ("min_subscription", "起购金额")):
        if getattr(data, name) <= 0:
            raise ValidationFailed(f"{label}必须大于 0")
    if data.raise_target < 0:
        raise ValidationFailed("募集总额不能为负")
    if data.lp_count < 1:
        raise ValidationFailed("LP募集数量至少为 1")
    if data.min_subscription > data.lp_amount:
        raise ValidationFailed("起购金额不能大于LP募集额度")
    if not Decimal("0") <= data.expected_yield <= Decimal("100"):
        raise ValidationFailed("预期年化收益率须在 0 到 100（%）之间")
    if data.term_months < 1:
        raise ValidationFailed("期限至少 1 个月")
    if data.raise_start and data.raise_end and data.raise_end < data.raise_start:
        raise ValidationFailed("募集结束日期不能早于开始日期")
    if data.value_date and data.maturity_date and data.maturity_date <= data.value_date:
        raise ValidationFailed("到期日必须晚于起息日")


def create_project(session: DbSession, data: ProjectData, scope: Scope, actor: User) -> Project:
    """Create a project in 调研筹备 and start its lifecycle process."""
    _check(session, data, scope, None)
    project = Project(**{f.name: getattr(data, f.name) for f in fields(ProjectData)},
                      stage=ProjectStage.PREPARING, created_by_id=actor.id)
    session.add(project)
    session.flush()
    instance = workflow.start(session, LIFECYCLE_PROCESS, business_key=f"project:{project.id}",
                              title=f"{project.name}（{project.code}）", org_id=project.org_id,
                              owner_id=project.manager_id, data={"project_id": project.id}, actor=actor)
    project.lifecycle_instance_id = instance.id
    session.flush()
    return project


def check_editable(project: Project) -> None:
    if project.stage in FROZEN:
        raise Conflict(f"项目当前为“{project.stage.label}”，不能再修改")


def update_project(session: DbSession, project: Project, data: ProjectData, scope: Scope) -> None:
    """Save a project's changes; the terms trades are judged by are frozen once the raise succeeded."""
    check_editable(project)
    _check(session, data, scope, project)
    if project.stage not in TERMS_EDITABLE:
        changed = [name for name in (*TERM_FIELDS, "code", "category_id", "org_id")
                   if getattr(data, name) != getattr(project, name)]
        if changed:
            raise Conflict(f"项目当前为“{project.stage.label}”，募集条款、编号、分类和管理机构不能再修改")
    for f in fields(ProjectData):
        setattr(project, f.name, getattr(data, f.name))
    session.flush()


def delete_project(session: DbSession, project: Project, actor: User) -> None:
    """Delete a project still in 调研筹备 (no trade can exist yet); its lifecycle instance is cancelled."""
    if project.stage != ProjectStage.PREPARING:
        raise Conflict("只有调研筹备阶段的项目可以删除")
    instance = project.lifecycle_instance
    project.lifecycle_instance_id = None
    session.flush()
    if instance is not None and instance.status.value in ("running", "waiting", "error"):
        workflow.cancel(session, instance, f"项目 {project.code} 已删除", actor)
    session.delete(project)
    session.flush()


@dataclass(frozen=True)
class ProjectFilters:
    text: str = ""
    category_id: int | None = None
    stage: ProjectStage | None = None
    risk_level: str = ""


def project_query(session: DbSession, scope: Scope, filters: ProjectFilters | None = None) -> Select[Any]:
    """Projects inside the data scope (by managing org), filtered; newest first."""
    filters = filters or ProjectFilters()
    stmt = data_scope.apply(select(Project), scope, Project.org_id)
    if text := filters.text.strip():
        stmt = stmt.where(or_(Project.name.icontains(text, autoescape=True),
                              Project.code.icontains(text, autoescape=True)))
    if filters.category_id:
        category = categories.get_category(session, filters.category_id)
        stmt = stmt.where(Project.category_id.in_(categories.subtree_ids(session, category)))
    if filters.stage is not None:
        stmt = stmt.where(Project.stage == filters.stage)
    if filters.risk_level:
        stmt = stmt.where(Project.risk_level == filters.risk_level)
    return stmt.options(selectinload(Project.category), selectinload(Project.org)).order_by(Project.id.desc())


def get_project(session: DbSession, project_id: int, scope: Scope) -> Project:
    """Load a project the scope covers; others look exactly like missing ones."""
    return data_scope.get_or_404(session, Project, project_id, scope)


def offered_to(session: DbSession, seller: User) -> Select[Any]:
    """Projects in 资金募集 a seller may create trades for: managed by the seller's org or an org above it."""
    return (select(Project).where(Project.stage == ProjectStage.RAISING,
                                  Project.org_id.in_(seller.org.ancestor_ids))
            .order_by(Project.name))


def offered_project(session: DbSession, project_id: int, seller: User) -> Project:
    """A project the seller may sell now; refuse with the reason otherwise."""
    project = session.get(Project, project_id)
    if project is None or project.org_id not in seller.org.ancestor_ids:
        raise NotFound("项目不存在或不在您的销售范围内")
    if project.stage != ProjectStage.RAISING:
        raise ValidationFailed(f"项目“{project.name}”处于{project.stage.label}阶段，只有资金募集阶段的项目可以认购")
    return project
