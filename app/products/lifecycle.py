"""The project lifecycle (理财项目阶段, bpmn/project_lifecycle.bpmn): the operations its service tasks call
and the stage actions the project page offers (they complete the lifecycle's open task).

调研筹备 → 发布 → 资金募集 → 募集成功 (only when the LP quota is met) → 收益阶段 → 项目完成, or from 资金募集
募集失败 (reason required): the diagram throws ``project_raise_failed`` and every open trade of the project
ends as 认购交易失败; 募集成功 throws ``project_raise_succeeded`` to the trades waiting for it.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, select

from app import clock, signals, workflow
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.products.models import Project, ProjectStage
from app.products.services import LIFECYCLE_PROCESS
from app.trades.models import OPEN_STATUSES, STATUS_LABELS, Trade, TradeStatus
from app.trades.raising import figures_of
from app.workflow import model_forms, subjects
from app.workflow.models import TaskStatus, WorkflowTask
from app.workflow.operations import OperationContext, Param, operation
from app.workflow.subjects import Subject
from rules.raise_quota import raise_quota_shortfalls


def _project(ctx: OperationContext) -> Project:
    project = ctx.session.get(Project, int(ctx.data["project_id"]))
    if project is None:
        raise LookupError(f"项目 {ctx.data.get('project_id')} 不存在")
    return project


@operation("project.set_stage", "设置项目阶段", {
    "stage": Param("阶段", "choice", required=True, options=tuple((s.value, s.label) for s in ProjectStage)),
})
def set_stage(ctx: OperationContext, stage: str) -> dict[str, Any]:
    project = _project(ctx)
    project.stage = ProjectStage(stage)
    project.stage_changed_at = clock.now()
    if project.stage == ProjectStage.INCOME and project.value_date is None:
        project.value_date = clock.today()
    ctx.session.flush()
    return {"stage": project.stage.value}


@operation("project.check_raise_quota", "检查募集成功条件（LP募集额度、LP募集数量）")
def check_raise_quota(ctx: OperationContext) -> dict[str, Any]:
    """Refuse 募集成功 with what is missing, unless the personal-contract-confirmed trades meet the quota."""
    project = _project(ctx)
    figures = figures_of(ctx.session, project.id)
    problems = raise_quota_shortfalls(project.lp_amount, project.lp_count, figures.contracted_amount,
                                      figures.contracted_count)
    if problems:
        raise ValidationFailed("不能宣布募集成功：" + "；".join(problems))
    return {"amount": str(figures.contracted_amount), "count": figures.contracted_count}


@operation("project.record_failure", "记录募集失败并关闭项目", {"reason": "失败原因"})
def record_failure(ctx: OperationContext, reason: str) -> dict[str, Any]:
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写募集失败原因")
    project = _project(ctx)
    project.stage = ProjectStage.FAILED
    project.failure_reason = reason
    project.stage_changed_at = clock.now()
    ctx.session.flush()
    return {"stage": project.stage.value}


@operation("project.check_completion", "检查项目可否完成（交易均已结束）")
def check_completion(ctx: OperationContext) -> dict[str, Any]:
    """Refuse 项目完成 while any trade of the project is still in review, returned or earning income."""
    project = _project(ctx)
    pending = dict(ctx.session.execute(
        select(Trade.status, func.count()).where(Trade.project_id == project.id,
                                                 Trade.status.in_((*OPEN_STATUSES, TradeStatus.INCOME)))
        .group_by(Trade.status)).all())
    if pending:
        detail = "、".join(f"{STATUS_LABELS[TradeStatus(s)]} {n} 笔" for s, n in sorted(pending.items()))
        raise ValidationFailed(f"项目还有未结束的交易（{detail}），请先完成清算或退款")
    return {"done": True}


# --- the stage actions offered on the project page --------------------------------------------------------


def open_task(session: DbSession, project: Project) -> WorkflowTask | None:
    """The lifecycle's open task (the next stage action), if any."""
    if project.lifecycle_instance_id is None:
        return None
    return session.scalar(select(WorkflowTask).where(WorkflowTask.instance_id == project.lifecycle_instance_id,
                                                     WorkflowTask.status == TaskStatus.OPEN)
                          .order_by(WorkflowTask.id.desc()).limit(1))


def actions(session: DbSession, project: Project, user: User) -> tuple[WorkflowTask | None, list[tuple[str, str]]]:
    """The open lifecycle task and the outcomes (buttons) the user may choose on it."""
    task = open_task(session, project)
    if task is None or not workflow.can_act(session, user, task):
        return task, []
    return task, list(model_forms.resolve(session, task.instance.model_id, task.form_key).outcomes)


def advance(session: DbSession, project: Project, user: User, outcome: str, comment: str = "") -> WorkflowTask:
    """Take a stage action (发布, 募集成功, 募集失败, 进入收益阶段, 项目完成) by completing the open task."""
    task = open_task(session, project)
    if task is None:
        raise Conflict(f"项目处于“{project.stage.label}”，没有可执行的阶段操作")
    if not workflow.can_act(session, user, task):
        raise Conflict("您不能办理该项目的当前阶段，或任务已由他人认领")
    form = model_forms.resolve(session, task.instance.model_id, task.form_key)
    errors = form.check_choice(outcome, comment)
    if errors:
        raise ValidationFailed("；".join(errors))
    return workflow.complete_task(session, task.id, user, {}, outcome=outcome, comment=comment.strip(),
                                  outcome_label=dict(form.outcomes).get(outcome, ""))


def _summarise(session: DbSession, ident: str) -> Subject | None:
    project = session.get(Project, int(ident)) if ident.isdigit() else None
    if project is None:
        return None
    figures = figures_of(session, project.id)
    return Subject(f"{project.name}（{project.code}）", url_for("projects.detail", project_id=project.id), [
        ("阶段", project.stage.label),
        ("LP募集额度", f"{project.lp_amount:,.2f} 元 / {project.lp_count} 笔"),
        ("虚拟LP募集额度", f"{figures.virtual_amount:,.2f} 元 / {figures.virtual_count} 笔"),
        ("个人合同已确认", f"{figures.contracted_amount:,.2f} 元 / {figures.contracted_count} 笔"),
        ("起购金额", f"{project.min_subscription:,.2f} 元"),
        ("预期年化收益率", f"{project.expected_yield:.2f}%"),
    ], kind="理财项目", link_label="项目详情")


subjects.register("project", _summarise)


@signals.instance_cancelled.connect
def _lifecycle_cancelled(session: DbSession, instance: Any, **_kwargs: Any) -> None:
    """A lifecycle cancelled in 流程监控 before the raise succeeded closes the project as 募集失败, and its trades
    end as they would for any failure (the message they wait for)."""
    if instance.process_key != LIFECYCLE_PROCESS:
        return
    project = session.scalar(select(Project).where(Project.lifecycle_instance_id == instance.id))
    if project is None or project.stage not in (ProjectStage.PREPARING, ProjectStage.RAISING):
        return
    reason = f"阶段流程已被取消：{instance.end_reason}"
    project.stage = ProjectStage.FAILED
    project.failure_reason = reason
    project.stage_changed_at = clock.now()
    session.flush()
    workflow.send_message(session, "project_raise_failed", {"project_id": project.id}, {"reason": reason})
